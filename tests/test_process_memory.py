"""Deep code run inside one large chunk of CPython's frame stack maps no new chunks."""
from __future__ import annotations

import resource
import sys

import pytest

from vendortrack.process_memory import in_one_stack_chunk


def down(depth: int) -> int:
    return 0 if depth == 0 else 1 + down(depth - 1)


def swinging_calls() -> int:
    """Call depth swinging from 0 to 300 and back, 2,000 times: it crosses the edges of
    CPython's 16 KB frame-stack chunks again and again."""
    return sum(down(n % 300) for n in range(2_000))


def page_faults(call) -> tuple[int, int]:
    """``call()`` and the page faults this thread took meanwhile (not other threads')."""
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    result = call()
    return result, resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before


@pytest.mark.skipif(sys.version_info[:2] not in ((3, 11), (3, 12), (3, 13)),
                    reason="CPython's frame stack in 16 KB chunks is checked on 3.11 to 3.13")
def test_calls_inside_one_chunk_fault_in_no_fresh_pages():
    plain, plain_faults = page_faults(swinging_calls)
    chunked, chunked_faults = page_faults(lambda: in_one_stack_chunk(swinging_calls))
    assert chunked == plain == sum(n % 300 for n in range(2_000))
    assert plain_faults > 500  # without it: a chunk mapped, and its pages faulted, per swing
    assert chunked_faults < 50  # the one large chunk's pages, touched once


def test_the_result_and_exceptions_come_through():
    assert in_one_stack_chunk(lambda: "value") == "value"
    with pytest.raises(ZeroDivisionError):
        in_one_stack_chunk(lambda: 1 / 0)
