"""An engagement's specification as plain data, and its canonical JSON form.

The JSON form is what the API sends and receives and what an annex freezes as its snapshot;
:func:`canonical_json` gives the exact bytes whose SHA-256 is printed on every annex page.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from .vocabulary import (
    ALTERNATIVES,
    ARRANGEMENT_TYPES,
    EXIT_SCENARIOS,
    EXIT_TEST_RESULTS,
    ICT_SERVICE_TYPES,
    NON_SUBSTITUTABILITY_REASONS,
    REINTEGRATION,
    SERVICE_IMPACTS,
    STATUSES,
    STORES_DATA,
    SUBSTITUTABILITY,
    TERMINATION_REASONS,
)


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
    business_function: str = ""
    notice_period_days: dict | None = None
    transition_period_days: int | None = None
    countries: dict | None = None
    stores_data: str | None = None
    annual_expense: Decimal | None = None
    exit_plan: dict | None = None
    substitutability: str | None = None
    reintegration: str | None = None
    arrangement_type: str | None = None
    overarching_reference: str = ""
    ict_service_type: str | None = None
    governing_law_country: str = ""
    last_audit_on: date | None = None
    termination_reason: str | None = None
    non_substitutability_reason: str | None = None
    discontinuation_impact: str | None = None
    successors: tuple[Person, ...] = field(default_factory=tuple)
    upskilling: tuple[Person, ...] = field(default_factory=tuple)
    metrics: tuple[Metric, ...] = field(default_factory=tuple)
    constraints: tuple[str, ...] = field(default_factory=tuple)
    tradeoffs: tuple[Tradeoff, ...] = field(default_factory=tuple)
    deliverables: tuple[Deliverable, ...] = field(default_factory=tuple)


# Text limits (characters), shared by the database columns, the form and the API schema.
SHORT = 200
CODE = 100  # an identification code: contract reference, EUID, VAT number, ...
MEDIUM = 1000
LONG = 10000
MAX_ROWS = 500  # rows per repeatable section
# The largest amount of money: below 10^12 with cents, every amount survives a round trip
# through a JSON number exactly.
MAX_MONEY = Decimal("999999999999.99")
MONEY_RANGE = f"between 0 and {int(MAX_MONEY):,}"  # how messages say it


@dataclass(frozen=True)
class SpecField:
    """One scalar field of the spec: the single description that drives the database columns
    (:func:`columns_of`), the form, the API schema, the JSON form and the demo data.

    ``kind`` says what it holds: ``text`` / ``longtext`` (a string of at most ``limit``
    characters), ``date``, ``money``, ``bool``, ``integer``, ``choice`` (a code of the
    vocabulary ``choices``, labelled in people's words there), ``object`` (a nested object whose
    ``parts`` are each of ``part_kind``, stored in columns ``<name>_<part>``), and three with
    their own handling: ``vendor`` (a link to the vendor table), ``currency``, ``country`` (an
    ISO 3166-1 alpha-2 code) and ``person`` (the internal owner, stored as ``owner_name`` /
    ``owner_email``). ``function`` is a link
    to the business-function table by name, like ``vendor``. List kinds hold a tuple:
    ``codes`` (codes of ``choices``), ``names`` (free text, one per line on the form) and
    ``countries`` (ISO 3166-1 alpha-2 codes). An ``integer``'s ``limit`` is its maximum; a
    ``nullable`` choice may be left empty (``None``). An object whose parts are of different
    kinds describes them in ``part_fields``. ``blank`` is what the form offers for an empty
    ``nullable`` choice.

    ``progress`` marks a field that records what happened after signing (the last audit, why
    the engagement ended) rather than a term: annexes neither show nor compare it.

    ``section`` is the form section it belongs to. Fields with ``by_hand`` are laid out by hand
    in the form, the engagement page and the annex; the others are rendered there from this
    table, so a new plain field needs no template change. Labels live in
    :data:`vendortrack.domain.vocabulary.FIELD_LABELS`.
    """

    name: str
    kind: str = "text"
    limit: int | None = SHORT
    section: str = "basics"
    choices: Mapping[str, str] = field(default_factory=dict)
    parts: tuple[str, ...] = ()
    part_kind: str = "integer"
    help: str = ""
    by_hand: bool = False
    nullable: bool = False
    part_fields: tuple[SpecField, ...] = ()
    blank: str = "Not assessed yet"
    progress: bool = False

    @property
    def empty(self) -> Any:
        """The value of the field in a spec where nobody filled it in."""
        if self.kind in ("text", "longtext", "vendor", "currency", "function", "country"):
            return ""
        if self.kind == "bool":
            return False
        if self.kind in LIST_KINDS:
            return ()
        if self.kind == "choice" and not self.nullable:
            return next(iter(self.choices))
        return None

    def subfields(self) -> tuple[SpecField, ...]:
        """The parts of an object field, each as a field of its own kind."""
        if self.part_fields:
            return self.part_fields
        return tuple(SpecField(part, self.part_kind, limit=self.limit) for part in self.parts)


LIST_KINDS = ("codes", "names", "countries")
LINK_KINDS = ("vendor", "function")  # stored as a link to another table, by name
DAYS = 3650  # notice and transition periods: at most ten years


def is_blank(value: Any) -> bool:
    """Nothing filled in: None, empty text, False or an empty list."""
    return value is None or value == "" or value is False or value == () or value == []




SCALAR_FIELDS: tuple[SpecField, ...] = (
    SpecField("title", by_hand=True),
    SpecField("vendor", "vendor", by_hand=True,
              help="Pick a known vendor or type a new name."),
    SpecField("contract_reference", limit=100, by_hand=True),
    SpecField("contract_value", "money", limit=None, by_hand=True),
    SpecField("currency", "currency", limit=3, by_hand=True,
              help="ISO 4217 code, such as EUR or USD."),
    SpecField("status", "choice", limit=None, choices=STATUSES, by_hand=True),
    SpecField("start_date", "date", limit=None, section="dates", by_hand=True),
    SpecField("end_date", "date", limit=None, section="dates", by_hand=True),
    SpecField("handover_date", "date", limit=None, section="handover", by_hand=True,
              help="When the internal team takes over. Fix it before work begins."),
    SpecField("problem_statement", "longtext", limit=LONG, section="problem", by_hand=True,
              help="Who has the problem, what it costs, what changes when it is solved."),
    SpecField("core_capability", "bool", limit=None, by_hand=True),
    SpecField("internal_owner", "person", section="owner", by_hand=True,
              help="The person inside who stays close to the vendor's work."),
    SpecField("business_function", "function", section="function",
              help="What the organisation does with this, e.g. “Customer payments”. A new name "
                   "adds the function; its criticality is set on the function's page."),
    SpecField("arrangement_type", "choice", limit=None, section="terms",
              choices=ARRANGEMENT_TYPES, nullable=True, blank="Not recorded",
              help="A contract on its own, a framework agreement, or an agreement made under "
                   "a framework agreement."),
    SpecField("overarching_reference", limit=100, section="terms",
              help="For an agreement made under a framework agreement: the framework "
                   "agreement's contract reference, as recorded on its own engagement."),
    SpecField("ict_service_type", "choice", limit=None, section="terms",
              choices=ICT_SERVICE_TYPES, nullable=True, blank="Not recorded",
              help="What kind of ICT service the vendor provides under this contract."),
    SpecField("governing_law_country", "country", limit=2, section="terms",
              help="The country whose law governs the contract."),
    SpecField("notice_period_days", "object", limit=DAYS, section="terms",
              parts=("organisation", "provider"),
              help="Days of notice each side must give to end the contract."),
    SpecField("transition_period_days", "integer", limit=DAYS, section="terms",
              help="Days the vendor keeps supporting the move to a successor after notice."),
    SpecField("countries", "object", limit=None, section="terms",
              parts=("service", "data_storage", "data_processing"), part_kind="countries",
              help="Two-letter ISO country codes, e.g. IE, DE."),
    SpecField("stores_data", "choice", limit=None, section="terms",
              choices=STORES_DATA, nullable=True, blank="Not recorded",
              help="Whether the vendor keeps any of your data at rest; where, in the storage "
                   "countries above."),
    SpecField("annual_expense", "money", limit=None, section="terms",
              help="What the arrangement costs a year, in the contract currency."),
    SpecField("last_audit_on", "date", limit=None, section="terms", progress=True,
              help="When the vendor was last audited for this contract, by you or for you."),
    # Laid out beside the status and the end date; a spreadsheet without its column keeps
    # its value when it updates the engagement.
    SpecField("termination_reason", "choice", limit=None, section="terms",
              choices=TERMINATION_REASONS, nullable=True, blank="Not ended", progress=True,
              by_hand=True,
              help="Only for a closed engagement, or one whose contract has ended: why it "
                   "ended."),
    SpecField("exit_plan", "object", limit=None, section="exit",
              parts=("documented", "summary", "scenarios", "last_tested_on",
                     "last_test_result", "next_review_on", "alternatives",
                     "alternative_providers"),
              part_fields=(
                  SpecField("documented", "bool", limit=None),
                  SpecField("summary", "longtext", limit=LONG),
                  SpecField("scenarios", "codes", limit=None, choices=EXIT_SCENARIOS),
                  SpecField("last_tested_on", "date", limit=None),
                  SpecField("last_test_result", "choice", limit=None,
                            choices=EXIT_TEST_RESULTS, nullable=True),
                  SpecField("next_review_on", "date", limit=None),
                  SpecField("alternatives", "choice", limit=None, choices=ALTERNATIVES,
                            nullable=True),
                  SpecField("alternative_providers", "names", limit=SHORT,
                            help="One name per line."),
              ),
              help="How the organisation would leave this vendor in an orderly way."),
    SpecField("substitutability", "choice", limit=None, section="exit",
              choices=SUBSTITUTABILITY, nullable=True,
              help="How hard it would be to move the service to another provider."),
    SpecField("non_substitutability_reason", "choice", limit=None, section="exit",
              choices=NON_SUBSTITUTABILITY_REASONS, nullable=True, blank="Not recorded",
              help="Unless it is easy to substitute: what makes moving it hard."),
    SpecField("reintegration", "choice", limit=None, section="exit", choices=REINTEGRATION,
              nullable=True,
              help="How hard it would be to bring the service back in-house, as you see it. "
                   "vendortrack suggests a rating from the evidence beside it."),
    SpecField("discontinuation_impact", "choice", limit=None, section="exit",
              choices=SERVICE_IMPACTS, nullable=True, blank="Not recorded",
              help="What stopping this ICT service would do to the organisation (the "
                   "business function has its own rating)."),
)
FIELDS_BY_NAME = {f.name: f for f in SCALAR_FIELDS}

# Repeatable sections: the row type of each (constraints are plain strings).
SECTIONS: dict[str, type | None] = {
    "successors": Person, "upskilling": Person, "metrics": Metric, "constraints": None,
    "tradeoffs": Tradeoff, "deliverables": Deliverable,
}
SPEC_FIELDS = tuple(f.name for f in SCALAR_FIELDS) + tuple(SECTIONS)


#: Fields that record progress after signing, not terms (see ``SpecField.progress``).
PROGRESS_FIELDS = tuple(f.name for f in SCALAR_FIELDS if f.progress)


def fields_in(section: str) -> tuple[SpecField, ...]:
    """The scalar fields of a form section that are rendered from this table."""
    return tuple(f for f in SCALAR_FIELDS if f.section == section and not f.by_hand)


def object_value(parts: dict) -> dict | None:
    """An object field's value from its parts: None when every part is blank (the form, the
    import and the database all store an untouched exit plan as None)."""
    return None if all(map(is_blank, parts.values())) else parts


def is_recorded(spec_field: SpecField, snapshot_value: Any) -> bool:
    """Whether a snapshot's value of this field says something: not missing or blank (see
    :func:`is_blank`); an object when one of its parts is not blank."""
    if spec_field.kind == "object":
        return isinstance(snapshot_value, dict) and object_value(snapshot_value) is not None
    return not is_blank(snapshot_value)


def annex_fields(snapshot: dict, sections: list[str]
                 ) -> tuple[list[SpecField], list[SpecField]]:
    """The fields of ``sections`` an annex prints, split into those the snapshot records and
    those it does not (named together in one line: a page of empty rows says no more).
    Progress after signing (the last audit, say) is not a term: the annex leaves it out."""
    recorded: list[SpecField] = []
    missing: list[SpecField] = []
    for section in sections:
        for f in fields_in(section):
            if not f.progress:
                (recorded if is_recorded(f, snapshot.get(f.name)) else missing).append(f)
    return recorded, missing


def columns_of(spec_field: SpecField, value: Any) -> dict[str, Any]:
    """The engagement table's columns for one field's value (the vendor link excepted)."""
    if spec_field.kind == "person":
        return {"owner_name": value.name if value else "",
                "owner_email": (value.email if value else "").lower()}
    if spec_field.kind == "object":
        return {f"{spec_field.name}_{part.name}": _column_value(part, (value or {}).get(part.name))
                for part in spec_field.subfields()}
    return {spec_field.name: _column_value(spec_field, value)}


def _column_value(spec_field: SpecField, value: Any) -> Any:
    if value is None and spec_field.empty == "":
        return ""
    if spec_field.kind in LIST_KINDS:
        return list(value or ())
    if spec_field.kind == "bool":
        return bool(value)
    return value


def _spec_value(spec_field: SpecField, value: Any) -> Any:
    if spec_field.kind in LIST_KINDS:
        return tuple(value or ())
    return value


def value_from_columns(spec_field: SpecField, column: Callable[[str], Any]) -> Any:
    """Inverse of :func:`columns_of`: the field's value, reading columns with ``column``."""
    if spec_field.kind == "person":
        if column("owner_name") or column("owner_email"):
            return Person(column("owner_name"), column("owner_email"))
        return None
    if spec_field.kind == "object":
        return object_value({part.name: _spec_value(part, column(f"{spec_field.name}_{part.name}"))
                             for part in spec_field.subfields()})
    return _spec_value(spec_field, column(spec_field.name))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _field_json(spec_field: SpecField, value: Any) -> Any:
    kind = spec_field.kind
    if kind == "date":
        return _iso(value)
    if kind == "money":
        return _number(value)
    if kind in ("vendor", "currency", "function", "country"):
        return value or None
    if kind in LIST_KINDS:
        return list(value or ())
    if kind == "person":
        return {"name": value.name, "email": value.email} if value else None
    if kind == "object":
        return {part: _plain(v) for part, v in value.items()} if value else None
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return _iso(value) if isinstance(value, date) else value


def _row_json(row: Any) -> Any:
    if isinstance(row, str):
        return row
    return {f.name: _plain(getattr(row, f.name)) for f in fields(row)}


def to_json(spec: Spec) -> dict:
    """The spec as the API's JSON object (dates as ISO strings)."""
    body = {f.name: _field_json(f, getattr(spec, f.name)) for f in SCALAR_FIELDS}
    for section in SECTIONS:
        body[section] = [_row_json(row) for row in getattr(spec, section)]
    return body


def canonical_json(snapshot: dict) -> bytes:
    """Canonical bytes of a snapshot: sorted keys, no insignificant whitespace, UTF-8."""
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint(snapshot: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of a snapshot."""
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()
