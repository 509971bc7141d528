"""Contract annexes as plain data: what an annex states, what changed, and safe CSV cells.

An issued annex freezes the engagement's canonical spec JSON (see :mod:`.spec`). Progress
recorded after signing — the engagement's status, each deliverable's status and each
successor's readiness — is not a term of the annex, so it is left out when deciding whether
the spec changed since an annex.

Snapshots issued before a field existed simply lack it: the field was not recorded then. Such
a field counts as unchanged while it is still empty, and shows as "not recorded" otherwise.
"""
from __future__ import annotations

import json
from decimal import Decimal

from .spec import PROGRESS_FIELDS as SPEC_PROGRESS_FIELDS
from .spec_diff import SpecDiff, diff_specs

# Fields of the snapshot that record progress, not what was agreed.
PROGRESS_FIELDS = ("status", *SPEC_PROGRESS_FIELDS)
PROGRESS_ROW_FIELDS = {"deliverables": ("status",), "successors": ("readiness",)}
EMPTY_VALUES = (None, "", [], {}, False)

# A spreadsheet treats a cell starting with one of these as a formula (OWASP's list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def load_snapshot(text: str) -> dict:
    """The snapshot dict stored as canonical JSON text."""
    return json.loads(text)


def annex_terms(snapshot: dict) -> dict:
    """The snapshot without the progress fields (engagement and deliverable status)."""
    terms = {k: v for k, v in snapshot.items() if k not in PROGRESS_FIELDS}
    for section, dropped in PROGRESS_ROW_FIELDS.items():
        rows = terms.get(section) or []
        terms[section] = [{k: v for k, v in row.items() if k not in dropped} for row in rows]
    return terms


def not_recorded(old_snapshot: dict, new_snapshot: dict) -> frozenset[str]:
    """Fields the newer snapshot has and the older one lacks: they were not recorded then."""
    return frozenset(new_snapshot) - frozenset(old_snapshot)


def _comparable(old_snapshot: dict, new_snapshot: dict) -> tuple[dict, dict]:
    """Both snapshots' terms, without the fields the older one lacks and the newer leaves
    empty (an annex issued before a field existed states nothing different about it)."""
    old, new = annex_terms(old_snapshot), annex_terms(new_snapshot)
    new = {k: v for k, v in new.items()
           if k in old or not (v in EMPTY_VALUES or _all_empty(v))}
    return old, new


def _all_empty(value) -> bool:
    return isinstance(value, dict) and all(v in EMPTY_VALUES for v in value.values())


def terms_diff(old_snapshot: dict, new_snapshot: dict) -> SpecDiff:
    """What an annex made from ``new_snapshot`` would state differently from ``old_snapshot``."""
    return diff_specs(*_comparable(old_snapshot, new_snapshot))


def spec_changed(issued_snapshot: dict | None, current_snapshot: dict) -> bool:
    """True when there is an issued annex and the current spec states different terms."""
    if issued_snapshot is None:
        return False
    old, new = _comparable(issued_snapshot, current_snapshot)
    return old != new


def next_number(latest: int | None) -> int:
    """The number the next annex of an engagement gets (versions count from 1)."""
    return (latest or 0) + 1


def neutralise_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula.

    Text starting with ``= + - @``, a tab or a carriage return is prefixed with an
    apostrophe; numbers, dates and empty cells pass through unchanged.
    """
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _characters(value: object) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_characters(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(_characters(v) for v in value)
    return 0


def annex_size_problems(snapshot: dict, limit: int) -> dict[str, list[str]]:
    """Messages keyed by field path when the annex would hold more than ``limit`` characters
    of text (so it could not be rendered in reasonable time); empty when it fits.

    The message sits on the field or section holding the most text, where shortening helps.
    """
    sizes = {key: _characters(value) for key, value in snapshot.items()}
    total = sum(sizes.values())
    if total <= limit:
        return {}
    largest = max(sizes, key=sizes.__getitem__)
    return {largest: [
        f"An annex holds at most {limit:,} characters of text; this one would hold "
        f"{total:,}. This part has {sizes[largest]:,}: shorten it by at least "
        f"{total - limit:,} characters (nothing was saved)."]}
