"""Run deep Python code on one large block of CPython's frame stack instead of many small ones.

CPython (3.11 onwards) keeps the frames of Python calls on a per-thread stack made of 16 KB
chunks. When a call does not fit in the current chunk it maps a new one from the kernel, and
when the first frame of a chunk returns, the chunk is unmapped again. Code whose call depth
swings back and forth across a chunk's edge, as WeasyPrint's recursive layout does thousands
of times per document, maps and unmaps a chunk each time and takes a page fault on every
fresh page: measured with ``perf record -e page-faults`` on a render process, 95 % of its page
faults came from ``_PyThreadState_BumpFramePointerSlow``, about a sixth of a render's time.

:func:`in_one_stack_chunk` calls a function from a frame that declares a very deep evaluation
stack (its code object's ``co_stacksize``). CPython cannot fit that frame in a small chunk, so
it maps one chunk of several megabytes, and every call made inside lands in the same chunk,
which stays mapped until the outer call returns. Pages are only touched as frames use them.
"""
from __future__ import annotations

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
