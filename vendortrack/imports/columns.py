"""Which spreadsheet column is which field: the fields an import fills, their labels, the
headers that mean them, and the extra sheets of repeatable rows.

The engagement fields come from the :class:`~vendortrack.domain.spec.Spec` dataclass (its
scalar fields, with the internal owner split into name and e-mail as the register shows it,
and an object field into one column per part), labelled as the vocabulary labels them.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..domain import spec as specs
from ..domain.vocabulary import (
    DELIVERABLE_KINDS,
    DELIVERABLE_STATUSES,
    FIELD_LABELS,
    STATUSES,
)

# The register export's wording first (annex/register.py COLUMNS), then what people type.
LABELS = {
    "contract_reference": "Contract reference",
    "title": "Title",
    "vendor": "Vendor",
    "owner_name": "Internal owner",
    "owner_email": "Owner e-mail",
    "status": "Status",
    "start_date": "Start date",
    "end_date": "End date",
    "handover_date": "Handover date",
    "contract_value": "Contract value",
    "currency": "Currency",
    "core_capability": "Core capability",
    "problem_statement": "Problem statement",
}

SYNONYMS = {
    "title": ("engagement", "engagement title", "engagement name", "name", "project",
              "project name", "service", "service name", "subject"),
    "vendor": ("supplier", "provider", "service provider", "vendor name", "supplier name",
               "contractor", "third party", "outsourcer", "fournisseur", "lieferant",
               "proveedor"),
    "contract_reference": ("contract", "contract ref", "contract no", "contract number",
                           "contract id", "reference", "ref", "contract code", "agreement",
                           "agreement reference", "po number"),
    "contract_value": ("value", "amount", "contract amount", "total value", "total",
                       "budget", "price", "cost", "annual value", "tcv"),
    "currency": ("ccy", "cur", "devise", "wahrung", "moneda"),
    "status": ("state", "stage", "phase", "engagement status"),
    "start_date": ("start", "begin", "begins", "from", "contract start", "effective date",
                   "commencement", "start of contract"),
    "end_date": ("end", "ends", "to", "until", "contract end", "expiry", "expiry date",
                 "expiration", "expiration date", "end of contract", "termination date"),
    "handover_date": ("handover", "go live", "go live date", "golive", "hand over",
                      "handoff", "hand off", "handover point", "transition date",
                      "takeover date"),
    "problem_statement": ("problem", "description", "scope", "purpose", "why",
                          "business problem"),
    "core_capability": ("core", "is core", "core function", "core capability y n",
                        "strategic"),
    "owner_name": ("owner", "product owner", "business owner", "owner name",
                   "internal owner name", "responsible", "accountable", "contact person"),
    "business_function": ("function", "business function supported", "supported function"),
    "substitutability": ("substitutable",),
    "reintegration": ("reintegration", "reintegrability"),
    "transition_period_days": ("transition period", "transition days"),
    "owner_email": ("owner email", "owner e mail", "internal owner e mail",
                    "internal owner email", "owner mail", "email", "e mail",
                    "product owner email", "product owner e mail"),
}

# Columns our own export adds that are computed, never typed: recognised and ignored.
COMPUTED = ("Risk level", "Latest annex version")


# Every scalar field of the spec is imported; those outside the first release's sections (the
# exit-readiness ones) are read by their kind. A column left out keeps its value on update.
FIRST_SECTIONS = {"basics", "dates", "handover", "problem", "owner"}


def _scalar_fields() -> dict[str, specs.SpecField]:
    """Column keys and the field (or part of an object field, keyed "object.part") each
    fills; the internal owner is split into name and e-mail as the register shows it."""
    keys: dict[str, specs.SpecField] = {}
    for field in specs.SCALAR_FIELDS:
        if field.kind == "person":
            keys["owner_name"] = keys["owner_email"] = field
        elif field.kind == "object":
            keys.update((f"{field.name}.{part.name}", part) for part in field.subfields())
        else:
            keys[field.name] = field
    return keys


SPEC_FIELDS = _scalar_fields()
FIELDS = tuple(SPEC_FIELDS)
#: the columns of the exit-readiness sections, read by the field's kind
EXIT_FIELDS = tuple(k for k in FIELDS if k.split(".")[0] in specs.FIELDS_BY_NAME
                    and specs.FIELDS_BY_NAME[k.split(".")[0]].section not in FIRST_SECTIONS)
#: the order of the register export and the template
ORDER = tuple(LABELS) + tuple(f for f in FIELDS if f not in LABELS)
DATE_FIELDS = tuple(f for f in FIELDS if SPEC_FIELDS[f].kind == "date")


def label(field: str) -> str:
    return (LABELS.get(field) or FIELD_LABELS.get(field)
            or field.replace("_", " ").capitalize())


def normalise(header: object) -> str:
    """A header as compared: no accents, no case, punctuation as single spaces."""
    text = unicodedata.normalize("NFKD", str(header or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _index(pairs) -> dict[str, str]:
    index: dict[str, str] = {}
    for field, words in pairs:
        for word in words:
            index.setdefault(normalise(word), field)
    return index


_EXACT = _index((f, (label(f), f, f.replace("_", " ").replace(".", " "))) for f in FIELDS)
_SYNONYMS = _index(SYNONYMS.items())
_COMPUTED = {normalise(c) for c in COMPUTED}


def guess_mapping(headers: list[str]) -> list[str | None]:
    """The field each column most likely holds (None: not imported); each field at most once.

    Exact labels win over synonyms, so "Owner e-mail" beside "E-mail" still lands right.
    """
    taken: set[str] = set()
    result: list[str | None] = [None] * len(headers)
    for index in (_EXACT, _SYNONYMS):
        for position, header in enumerate(headers):
            field = index.get(normalise(header))
            if result[position] is None and field and field not in taken:
                result[position] = field
                taken.add(field)
    return result


def is_computed(header: str) -> bool:
    return normalise(header) in _COMPUTED


# --- extra sheets of repeatable rows -------------------------------------------------------

PEOPLE_ROLES = {"successor": "Successor", "upskilling": "Upskilling"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    choices: dict[str, str] | None = None
    is_date: bool = False


@dataclass(frozen=True)
class Sheet:
    section: str  # the spec's section ("people" fills successors and upskilling)
    name: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return ("Contract reference", *(c.label for c in self.columns))


SHEETS = (
    Sheet("metrics", "Metrics", (
        Column("name", "Metric", ("name", "metric name", "kpi")),
        Column("baseline", "Baseline", ("today", "current", "current value")),
        Column("target", "Target", ("goal", "target value")),
        Column("unit", "Unit", ("units",)),
        Column("measurement", "How it is measured", ("measurement", "measured by", "source")),
    )),
    Sheet("constraints", "Constraints", (
        Column("text", "Constraint", ("hard constraint", "text", "description")),
    )),
    Sheet("tradeoffs", "Trade-offs", (
        Column("rule", "Rule", ("trade off", "trade off rule", "tradeoff", "decision rule")),
        Column("decided_by", "Who decides", ("decided by", "decider", "owner")),
    )),
    Sheet("deliverables", "Deliverables", (
        Column("kind", "Kind", ("type",), DELIVERABLE_KINDS),
        Column("title", "Title", ("deliverable", "name")),
        Column("due_date", "Due date", ("due", "deadline", "date"), is_date=True),
        Column("acceptance_criteria", "Acceptance criteria", ("acceptance", "criteria")),
        Column("status", "Status", ("state",), DELIVERABLE_STATUSES),
    )),
    Sheet("people", "People", (
        Column("role", "Role", ("kind", "type"), PEOPLE_ROLES),
        Column("name", "Name", ("person", "full name")),
        Column("email", "E-mail", ("email", "mail")),
    )),
)
SHEETS_BY_NAME = {normalise(s.name): s for s in SHEETS}
SHEETS_BY_NAME[normalise("Tradeoffs")] = SHEETS[2]


def sheet_mapping(sheet: Sheet, headers: list[str]) -> list[str | None]:
    """Column keys of an extra sheet by header ("contract_reference" for the key column)."""
    index = _index([("contract_reference", ("Contract reference", *SYNONYMS[
        "contract_reference"]))] + [(c.key, (c.label, c.key, *c.synonyms)) for c in sheet.columns])
    taken: set[str] = set()
    result: list[str | None] = []
    for header in headers:
        key = index.get(normalise(header))
        result.append(key if key and key not in taken else None)
        if key:
            taken.add(key)
    return result


#: allowed values shown in the template's drop-downs
CHOICES = {"status": STATUSES}
