"""What changed between two spec snapshots (the JSON form of :mod:`.spec`).

Scalar fields are compared by value. Repeatable sections are aligned with difflib so that a
row inserted in the middle shows as one added row, not as every later row changed; rows in a
replaced stretch are paired up as changed, and the rest are added or removed.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from .spec import SECTIONS


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class RowChange:
    section: str
    change: str  # "added", "removed" or "changed"
    old: Any = None
    new: Any = None
    old_position: int | None = None  # 1-based, as people count rows
    new_position: int | None = None


@dataclass(frozen=True)
class SpecDiff:
    fields: tuple[FieldChange, ...] = ()
    rows: tuple[RowChange, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.fields or self.rows)

    def rows_in(self, section: str) -> tuple[RowChange, ...]:
        return tuple(r for r in self.rows if r.section == section)

    def to_json(self) -> list[dict]:
        """A list of plain dicts, as stored in the history."""
        out: list[dict] = [{"field": c.field, "old": c.old, "new": c.new} for c in self.fields]
        for r in self.rows:
            out.append({"section": r.section, "change": r.change, "old": r.old, "new": r.new,
                        "old_position": r.old_position, "new_position": r.new_position})
        return out


def _key(row: Any) -> str:
    return json.dumps(row, sort_keys=True)


def _diff_rows(section: str, old: list, new: list) -> list[RowChange]:
    changes: list[RowChange] = []
    matcher = difflib.SequenceMatcher(a=[_key(r) for r in old], b=[_key(r) for r in new],
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            changes.append(RowChange(section, "changed", old[i1 + k], new[j1 + k],
                                     i1 + k + 1, j1 + k + 1))
        for i in range(i1 + paired, i2):
            changes.append(RowChange(section, "removed", old=old[i], old_position=i + 1))
        for j in range(j1 + paired, j2):
            changes.append(RowChange(section, "added", new=new[j], new_position=j + 1))
    return changes


def diff_specs(old: dict | None, new: dict) -> SpecDiff:
    """Changes from ``old`` to ``new``; ``old`` None means everything in ``new`` is new."""
    old = old or {}
    field_changes = []
    row_changes: list[RowChange] = []
    for name in new.keys() | old.keys():
        if name in SECTIONS:
            continue
        before, after = old.get(name), new.get(name)
        if before != after:
            field_changes.append(FieldChange(name, before, after))
    order = list(new) + [k for k in old if k not in new]
    field_changes.sort(key=lambda c: order.index(c.field))
    for section in SECTIONS:
        row_changes += _diff_rows(section, old.get(section) or [], new.get(section) or [])
    return SpecDiff(tuple(field_changes), tuple(row_changes))
