"""The PDF render worker: a separate process that turns HTML into PDF with WeasyPrint.

Started by :class:`vendortrack.pdf_pool.RenderPool` as ``python -m vendortrack.pdf_worker
READ_FD WRITE_FD STATIC_ROOT``. It imports WeasyPrint and loads the annex stylesheet and its
fonts once, renders the first job the pool sends (a small annex) to warm up, says it is ready,
then renders one job at a time.
The pool kills it when a job passes the time limit, so no render can hold a web worker.
It runs at a lower CPU priority, so that web requests win the processor while it works.
Each PDF object is turned into bytes once (:mod:`vendortrack.pdf_bytes`).

Python's cycle collector is paused while a job renders and run once after its reply is sent:
a render allocates hundreds of thousands of objects, which set off dozens of collections that
each also walked WeasyPrint, the fonts and the stylesheet (frozen after the warm-up, so that
no collection walks them again). That was a fifth of a large annex's or the board pack's time.

Everything the process does runs on one large chunk of CPython's frame stack
(:mod:`vendortrack.process_memory`): WeasyPrint's recursion otherwise mapped and unmapped small
chunks thousands of times per render, faulting in fresh pages each time.
"""
from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from .process_memory import freeze_what_lives_on, in_one_stack_chunk


def laid_out(job: dict, root: Path, fetcher, stylesheet, fonts):
    """The job's page read and laid out as it is printed: an annex (``annex_styles``) with
    the annex stylesheet, its fonts and the job's ``options``; relative URLs against ``root``.
    (:func:`vendortrack.pdf.layout` lays annexes out with it for tests.)"""
    from .pdf_html import PrintHTML

    html = PrintHTML(string=job["html"], base_url=root.as_uri() + "/", url_fetcher=fetcher)
    if job.get("annex_styles"):
        return html.render(stylesheets=[stylesheet], font_config=fonts,
                           **job.get("options", {}))
    return html.render()


def render(job: dict, root: Path, stylesheet, fonts) -> dict:
    """One job: ``{"html", "options", "annex_styles", "attached"}`` → ``{"pdf", "fetched",
    "refused"}``."""
    from .pdf import make_fetcher
    from .pdf_bytes import serialise_once

    fetcher = make_fetcher(root, job.get("attached"))
    pdf = laid_out(job, root, fetcher, stylesheet, fonts).write_pdf(
        finisher=serialise_once, **job.get("options", {}))
    return {"pdf": pdf, "fetched": fetcher.fetched, "refused": fetcher.refused}


def render_uncollected(job: dict, root: Path, stylesheet, fonts) -> dict:
    """:func:`render` with the cycle collector paused (the caller collects afterwards)."""
    gc.disable()
    try:
        return render(job, root, stylesheet, fonts)
    finally:
        gc.enable()


def serve(incoming: Connection, outgoing: Connection, root: Path) -> None:
    from .pdf import load_stylesheet

    stylesheet, fonts = load_stylesheet(root)
    try:
        warm_up = incoming.recv()  # a small annex: fonts and code paths loaded before anyone waits
    except (EOFError, OSError):
        return
    try:
        render(warm_up, root, stylesheet, fonts)
    except Exception:  # a real job says what went wrong; this one only warms up
        logging.getLogger(__name__).exception("warm-up render failed")
    freeze_what_lives_on()  # WeasyPrint, the fonts, the stylesheet, what the warm-up loaded
    outgoing.send({"ready": True})
    while True:
        try:
            job = incoming.recv()
        except (EOFError, OSError):
            return  # the web worker that owned us is gone
        try:
            reply = render_uncollected(job, root, stylesheet, fonts)
        except Exception as error:  # reported to the web worker, which logs it with context
            logging.getLogger(__name__).exception("render failed")
            reply = {"error": f"{type(error).__name__}: {error}"[:500]}
        outgoing.send(reply)
        del reply
        gc.collect()  # the render's cycles, while nobody waits for this process


def main(argv: list[str]) -> None:
    read_fd, write_fd, root = int(argv[1]), int(argv[2]), Path(argv[3])
    with contextlib.suppress(OSError):
        os.nice(5)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    incoming, outgoing = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    in_one_stack_chunk(lambda: serve(incoming, outgoing, root))


if __name__ == "__main__":
    main(sys.argv)
