"""Checking and exporting the register of information for a reference date.

Pre-flight runs before every export; the export carries the counts it found, so nobody files
a package without knowing what the supervisor's checks will say.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..clock import now, today
from ..domain.register_of_information import (
    INCOMPLETE,
    REJECTION,
    TEMPLATES,
    Finding,
    Organisation,
    Register,
    count,
    default_reference_date,
    preflight,
    write_package,
)
from . import source
from .organisation import Origin, current_organisation

DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")
EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)


class BadReferenceDate(ValueError):
    """A reference date that cannot be used; the message says what to type."""


def reference_date_from(text: str | None) -> date:
    """The reference date typed (``YYYY-MM-DD``), or the last 31 December when none is."""
    text = (text or "").strip()
    if not text:
        return default_reference_date(today())
    example = default_reference_date(today()).isoformat()
    try:
        if not DATE_SHAPE.fullmatch(text):
            raise ValueError
        chosen = date.fromisoformat(text)
    except ValueError:
        raise BadReferenceDate(f"“{text[:40]}” is not a date. Enter the reference date as "
                               f"YYYY-MM-DD, for example {example}.") from None
    if not EARLIEST <= chosen <= LATEST:
        raise BadReferenceDate(f"Choose a reference date between {EARLIEST.isoformat()} and "
                               f"{LATEST.isoformat()}, for example {example}.")
    return chosen


@dataclass(frozen=True)
class Check:
    """The register for a reference date and everything pre-flight found in it."""

    register: Register
    findings: list[Finding]
    source: source.RegisterSource
    origins: dict[str, Origin]

    @property
    def counts(self) -> dict[str, int]:
        counts = count(self.findings)
        return {**counts, "total": counts[REJECTION] + counts[INCOMPLETE]}

    @property
    def rows(self) -> dict[str, int]:
        """Rows per template, in file order."""
        return {template: len(self.register.tables[template]) for template in TEMPLATES}

    @property
    def organisation(self) -> Organisation:
        return self.register.organisation


def check(reference_date: date) -> Check:
    """Build the register for ``reference_date`` from the database and pre-flight it."""
    organisation, origins = current_organisation()
    loaded = source.load(reference_date, organisation)
    register = loaded.build()
    return Check(register, preflight(register), loaded, origins)


def export(reference_date: date) -> tuple[str, bytes, Check]:
    """The report package (file name, zip bytes) after its pre-flight check."""
    checked = check(reference_date)
    name, content = write_package(checked.register, now())
    return name, content, checked


@dataclass(frozen=True)
class ColumnRef:
    """One register column a finding affects, with its EBA name."""

    template: str | None
    column: str | None
    name: str


def columns_of(finding: Finding) -> list[ColumnRef]:
    """``"B_05.01 c0010"`` → the template, the column and the column's EBA name; the package
    name, which is no column, is named as such."""
    refs = []
    for text in finding.columns:
        template, _, column = text.partition(" ")
        if template in TEMPLATES and re.fullmatch(r"c\d{4}", column):
            refs.append(ColumnRef(template, column, TEMPLATES[template].column(column).name))
        else:
            refs.append(ColumnRef(None, None, f"The {text}"))
    return refs
