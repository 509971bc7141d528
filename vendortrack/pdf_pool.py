"""A small pool of warm PDF render workers with a time limit and a bounded queue.

Each web worker process keeps its own pool (created on first use). A render is admitted only
while fewer than ``workers + queue`` renders run or wait in this process; beyond that it is
refused at once with :class:`RenderBusy` (the caller answers 503 with ``Retry-After``).
A render that passes ``timeout`` seconds has its worker process killed and replaced, and
:class:`RenderTimeout` is raised; the web worker itself never blocks for longer than that.
"""
from __future__ import annotations

import atexit
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from .cpu_slot import waiting

log = logging.getLogger(__name__)

STARTUP_LIMIT = 60  # seconds a fresh worker may take to import WeasyPrint and load fonts


class RenderProblem(Exception):
    """Rendering did not give a PDF; the message is for the user."""


class RenderBusy(RenderProblem):
    """Too many renders are running or waiting; try again in a moment."""

    retry_after = 10


class RenderTimeout(RenderProblem):
    """The render passed the time limit and was stopped."""


class RenderFailed(RenderProblem):
    """WeasyPrint raised an error or the worker died."""


class Worker:
    """One render process and the two pipe ends that talk to it; ``warm_up`` is the job it
    renders first (its result dropped), before it says it is ready."""

    def __init__(self, root: Path, warm_up: dict):
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vendortrack.pdf_worker", str(child_read), str(child_write),
             str(root)], pass_fds=(child_read, child_write), stdin=subprocess.DEVNULL,
            start_new_session=True)
        os.close(child_read)
        os.close(child_write)
        self.incoming = Connection(parent_read, writable=False)
        self.outgoing = Connection(parent_write, readable=False)
        self.ready = False
        self.outgoing.send(warm_up)  # waits in the pipe until the process is up

    def wait_ready(self) -> None:
        if self.ready:
            return
        if not self.incoming.poll(STARTUP_LIMIT):
            raise RenderFailed("the PDF renderer did not start")
        self.incoming.recv()  # "ready", sent once the warm-up is rendered
        self.ready = True

    def render(self, job: dict, timeout: float) -> dict:
        self.wait_ready()
        self.outgoing.send(job)
        if not self.incoming.poll(timeout):
            raise RenderTimeout(f"render took longer than {timeout:g} s")
        return self.incoming.recv()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.incoming.close()
        self.outgoing.close()


class RenderPool:
    def __init__(self, root: Path, *, workers: int, waiting: int, timeout: float,
                 warm_up: dict):
        self.root, self.timeout, self.warm_up = root, timeout, warm_up
        self.capacity = workers + waiting
        self._admitted = 0
        self._lock = threading.Lock()
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._all: list[Worker] = []
        for _ in range(workers):
            self._idle.put(self._start())

    def _start(self) -> Worker:
        worker = Worker(self.root, self.warm_up)
        with self._lock:
            self._all.append(worker)
        return worker

    def _replace(self, worker: Worker) -> Worker:
        worker.stop()
        with self._lock:
            self._all.remove(worker)
        return self._start()

    def render(self, job: dict) -> dict:
        """Render ``job`` in a worker; raises a :class:`RenderProblem` subclass if it cannot."""
        with self._lock:
            if self._admitted >= self.capacity:
                raise RenderBusy("too many PDFs are being rendered")
            self._admitted += 1
        try:
            with waiting():  # other requests run while this one waits for its render
                reply = self._render(job)
        finally:
            with self._lock:
                self._admitted -= 1
        if "error" in reply:
            raise RenderFailed(reply["error"])
        return reply

    def _render(self, job: dict) -> dict:
        # A queued render waits at most as long as the renders before it may take.
        try:
            worker = self._idle.get(timeout=self.timeout * self.capacity)
        except queue.Empty:
            raise RenderBusy("too many PDFs are being rendered") from None
        try:
            return worker.render(job, self.timeout)
        except (RenderProblem, EOFError, OSError) as problem:
            worker = self._replace(worker)
            if isinstance(problem, RenderProblem):
                raise
            raise RenderFailed("the PDF renderer stopped") from problem
        finally:
            self._idle.put(worker)

    def wait_ready(self) -> None:
        """Wait until every idle worker has started and done its warm-up render."""
        for worker in list(self._idle.queue):
            worker.wait_ready()

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.stop()


_pools: dict[tuple, RenderPool] = {}
_pools_lock = threading.Lock()


def pool_for(root: Path, *, workers: int, waiting: int, timeout: float,
             warm_up: Callable[[], dict]) -> RenderPool:
    """This process's pool for these settings, started on first use; ``warm_up()`` gives the
    job each of its workers renders as it starts."""
    key = (str(root), workers, waiting, timeout, os.getpid())
    with _pools_lock:
        if key not in _pools:
            _pools[key] = RenderPool(root, workers=workers, waiting=waiting, timeout=timeout,
                                     warm_up=warm_up())
        return _pools[key]


@atexit.register
def _close_pools() -> None:
    for key, pool in list(_pools.items()):
        if key[-1] == os.getpid():
            pool.close()
