"""Gunicorn settings for `make run` and the load tests (`-c python:vendortrack.gunicorn_conf`).

Threaded workers, so that a request waiting for a PDF render never holds a whole worker
while sign-in and page requests queue behind it, but the threads take turns to run Python
(:mod:`vendortrack.cpu_slot`); no version in the ``Server`` header.
"""
import gunicorn.http.wsgi

worker_class = "gthread"
threads = 4
timeout = 60
# Idle keep-alive connections stay open longer than a load balancer keeps its own (60 s is
# common): when the server closes one first, a request the client or balancer sends on it at
# that moment is reset instead of answered.
keepalive = 75
# Answer "Server: vendortrack" instead of naming the server software.
gunicorn.http.wsgi.SERVER = "vendortrack"


def post_worker_init(worker):
    """Start this worker's PDF renderer now and wait until it has rendered a warm-up annex
    (WeasyPrint imported, fonts and code paths loaded), and compile the print templates: the
    first PDF a person asks for costs what any other does, not a second more. Then freeze
    what the worker has loaded (:func:`vendortrack.process_memory.freeze_what_lives_on`)."""
    from flask import current_app

    from vendortrack.pdf import render_pool
    from vendortrack.process_memory import freeze_what_lives_on

    app = worker.wsgi
    with app.app_context():
        render_pool().wait_ready()
        current_app.jinja_env.get_template("dashboard/board_pack.html")
    worker.wsgi = in_turns(app)
    freeze_what_lives_on()


def in_turns(app):
    """``app`` taking turns (:mod:`vendortrack.cpu_slot`), reading any body up to the largest
    that some route accepts (an import's file) before the request's turn, so that a client
    sending slowly holds only its own thread."""
    from vendortrack.cpu_slot import OneAtATime
    from vendortrack.imports.reading import MAX_REQUEST

    return OneAtATime(app, max_body=max(app.config["MAX_CONTENT_LENGTH"], MAX_REQUEST))
