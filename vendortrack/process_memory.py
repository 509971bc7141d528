"""How the app's long-lived processes (gunicorn workers, PDF render processes) keep Python's
own memory work off the requests they serve.

:func:`freeze_what_lives_on`: once a process has loaded what it keeps until it ends (the app,
its modules, templates and mappers; WeasyPrint, the fonts and the stylesheet), those objects
are moved out of reach of the cycle collector. Otherwise every full collection walks them all:
in a gunicorn worker under `make load` that was about 120 ms, ten times a minute, while every
request in the worker waited (README, "Under a crowd").

:func:`in_one_stack_chunk`: CPython (3.11 onwards) keeps the frames of Python calls on a
per-thread stack made of 16 KB chunks. When a call does not fit in the current chunk it maps a
new one from the kernel, and when the first frame of a chunk returns, the chunk is unmapped
again. Code whose call depth swings back and forth across a chunk's edge, as WeasyPrint's
recursive layout does thousands of times per document, maps and unmaps a chunk each time and
takes a page fault on every fresh page: measured with ``perf record -e page-faults`` on a
render process, 95 % of its page faults came from ``_PyThreadState_BumpFramePointerSlow``,
about a sixth of a render's time. It calls a function from a frame that declares a very deep
evaluation stack (its code object's ``co_stacksize``). CPython cannot fit that frame in a
small chunk, so it maps one chunk of several megabytes, and every call made inside lands in the
same chunk, which stays mapped until the outer call returns. Pages are only touched as frames
use them.
"""
from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Evaluation-stack slots (8 bytes each) the outer frame claims: CPython rounds the chunk up to
# a power of two, 4 MB here, leaving about 2 MB for the frames called inside (Python's default
# recursion limit of 1,000 calls, at a few hundred bytes a frame, needs well under that).
RESERVED_SLOTS = 2**18


def _call(call):
    return call()


_call.__code__ = _call.__code__.replace(co_stacksize=RESERVED_SLOTS)


def in_one_stack_chunk(call: Callable[[], T]) -> T:
    """``call()``, its frames all kept in one large chunk of the frame stack."""
    return _call(call)


def freeze_what_lives_on() -> None:
    """Collect once, then move every object this process holds out of the cycle collector's
    reach for the rest of its life (call it when start-up is done)."""
    gc.collect()
    gc.freeze()
