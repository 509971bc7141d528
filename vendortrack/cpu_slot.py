"""One request at a time runs Python in a threaded gunicorn worker; a wait lets the next run.

A gunicorn worker has several threads so that a request waiting for something slow (a PDF
render in another process) does not hold the whole worker. But threads that all want the CPU
share one interpreter lock: they interleave every few milliseconds, each request takes as
long as all of them together, and the switching itself costs about a fifth more CPU a request
(measured in README, "Under a crowd"). :class:`OneAtATime` wraps the WSGI app so that a
worker's threads take turns instead, each running its request to the end; code that waits for
another process calls :func:`waiting` so that the next request runs meanwhile.

The body of a request is read before its turn (up to ``max_body`` bytes, the app's own
limit), so a client that sends slowly holds its own thread only, not the worker.
"""
from __future__ import annotations

import io
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class Turns:
    """A lock handed to waiting threads in the order they asked (a plain lock is not fair:
    under load some requests would wait for many turns while later ones go first)."""

    def __init__(self):
        self._guard = threading.Lock()
        self._queue: deque[threading.Lock] = deque()
        self._taken = False

    def acquire(self) -> None:
        with self._guard:
            if not self._taken:
                self._taken = True
                return
            baton = threading.Lock()
            baton.acquire()
            self._queue.append(baton)
        baton.acquire()  # released by the thread whose turn ends: the turn is now ours

    def release(self) -> None:
        with self._guard:
            if self._queue:
                self._queue.popleft().release()
            else:
                self._taken = False

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


_turn = Turns()
_holder = threading.local()


class OneAtATime:
    """WSGI middleware: the wrapped app runs for one request at a time in this process."""

    def __init__(self, app, max_body: int | None):
        self.app, self.max_body = app, max_body

    def __call__(self, environ, start_response):
        self._read_body(environ)
        with _turn:
            _holder.active = True
            try:
                # A streamed body (a CSV export) runs its generator after the turn, as
                # gunicorn sends it: correct, merely not one at a time.
                return self.app(environ, start_response)
            finally:
                _holder.active = False

    def _read_body(self, environ) -> None:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return  # the app answers 400
        if length > 0 and (self.max_body is None or length <= self.max_body):
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)


@contextmanager
def waiting() -> Iterator[None]:
    """Let another request run while this one waits (a no-op outside :class:`OneAtATime`)."""
    if not getattr(_holder, "active", False):
        yield
        return
    _holder.active = False
    _turn.release()
    try:
        yield
    finally:
        _turn.acquire()
        _holder.active = True
