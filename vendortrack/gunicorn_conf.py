"""Gunicorn settings for `make run` and the load tests (`-c python:vendortrack.gunicorn_conf`).

Threaded workers, so that a request waiting for a PDF render never holds a whole worker
while sign-in and page requests queue behind it; no version in the ``Server`` header.
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
    """Start this worker's PDF renderer now (WeasyPrint imported, fonts loaded), not on the
    first request that asks for a PDF."""
    from vendortrack.pdf import render_pool

    with worker.wsgi.app_context():
        render_pool()
