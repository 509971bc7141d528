"""A threaded worker's requests take turns to run, and a request that waits lets the next run."""
from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from pathlib import Path

from vendortrack import cpu_slot
from vendortrack.cpu_slot import OneAtATime, waiting


def call(app, body: bytes = b"", stream=None, length: int | None = None) -> list[bytes]:
    environ = {"CONTENT_LENGTH": str(len(body) if length is None else length),
               "wsgi.input": stream or io.BytesIO(body)}
    return app(environ, lambda status, headers: None)


def run_in_threads(target, count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()


class Overlap:
    """A WSGI app that sleeps (the GIL free, as during a query) and counts who runs at once."""

    def __init__(self):
        self.running = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.02)
        with self.lock:
            self.running -= 1
        start_response("200 OK", [])
        return [b"ok"]


def test_requests_in_several_threads_run_one_at_a_time():
    bare, wrapped = Overlap(), Overlap()
    run_in_threads(lambda: call(bare), 6)
    run_in_threads(lambda: call(OneAtATime(wrapped, max_body=None)), 6)
    assert bare.most > 1  # without the turns, threads overlap
    assert wrapped.most == 1


def test_a_request_that_waits_lets_the_next_one_run():
    other_ran = threading.Event()

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/pdf":
            with waiting():  # as while a PDF renders in another process
                assert other_ran.wait(5), "the other request never ran"
        else:
            other_ran.set()
        start_response("200 OK", [])
        return [b"ok"]

    wrapped = OneAtATime(app, max_body=None)
    answers = []

    def request(path):
        answers.append(wrapped({"PATH_INFO": path, "wsgi.input": io.BytesIO()},
                               lambda *a: None))

    first = threading.Thread(target=request, args=("/pdf",))
    first.start()
    time.sleep(0.05)
    request("/page")
    first.join(10)
    assert answers == [[b"ok"], [b"ok"]]


def test_turns_go_in_the_order_requests_asked():
    release_first, order = threading.Event(), []

    def app(environ, start_response):
        if environ["n"] == 0:
            release_first.wait(5)
        order.append(environ["n"])
        start_response("200 OK", [])
        return []

    wrapped = OneAtATime(app, max_body=None)
    threads = []
    for n in range(6):
        threads.append(threading.Thread(target=wrapped, args=(
            {"n": n, "wsgi.input": io.BytesIO()}, lambda *a: None)))
        threads[-1].start()
        deadline = time.monotonic() + 5  # the next asks only once this one is queued
        while n and len(cpu_slot._turn._queue) < n and time.monotonic() < deadline:
            time.sleep(0.001)
    release_first.set()
    for thread in threads:
        thread.join(10)
    assert order == [0, 1, 2, 3, 4, 5]


class SlowBody(io.RawIOBase):
    """A client that sends its body only when told to."""

    def __init__(self, body: bytes, go: threading.Event):
        self.body, self.go = body, go

    def read(self, size=-1):
        assert self.go.wait(5)
        body, self.body = self.body, b""
        return body


def test_a_slow_client_body_is_read_before_its_turn():
    seen, go = [], threading.Event()

    def app(environ, start_response):
        seen.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return []

    wrapped = OneAtATime(app, max_body=1024)
    slow = threading.Thread(target=lambda: wrapped(
        {"CONTENT_LENGTH": "5", "wsgi.input": SlowBody(b"hello", go)}, lambda *a: None))
    slow.start()
    time.sleep(0.05)
    call(wrapped, b"quick")  # runs while the slow client is still sending
    assert seen == [b"quick"]
    go.set()
    slow.join(10)
    assert seen == [b"quick", b"hello"]


def test_a_body_over_the_limit_is_left_for_the_app_to_refuse():
    stream = io.BytesIO(b"x" * 100)
    wrapped = OneAtATime(lambda environ, start: [environ["wsgi.input"]], max_body=10)
    assert call(wrapped, stream=stream, length=100) == [stream]  # not read into memory here


def test_waiting_outside_the_middleware_changes_nothing():
    with waiting():
        pass
    assert not cpu_slot._turn._taken


def test_gunicorn_reads_an_import_s_file_before_the_request_s_turn(app):
    """An import sends up to 20 MB, above the app's limit for other requests: its body too is
    read before the turn (a slow upload must not hold the worker), a larger one is not."""
    from vendortrack.gunicorn_conf import in_turns
    from vendortrack.imports.reading import MAX_REQUEST

    seen = []
    wrapped = in_turns(app)
    wrapped.app = lambda environ, start: seen.append(environ["wsgi.input"]) or []
    upload = SlowBody(b"x" * (3 * 1024 * 1024), threading.Event())
    upload.go.set()
    wrapped({"CONTENT_LENGTH": str(3 * 1024 * 1024), "wsgi.input": upload}, None)
    assert isinstance(seen[-1], io.BytesIO) and len(seen[-1].getvalue()) == 3 * 1024 * 1024
    huge = io.BytesIO()
    wrapped({"CONTENT_LENGTH": str(MAX_REQUEST + 1), "wsgi.input": huge}, None)
    assert seen[-1] is huge


def test_a_started_gunicorn_worker_freezes_what_it_has_loaded(tmp_path):
    """After `post_worker_init` the app, its modules and templates are out of the cycle
    collector's reach, so a full collection during a request no longer walks them. Run in a
    process of its own: freezing is for the rest of a process's life."""
    script = f"""
import gc, types
from tests.conftest import app_config
from vendortrack import create_app
from vendortrack.gunicorn_conf import post_worker_init

app = create_app(app_config("sqlite:///{tmp_path / 'worker.sqlite3'}"))
before = gc.get_freeze_count()
worker = types.SimpleNamespace(wsgi=app)
post_worker_init(worker)
print(before, gc.get_freeze_count(), type(worker.wsgi).__name__)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=Path(__file__).parents[1], timeout=120, check=True)
    before, frozen, wrapper = result.stdout.split()
    assert int(before) == 0
    assert int(frozen) > 100_000  # Flask, SQLAlchemy, WTForms, the app's modules and templates
    assert wrapper == "OneAtATime"
