"""An engagement's specification as plain data, and its canonical JSON form.

The JSON form is what the API sends and receives and what an annex freezes as its snapshot;
:func:`canonical_json` gives the exact bytes whose SHA-256 is printed on every annex page.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Person:
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class Metric:
    name: str = ""
    baseline: str = ""
    target: str = ""
    unit: str = ""
    measurement: str = ""


@dataclass(frozen=True)
class Tradeoff:
    rule: str = ""
    decided_by: str = ""


@dataclass(frozen=True)
class Deliverable:
    kind: str = "documentation"
    title: str = ""
    due_date: date | None = None
    acceptance_criteria: str = ""
    status: str = "planned"


@dataclass(frozen=True)
class Spec:
    title: str
    vendor: str = ""
    contract_reference: str = ""
    contract_value: Decimal | None = None
    currency: str = ""
    status: str = "draft"
    start_date: date | None = None
    end_date: date | None = None
    handover_date: date | None = None
    problem_statement: str = ""
    core_capability: bool = False
    internal_owner: Person | None = None
    successors: tuple[Person, ...] = field(default_factory=tuple)
    upskilling: tuple[Person, ...] = field(default_factory=tuple)
    metrics: tuple[Metric, ...] = field(default_factory=tuple)
    constraints: tuple[str, ...] = field(default_factory=tuple)
    tradeoffs: tuple[Tradeoff, ...] = field(default_factory=tuple)
    deliverables: tuple[Deliverable, ...] = field(default_factory=tuple)


SPEC_FIELDS = (
    "title", "vendor", "contract_reference", "contract_value", "currency", "status",
    "start_date", "end_date", "handover_date", "problem_statement", "core_capability",
    "internal_owner", "successors", "upskilling", "metrics", "constraints", "tradeoffs",
    "deliverables",
)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _person(p: Person) -> dict:
    return {"name": p.name, "email": p.email}


def to_json(spec: Spec) -> dict:
    """The spec as the API's JSON object (dates as ISO strings)."""
    return {
        "title": spec.title,
        "vendor": spec.vendor or None,
        "contract_reference": spec.contract_reference,
        "contract_value": _number(spec.contract_value),
        "currency": spec.currency or None,
        "status": spec.status,
        "start_date": _iso(spec.start_date),
        "end_date": _iso(spec.end_date),
        "handover_date": _iso(spec.handover_date),
        "problem_statement": spec.problem_statement,
        "core_capability": spec.core_capability,
        "internal_owner": _person(spec.internal_owner) if spec.internal_owner else None,
        "successors": [_person(p) for p in spec.successors],
        "upskilling": [_person(p) for p in spec.upskilling],
        "metrics": [
            {"name": m.name, "baseline": m.baseline, "target": m.target, "unit": m.unit,
             "measurement": m.measurement}
            for m in spec.metrics
        ],
        "constraints": list(spec.constraints),
        "tradeoffs": [{"rule": t.rule, "decided_by": t.decided_by} for t in spec.tradeoffs],
        "deliverables": [
            {"kind": d.kind, "title": d.title, "due_date": _iso(d.due_date),
             "acceptance_criteria": d.acceptance_criteria, "status": d.status}
            for d in spec.deliverables
        ],
    }


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def from_json(data: dict) -> Spec:
    """Inverse of :func:`to_json` for data that has already been validated."""
    owner = data.get("internal_owner")
    value = data.get("contract_value")
    return Spec(
        title=data["title"],
        vendor=data.get("vendor") or "",
        contract_reference=data.get("contract_reference") or "",
        contract_value=None if value is None else Decimal(str(value)),
        currency=data.get("currency") or "",
        status=data.get("status") or "draft",
        start_date=_date(data.get("start_date")),
        end_date=_date(data.get("end_date")),
        handover_date=_date(data.get("handover_date")),
        problem_statement=data.get("problem_statement") or "",
        core_capability=bool(data.get("core_capability")),
        internal_owner=Person(**owner) if owner else None,
        successors=tuple(Person(**p) for p in data.get("successors") or ()),
        upskilling=tuple(Person(**p) for p in data.get("upskilling") or ()),
        metrics=tuple(Metric(**m) for m in data.get("metrics") or ()),
        constraints=tuple(data.get("constraints") or ()),
        tradeoffs=tuple(Tradeoff(**t) for t in data.get("tradeoffs") or ()),
        deliverables=tuple(
            Deliverable(**{**d, "due_date": _date(d.get("due_date"))})
            for d in data.get("deliverables") or ()
        ),
    )


def canonical_json(snapshot: dict) -> bytes:
    """Canonical bytes of a snapshot: sorted keys, no insignificant whitespace, UTF-8."""
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint(snapshot: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of a snapshot."""
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()
