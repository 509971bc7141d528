"""The exit slice of the DORA Register of Information: five templates, checked, packaged.

Implementing Regulation (EU) 2024/2956 defines the register; the EBA's DORA 4.0 xBRL-CSV
taxonomy defines the files a supervisor accepts. ``shared/reference/dora-roi-exit-slice.md`` is
the authority for every column, key, type and code used here. This module takes plain input
records (:class:`Arrangement`, :class:`Provider`, :class:`Function`, :class:`Organisation`),
builds the rows of B_02.01, B_02.02, B_05.01, B_06.01 and B_07.01 (:func:`build_register`),
lists every problem a validator or a register tool would raise (:func:`preflight`) and writes
the EBA report package (:func:`write_package`). Choices where the sources leave room are
recorded in README.md, "Register of Information export".
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from . import eba_codes as codes
from .identity import is_country, is_currency, lei_problem, normalise_lei

#: B_02.02.c0080 for an arrangement with no end date (EBA template instruction).
OPEN_END = date(9999, 12, 31)

REJECTION = "rejection"    # the supervisor's technical checks refuse the whole package
INCOMPLETE = "incomplete"  # a mandatory or conditionally mandatory value is missing

DORA_MODULE = "http://www.eba.europa.eu/eu/fr/xbrl/crr/fws/dora/4.0/mod/dora.json"
REPORT_PACKAGE_TYPE = "https://xbrl.org/report-package/2023"
XBRL_CSV_TYPE = "https://xbrl.org/2021/xbrl-csv"
DECIMALS_INTEGER = "0"
DECIMALS_MONETARY = "-3"  # a precision (to thousands); the amounts themselves are in units


# --- what the register is built from --------------------------------------------------------

@dataclass(frozen=True)
class Organisation:
    """The financial entity filing the register."""

    lei: str = ""
    country: str = ""           # ISO 3166-1 alpha-2, part of the package name
    consolidated: bool = False  # CON (group) or IND (individual) register
    base_currency: str = "EUR"


@dataclass(frozen=True)
class Function:
    """A business function; ``number`` is assigned once and gives the identifier ``F<number>``."""

    id: int
    number: int
    name: str
    criticality: str = "not_assessed"
    criticality_reasons: str = ""
    assessed_on: date | None = None
    rto_hours: int | None = None
    rpo_hours: int | None = None
    impact: str | None = None
    licensed_activity: str = ""  # the EBA code itself (``eba_TA:x…``), optional

    @property
    def identifier(self) -> str:
        return function_identifier(self.number)


@dataclass(frozen=True)
class Provider:
    """An ICT third-party service provider (a vendor). Identified by its LEI when it has one,
    otherwise by ``other_code`` of type ``other_code_type``."""

    id: int
    name: str
    legal_name: str = ""
    lei: str = ""
    other_code: str = ""
    other_code_type: str | None = None
    person_type: str | None = None
    country: str = ""
    parent_code: str = ""
    parent_code_type: str | None = None

    @property
    def code(self) -> str:
        return self.lei or self.other_code

    @property
    def code_type(self) -> str | None:
        if self.lei:
            return "lei"
        return self.other_code_type if self.other_code else None


@dataclass(frozen=True)
class Arrangement:
    """An engagement seen as a contractual arrangement for ICT services."""

    id: int
    title: str
    reference: str = ""
    status: str = "active"
    provider_id: int | None = None
    function_id: int | None = None
    arrangement_type: str | None = None
    overarching_reference: str = ""
    ict_service_type: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    termination_reason: str | None = None
    notice_days_organisation: int | None = None
    notice_days_provider: int | None = None
    governing_law_country: str = ""
    service_countries: tuple[str, ...] = ()
    stores_data: bool | None = None  # None: yes when storage countries are known
    storage_countries: tuple[str, ...] = ()
    processing_countries: tuple[str, ...] = ()
    annual_expense: Decimal | None = None
    currency: str = ""
    last_audit_on: date | None = None
    substitutability: str | None = None
    non_substitutability_reason: str | None = None
    exit_plan_documented: bool = False
    reintegration: str | None = None
    discontinuation_impact: str | None = None
    alternatives: str | None = None
    alternative_providers: tuple[str, ...] = ()


def function_identifier(number: int) -> str:
    """The stable B_06.01 function identifier: ``F1``, ``F2``, …"""
    return f"F{number}"


def default_reference_date(today: date) -> date:
    """The last 31 December before ``today`` (the ESAs' reference date from 2026 on)."""
    return date(today.year - 1, 12, 31)


def year_start(reference_date: date) -> date:
    """The first day of the year that ends on ``reference_date``."""
    try:
        previous = reference_date.replace(year=reference_date.year - 1)
    except ValueError:  # 29 February
        previous = reference_date.replace(year=reference_date.year - 1, day=28)
    return previous + timedelta(days=1)


def in_scope(arrangement: Arrangement, reference_date: date) -> bool:
    """True when the arrangement was in force at any time in the year ending on the reference
    date: not a draft, started by then and not ended before that year began."""
    if arrangement.status == "draft":
        return False
    if arrangement.start_date is not None and arrangement.start_date > reference_date:
        return False
    return arrangement.end_date is None or arrangement.end_date >= year_start(reference_date)


def has_ended(arrangement: Arrangement, reference_date: date) -> bool:
    """Closed, or its end date lies before the reference date."""
    return arrangement.status == "closed" or (
        arrangement.end_date is not None and arrangement.end_date < reference_date)


# --- the templates ----------------------------------------------------------------------------

@dataclass(frozen=True)
class EntityRef:
    """The record a row (or a finding) comes from: an engagement, vendor, function or the
    organisation itself."""

    kind: str
    id: int | None
    name: str


@dataclass(frozen=True)
class Row:
    template: str
    cells: dict[str, str]
    sources: dict[str, EntityRef]
    critical: bool = False  # the arrangement supports a critical or important function
    ended: bool = False     # the arrangement has ended by the reference date
    direct: bool = False    # a provider with its own arrangements in this register


Requirement = Callable[[Row], bool]


def _always(row: Row) -> bool:
    return True


def _when_critical(row: Row) -> bool:
    return row.critical


def _when_filled(column: str) -> Requirement:
    return lambda row: bool(row.cells.get(column))


def _when_value(column: str, *values: str) -> Requirement:
    return lambda row: row.cells.get(column) in values


@dataclass(frozen=True)
class Column:
    code: str
    name: str
    source: tuple[str, str]          # (entity kind, our field that fills the cell)
    todo: str                        # what to do when it is missing, in the user's words
    key: bool = False
    # When a real value is needed (keys are never empty; some also need more than "n/a").
    required: Requirement | None = None

    def is_required(self, row: Row) -> bool:
        return self.required is not None and self.required(row)


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]
    problem: str   # "{value}" is the value that matches nothing
    remedy: str


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.id.lower()}.csv"

    @property
    def header(self) -> list[str]:
        return [column.code for column in self.columns]

    # Worked out once per template: pre-flight asks for them row after row.
    @cached_property
    def key_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.key)

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(column.code for column in self.key_columns)

    @cached_property
    def _by_code(self) -> dict[str, Column]:
        return {column.code: column for column in self.columns}

    def column(self, code: str) -> Column:
        return self._by_code[code]


_E, _V, _F, _O = "engagement", "vendor", "function", "organisation"
_REFERENCE = (_E, "contract_reference")
_ORG_LEI = (_O, "lei")
_PROVIDER_CODE = (_V, "lei")

_PROVIDER_TODO = "Enter the vendor's LEI, or another identification code and its type."
ORGANISATION_TODO = ("Set the organisation's {what} on the Organisation page (administrators) "
                     "or in the {setting} setting.")


def _reference_number(code: str) -> Column:
    return Column(code, "Contractual arrangement reference number", _REFERENCE,
                  "Enter the contract reference.", key=True)


def _provider_code(code: str, type_code: str, name: str = (
        "Identification code of the ICT third-party service provider")) -> tuple[Column, ...]:
    """The provider's code (a key) and its type, both filled from the vendor's identity."""
    return (Column(code, name, _PROVIDER_CODE, _PROVIDER_TODO, key=True),
            Column(type_code, "Type of code to identify the ICT third-party service provider",
                   _PROVIDER_CODE, _PROVIDER_TODO, required=_always))


def _service_type(code: str) -> Column:
    return Column(code, "Type of ICT services", (_E, "ict_service_type"),
                  "Choose the type of ICT service.", key=True)


B_02_01 = Template("B_02.01", "Contractual arrangements – general information", (
    _reference_number("c0010"),
    Column("c0020", "Type of contractual arrangement", (_E, "arrangement_type"),
           "Choose whether it is a standalone, overarching or subsequent arrangement.",
           required=_always),
    Column("c0030", "Overarching contractual arrangement reference number",
           (_E, "overarching_reference"),
           "Enter the contract reference of the overarching agreement it falls under.",
           required=_when_value("c0020", codes.ARRANGEMENT_TYPE["subsequent"])),
    Column("c0040", "Currency of the amount reported in RT.02.01.0050", (_E, "currency"),
           "Choose the currency of the annual expense.", required=_always),
    Column("c0050", "Annual expense or estimated cost of the contractual arrangement for the "
           "past year", (_E, "annual_expense"), "Enter the annual expense (or estimated cost).",
           required=_always),
), foreign_keys=(
    ForeignKey(("c0030",), "B_02.01", ("c0010",),
               "its overarching agreement “{value}” is not an arrangement in this register",
               "Record the overarching agreement as an engagement with that contract reference "
               "(active in the same year), or correct the reference."),
))

B_02_02 = Template("B_02.02", "Contractual arrangements – specific information", (
    _reference_number("c0010"),
    Column("c0020", "LEI of the entity making use of the ICT service(s)", _ORG_LEI,
           ORGANISATION_TODO.format(what="LEI", setting="ORGANISATION_LEI"), key=True),
    *_provider_code("c0030", "c0040"),
    Column("c0050", "Function identifier", (_E, "business_function"),
           "Choose the business function the engagement supports.", key=True),
    _service_type("c0060"),
    Column("c0070", "Start date of the contractual arrangement", (_E, "start_date"),
           "Enter the start date.", required=_always),
    Column("c0080", "End date of the contractual arrangement", (_E, "end_date"),
           "Enter the date the engagement ended.", required=_always),
    Column("c0090", "Reason of the termination or ending of the contractual arrangement",
           (_E, "termination_reason"), "Choose why the engagement ended.",
           required=lambda row: row.ended),
    Column("c0100", "Notice period for the financial entity making use of the ICT service(s)",
           (_E, "notice_period_days_organisation"),
           "Enter the organisation's notice period in days.", required=_when_critical),
    Column("c0110", "Notice period for the ICT third-party service provider",
           (_E, "notice_period_days_provider"),
           "Enter the provider's notice period in days.", required=_when_critical),
    Column("c0120", "Country of the governing law of the contractual arrangement",
           (_E, "governing_law_country"), "Choose the country whose law governs the contract.",
           required=_when_critical),
    Column("c0130", "Country of provision of the ICT services", (_E, "countries_service"),
           "Enter the countries where the service is provided.", key=True,
           required=_when_critical),
    Column("c0140", "Storage of data", (_E, "stores_data"),
           "Say whether the provider stores the organisation's data.",
           required=_when_critical),
    Column("c0150", "Location of the data at rest (storage)", (_E, "countries_data_storage"),
           "Enter the countries where the data is stored.", key=True,
           required=_when_value("c0140", codes.YES_NO[True])),
    Column("c0160", "Location of management of the data (processing)",
           (_E, "countries_data_processing"),
           "Enter the countries where the data is processed.", key=True),
), foreign_keys=(
    ForeignKey(("c0050", "c0020"), "B_06.01", ("c0010", "c0040"),
               "the function “{value}” is not in B_06.01", "Choose the business function again."),
))

B_05_01 = Template("B_05.01", "ICT third-party service providers", (
    *_provider_code("c0010", "c0020",
                    name="Identification code of ICT third-party service provider"),
    Column("c0030", "Additional identification code of ICT third-party service provider",
           (_V, "other_code"), "Enter the additional identification code."),
    Column("c0040", "Type of additional identification code of the ICT third-party service "
           "provider", (_V, "other_code_type"), "Choose the type of the additional code.",
           required=_when_filled("c0030")),
    Column("c0050", "Legal name of the ICT third-party service provider", (_V, "legal_name"),
           "Enter the vendor's legal name.", required=_always),
    Column("c0060", "Name of the ICT third-party service provider in Latin alphabet",
           (_V, "legal_name"), "Enter the vendor's legal name."),
    Column("c0070", "Type of person of the ICT third-party service provider",
           (_V, "person_type"), "Choose whether the vendor is a company or an individual.",
           required=_always),
    Column("c0080", "Country of the ICT third-party service provider’s headquarters",
           (_V, "country"), "Choose the vendor's head-office country.", required=_always),
    Column("c0090", "Currency of the amount reported in RT.05.01.0070", (_V, "annual_expense"),
           "Enter the annual expense, in one currency, on each of the vendor's engagements.",
           required=_when_filled("c0100")),
    Column("c0100", "Total annual expense or estimated cost of the ICT third-party service "
           "provider", (_V, "annual_expense"),
           "Enter the annual expense, in one currency, on each of the vendor's engagements.",
           required=lambda row: row.direct),
    Column("c0110", "Identification code of the ICT third-party service provider’s ultimate "
           "parent undertaking", (_V, "parent_code"),
           "Enter the ultimate parent's identification code.", required=_when_filled("c0120")),
    Column("c0120", "Type of code to identify the ICT third-party service provider’s ultimate "
           "parent undertaking", (_V, "parent_code_type"),
           "Choose the type of the ultimate parent's code.", required=_when_filled("c0110")),
), foreign_keys=(
    ForeignKey(("c0110",), "B_05.01", ("c0010",),
               "its ultimate parent “{value}” is not a provider in this register",
               "Add the parent as a vendor with that identification code, or correct the "
               "code."),
))

B_06_01 = Template("B_06.01", "Functions identification", (
    Column("c0010", "Function Identifier", (_F, "name"), "Save the function again.", key=True),
    # Outside the exit slice (reference §7): filed when recorded, never asked for.
    Column("c0020", "Licenced activity", (_F, "licensed_activity"),
           "Enter the EBA code of the licensed activity."),
    Column("c0030", "Function name", (_F, "name"), "Enter the function's name.",
           required=_always),
    Column("c0040", "LEI of the financial entity", _ORG_LEI,
           ORGANISATION_TODO.format(what="LEI", setting="ORGANISATION_LEI"), key=True),
    Column("c0050", "Criticality or importance assessment", (_F, "criticality"),
           "Choose whether the function is critical or important.", required=_always),
    Column("c0060", "Reasons for criticality or importance", (_F, "criticality_reasons"),
           "Say why the function is critical or important."),
    Column("c0070", "Date of the last assessment of criticality or importance",
           (_F, "assessed_on"), "Enter the date of the last criticality assessment.",
           required=_always),
    Column("c0080", "Recovery time objective of the function", (_F, "rto_hours"),
           "Enter the recovery time objective in hours.", required=_always),
    Column("c0090", "Recovery point objective of the function", (_F, "rpo_hours"),
           "Enter the recovery point objective in hours.", required=_always),
    Column("c0100", "Impact of discontinuing the function", (_F, "impact"),
           "Choose the impact of discontinuing the function.", required=_always),
))

B_07_01 = Template("B_07.01", "Assessment of the ICT services", (
    _reference_number("c0010"),
    *_provider_code("c0020", "c0030"),
    _service_type("c0040"),
    Column("c0050", "Substitutability of the ICT third-party service provider",
           (_E, "substitutability"), "Rate how substitutable the provider is.",
           required=_always),
    Column("c0060", "Reason if the ICT third-party service provider is considered not "
           "substitutable or difficult to be substitutable", (_E, "non_substitutability_reason"),
           "Say why the provider is hard to substitute.",
           required=_when_value("c0050", codes.SUBSTITUTABILITY["not_substitutable"],
                                codes.SUBSTITUTABILITY["highly_complex"])),
    Column("c0070", "Date of the last audit on the ICT third-party service provider",
           (_E, "last_audit_on"), "Enter the date of the last audit of the provider.",
           required=_always),
    Column("c0080", "Existence of an exit plan", (_E, "exit_plan_documented"),
           "Say whether an exit plan is documented.", required=_always),
    Column("c0090", "Possibility of reintegration of the contracted ICT service",
           (_E, "reintegration"), "Rate how hard it would be to bring the service in-house.",
           required=_always),
    Column("c0100", "Impact of discontinuing the ICT services", (_E, "discontinuation_impact"),
           "Choose the impact of discontinuing the service.", required=_always),
    Column("c0110", "Are there alternative ICT third-party service providers identified?",
           (_E, "exit_plan_alternatives"), "Say whether alternative providers are identified.",
           required=_always),
    Column("c0120", "Identification of alternative ICT TPP",
           (_E, "exit_plan_alternative_providers"), "Name the alternative providers."),
), foreign_keys=(
    ForeignKey(("c0010",), "B_02.01", ("c0010",),
               "the arrangement “{value}” is not in B_02.01",
               "Give the engagement its contract reference."),
    ForeignKey(("c0020",), "B_05.01", ("c0010",),
               "the provider “{value}” is not in B_05.01",
               "Check the vendor's identification code."),
))

#: The five templates of the slice, in the order of their file names.
TEMPLATES: dict[str, Template] = {
    t.id: t for t in (B_02_01, B_02_02, B_05_01, B_06_01, B_07_01)}

# Columns that hold an LEI, with the column saying which type of code they hold (None: always).
# The organisation's own LEI (B_02.02.c0020, B_06.01.c0040) is checked once, not per row.
LEI_COLUMNS = {
    "B_02.02": (("c0030", "c0040"),),
    "B_05.01": (("c0010", "c0020"), ("c0030", "c0040"), ("c0110", "c0120")),
    "B_07.01": (("c0020", "c0030"),),
}


# --- building the rows ------------------------------------------------------------------------

@dataclass(frozen=True)
class Register:
    reference_date: date
    organisation: Organisation
    tables: dict[str, list[Row]]

    def filing_indicators(self) -> dict[str, bool]:
        """True exactly for the templates that have rows."""
        return {template: bool(self.tables[template]) for template in TEMPLATES}


def _code(mapping: dict, value) -> str:
    return "" if value is None else mapping.get(value, "")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # plain decimal, no exponent, no grouping
    return str(value).strip()


def _countries(values: Sequence[str]) -> list[str]:
    return [codes.country(c) for c in sorted(set(values))] or [codes.COUNTRY_NOT_APPLICABLE]


def _ref(kind: str, id_: int | None, name: str) -> EntityRef:
    return EntityRef(kind, id_, name)


def _organisation_ref(organisation: Organisation) -> EntityRef:
    return _ref(_O, None, "The organisation")


def _stores_data(a: Arrangement) -> bool | None:
    if a.stores_data is not None:
        return a.stores_data
    return True if a.storage_countries else None


def _b_02_01(a: Arrangement, sources: dict[str, EntityRef]) -> Row:
    subsequent = a.arrangement_type == "subsequent"
    return Row("B_02.01", {
        "c0010": _text(a.reference),
        "c0020": _code(codes.ARRANGEMENT_TYPE, a.arrangement_type),
        "c0030": _text(a.overarching_reference) if subsequent else "",
        "c0040": codes.currency(a.currency) if a.currency else "",
        "c0050": _text(a.annual_expense),
    }, sources)


def _b_02_02(a: Arrangement, provider: Provider | None, function: Function | None,
             organisation: Organisation, sources: dict[str, EntityRef], critical: bool,
             ended: bool) -> list[Row]:
    stores = _stores_data(a)
    storage = _countries(a.storage_countries if stores else ())
    common = {
        "c0010": _text(a.reference),
        "c0020": _text(organisation.lei),
        "c0030": provider.code if provider else "",
        "c0040": _code(codes.CODE_TYPE, provider.code_type) if provider else "",
        "c0050": function.identifier if function else "",
        "c0060": _code(codes.ICT_SERVICE_TYPE, a.ict_service_type),
        "c0070": _text(a.start_date),
        # Open-ended: 9999-12-31. Closed without an end date: unknown, so left for pre-flight.
        "c0080": _text(a.end_date or (None if a.status == "closed" else OPEN_END)),
        "c0090": _code(codes.TERMINATION_REASON, a.termination_reason) if ended else "",
        "c0100": _text(a.notice_days_organisation),
        "c0110": _text(a.notice_days_provider),
        "c0120": codes.country(a.governing_law_country) if a.governing_law_country else "",
        "c0140": _code(codes.YES_NO, stores),
    }
    # One row per valid combination of the three location keys (ITS Art. 4(2)).
    return [
        Row("B_02.02", {**common, "c0130": provision, "c0150": stored, "c0160": processed},
            sources, critical=critical, ended=ended)
        for provision, stored, processed in itertools.product(
            _countries(a.service_countries), storage, _countries(a.processing_countries))
    ]


def _b_07_01(a: Arrangement, provider: Provider | None, sources: dict[str, EntityRef]) -> Row:
    substitutability = _code(codes.SUBSTITUTABILITY, a.substitutability)
    hard = substitutability in (codes.SUBSTITUTABILITY["not_substitutable"],
                                codes.SUBSTITUTABILITY["highly_complex"])
    alternatives_named = a.alternatives == "yes"
    return Row("B_07.01", {
        "c0010": _text(a.reference),
        "c0020": provider.code if provider else "",
        "c0030": _code(codes.CODE_TYPE, provider.code_type) if provider else "",
        "c0040": _code(codes.ICT_SERVICE_TYPE, a.ict_service_type),
        "c0050": substitutability,
        "c0060": _code(codes.NON_SUBSTITUTABILITY_REASON, a.non_substitutability_reason)
        if hard else "",
        "c0070": _text(a.last_audit_on),
        "c0080": codes.YES_NO[bool(a.exit_plan_documented)],
        "c0090": _code(codes.REINTEGRATION, a.reintegration),
        "c0100": _code(codes.IMPACT, a.discontinuation_impact),
        "c0110": _code(codes.ALTERNATIVES, a.alternatives),
        "c0120": "; ".join(a.alternative_providers) if alternatives_named else "",
    }, sources, critical=True)


def _b_06_01(f: Function, organisation: Organisation) -> Row:
    critical = f.criticality == "critical"
    return Row("B_06.01", {
        "c0010": f.identifier,
        "c0020": _text(f.licensed_activity),
        "c0030": _text(f.name),
        "c0040": _text(organisation.lei),
        "c0050": _code(codes.CRITICALITY, f.criticality),
        # The taxonomy files the reasons only for a function assessed critical.
        "c0060": _text(f.criticality_reasons) if critical else "",
        "c0070": _text(f.assessed_on),
        "c0080": _text(f.rto_hours),
        "c0090": _text(f.rpo_hours),
        "c0100": _code(codes.IMPACT, f.impact),
    }, {_F: _ref(_F, f.id, f.name), _O: _organisation_ref(organisation)})


def _total_expense(arrangements: list[Arrangement]) -> tuple[str, str]:
    """(currency, total) when every arrangement has an expense in one currency, else blanks."""
    currencies = {a.currency for a in arrangements}
    if (len(currencies) != 1 or "" in currencies
            or any(a.annual_expense is None for a in arrangements)):
        return "", ""
    total = sum((a.annual_expense for a in arrangements), Decimal(0))
    return codes.currency(currencies.pop()), _text(total)


def _b_05_01(p: Provider, arrangements: list[Arrangement]) -> Row:
    with_lei = bool(p.lei)
    currency, total = _total_expense(arrangements) if arrangements else ("", "")
    return Row("B_05.01", {
        "c0010": p.code,
        "c0020": _code(codes.CODE_TYPE, p.code_type),
        "c0030": _text(p.other_code) if with_lei else "",
        "c0040": _code(codes.CODE_TYPE, p.other_code_type) if with_lei and p.other_code else "",
        "c0050": _text(p.legal_name),
        "c0060": _text(p.legal_name),
        "c0070": _code(codes.PERSON_TYPE, p.person_type),
        "c0080": codes.country(p.country) if p.country else "",
        "c0090": currency,
        "c0100": total,
        "c0110": _text(p.parent_code),
        "c0120": _code(codes.CODE_TYPE, p.parent_code_type) if p.parent_code else "",
    }, {_V: _ref(_V, p.id, p.name)}, direct=bool(arrangements))


def _providers_with_parents(direct: list[Provider], everyone: Iterable[Provider]) -> list[Provider]:
    """The direct providers plus, transitively, every recorded ultimate parent."""
    by_code = {p.code: p for p in everyone if p.code}
    chosen = {p.id: p for p in direct}
    pending = list(direct)
    while pending:
        parent = by_code.get(pending.pop().parent_code)
        if parent is not None and parent.id not in chosen:
            chosen[parent.id] = parent
            pending.append(parent)
    return list(chosen.values())


def build_register(organisation: Organisation, arrangements: Iterable[Arrangement],
                   providers: Iterable[Provider], functions: Iterable[Function],
                   reference_date: date) -> Register:
    """The five tables for ``reference_date``: every arrangement in force at any time in the
    year ending then (ended ones with their termination reason), the providers behind them and
    their recorded ultimate parents, the functions they support. Rows are in a stable order."""
    providers = list(providers)
    provider_by_id = {p.id: p for p in providers}
    function_by_id = {f.id: f for f in functions}
    included = sorted((a for a in arrangements if in_scope(a, reference_date)),
                      key=lambda a: (a.reference, a.id))
    organisation_ref = _organisation_ref(organisation)
    tables: dict[str, list[Row]] = {template: [] for template in TEMPLATES}
    by_provider: dict[int, list[Arrangement]] = {}
    used_functions: dict[int, Function] = {}
    for a in included:
        provider = provider_by_id.get(a.provider_id)
        function = function_by_id.get(a.function_id)
        sources = {_E: _ref(_E, a.id, a.title), _O: organisation_ref}
        if provider:
            sources[_V] = _ref(_V, provider.id, provider.name)
            by_provider.setdefault(provider.id, []).append(a)
        if function:
            sources[_F] = _ref(_F, function.id, function.name)
            used_functions[function.id] = function
        critical = function is not None and function.criticality == "critical"
        ended = has_ended(a, reference_date)
        tables["B_02.01"].append(_b_02_01(a, sources))
        tables["B_02.02"].extend(
            _b_02_02(a, provider, function, organisation, sources, critical, ended))
        # B_07.01 assesses the ICT services that support critical or important functions.
        if critical:
            tables["B_07.01"].append(_b_07_01(a, provider, sources))
    direct = [provider_by_id[pid] for pid in by_provider]
    for p in sorted(_providers_with_parents(direct, providers), key=lambda p: (p.code, p.id)):
        tables["B_05.01"].append(_b_05_01(p, by_provider.get(p.id, [])))
    for f in sorted(used_functions.values(), key=lambda f: f.number):
        tables["B_06.01"].append(_b_06_01(f, organisation))
    return Register(reference_date, organisation, tables)


# --- pre-flight -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """One thing to fix before the register is filed: which record, which of our fields, the
    register columns affected, what is wrong and what to do."""

    category: str
    entity: EntityRef
    field: str
    columns: tuple[str, ...]
    problem: str
    remedy: str

    @property
    def rejection(self) -> bool:
        return self.category == REJECTION

    @property
    def line(self) -> str:
        where = f"{self.entity.kind.capitalize()} “{self.entity.name}”"
        if self.entity.kind == _O:
            where = self.entity.name
        return f"{where}: {self.problem} ({', '.join(self.columns)}). {self.remedy}"


@dataclass
class _Collector:
    findings: dict[tuple, Finding] = field(default_factory=dict)

    def add(self, category: str, row: Row, column: Column, problem: str, remedy: str) -> None:
        entity, field_name = _blame(row, column)
        self.merge(Finding(category, entity, field_name, (f"{row.template} {column.code}",),
                           problem, remedy))

    def merge(self, finding: Finding) -> None:
        """Keep one finding per category, record and field, listing every column affected."""
        key = (finding.category, finding.entity.kind, finding.entity.id, finding.field)
        found = self.findings.get(key)
        if found is None:
            self.findings[key] = finding
        else:
            extra = tuple(c for c in finding.columns if c not in found.columns)
            self.findings[key] = Finding(found.category, found.entity, found.field,
                                         found.columns + extra, found.problem, found.remedy)


def _blame(row: Row, column: Column) -> tuple[EntityRef, str]:
    """The record and field that fill ``column`` of ``row``; an engagement with no vendor or
    no function is blamed for the missing choice."""
    kind, field_name = column.source
    if kind in row.sources:
        return row.sources[kind], field_name
    if kind == _V:
        return row.sources[_E], "vendor"
    if kind == _F:
        return row.sources[_E], "business_function"
    return row.sources[_E], field_name


def _filled(value: str) -> bool:
    return value not in ("", codes.COUNTRY_NOT_APPLICABLE)


def check_keys(register: Register, out: _Collector) -> None:
    """Rejection class: empty key, a row of keys only, duplicate key (EBA checks 805, 806).

    The organisation's LEI, a key of B_02.02 and B_06.01, is the same on every row: it tells
    no row from another, and :func:`check_organisation` reports it once."""
    for template in TEMPLATES.values():
        keys = [column for column in template.key_columns if column.source != _ORG_LEI]
        first = keys[0]
        seen: dict[tuple[str, ...], Row] = {}
        for row in register.tables[template.id]:
            empty = [column for column in keys if not row.cells[column.code]]
            for column in empty:
                out.add(REJECTION, row, column, f"{column.name} is empty", column.todo)
            if not any(row.cells[c.code] for c in template.columns if not c.key):
                out.add(REJECTION, row, first, "the row holds nothing but its keys",
                        "Fill in the row's other values.")
            if empty:
                continue
            key = tuple(row.cells[column.code] for column in keys)
            if key in seen:
                other = _blame(seen[key], first)[0].name
                out.add(REJECTION, row, first,
                        f"the same {first.name.lower()} “{key[0]}” as “{other}”",
                        "Give each a different one.")
            else:
                seen[key] = row


def check_foreign_keys(register: Register, out: _Collector) -> None:
    """Rejection class: a reference to a row that does not exist (EBA check 807), e.g. a
    subsequent arrangement whose overarching agreement is not in the register."""
    for template in TEMPLATES.values():
        for fk in template.foreign_keys:
            targets = {tuple(row.cells[c] for c in fk.target_columns)
                       for row in register.tables[fk.target]}
            for row in register.tables[template.id]:
                value = tuple(row.cells[c] for c in fk.columns)
                if all(value) and value not in targets:
                    column = template.column(fk.columns[0])
                    out.add(REJECTION, row, column, fk.problem.format(value=value[0]), fk.remedy)


def check_leis(register: Register, out: _Collector) -> None:
    """Rejection class: an LEI that fails ISO 17442 (format and MOD 97-10 check digits).
    Each distinct LEI is checked once, however many rows repeat it."""
    lei_type = codes.CODE_TYPE["lei"]
    problems: dict[str, str | None] = {}
    for template_id, pairs in LEI_COLUMNS.items():
        template = TEMPLATES[template_id]
        for row in register.tables[template_id]:
            for code_column, type_column in pairs:
                value = row.cells[code_column]
                if not value or (type_column and row.cells[type_column] != lei_type):
                    continue
                if value not in problems:
                    problems[value] = lei_problem(value) or (
                        "Write the LEI in capitals, without spaces."
                        if value != normalise_lei(value) else None)
                problem = problems[value]
                if problem:
                    column = template.column(code_column)
                    out.add(REJECTION, row, column, f"the LEI “{value}” is not valid",
                            problem)


def _missing(column: Column) -> str:
    if column.name.endswith("?"):
        return f"“{column.name}” is not answered"
    return f"{column.name} is missing"


def check_required(register: Register, out: _Collector) -> None:
    """Incomplete: every mandatory or conditionally mandatory value that is missing."""
    for template in TEMPLATES.values():
        for row in register.tables[template.id]:
            for column in template.columns:
                value = row.cells[column.code]
                if column.key and value == "":
                    continue  # an empty key is a rejection, reported by check_keys
                if column.is_required(row) and not _filled(value):
                    out.add(INCOMPLETE, row, column, _missing(column), column.todo)


# The organisation's values the package needs: (field, what it is, where it goes, valid?,
# what a bad one is not).
ORGANISATION_VALUES = (
    ("lei", "LEI", ("B_02.02 c0020", "B_06.01 c0040", "package name"),
     lambda lei: lei_problem(lei) is None, "is not valid"),
    ("country", "country", ("package name",), is_country, "is not an ISO 3166-1 code"),
    ("base_currency", "base currency", ("baseCurrency parameter",), is_currency,
     "is not an ISO 4217 code"),
)


def check_organisation(register: Register, out: _Collector) -> None:
    """Rejection class: the organisation's LEI (a key of B_02.02 and B_06.01 and part of the
    package name) missing or failing ISO 17442; its country (part of the package name)
    missing or not an ISO 3166-1 code; its base currency (the package's ``baseCurrency``,
    the unit of its amounts) missing or not an ISO 4217 code."""
    organisation = register.organisation
    for name, what, columns, valid, invalid in ORGANISATION_VALUES:
        value = getattr(organisation, name)
        problem = f"the organisation's {what} is not set" if not value else (
            None if valid(value) else f"the organisation's {what} “{value}” {invalid}")
        if problem:
            out.merge(Finding(REJECTION, _organisation_ref(organisation), name, columns,
                              problem, ORGANISATION_TODO.format(
                                  what=what, setting=f"ORGANISATION_{name.upper()}")))


def preflight(register: Register) -> list[Finding]:
    """Every problem in ``register``: rejection class first, then the missing values, each
    once per record and field (with every register column it affects)."""
    out = _Collector()
    check_organisation(register, out)
    check_keys(register, out)
    check_foreign_keys(register, out)
    check_leis(register, out)
    check_required(register, out)
    rejected = {(f.entity.kind, f.entity.id, f.field) for f in out.findings.values()
                if f.rejection}
    # A field already reported as a rejection is not reported again as merely missing.
    findings = [f for f in out.findings.values()
                if f.rejection or (f.entity.kind, f.entity.id, f.field) not in rejected]
    order = {REJECTION: 0, INCOMPLETE: 1}
    return sorted(findings, key=lambda f: (order[f.category], f.entity.kind, f.entity.name,
                                           f.entity.id or 0, f.columns))


def count(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each category."""
    counts = {REJECTION: 0, INCOMPLETE: 0}
    for finding in findings:
        counts[finding.category] += 1
    return counts


# --- the report package -----------------------------------------------------------------------

def _csv(rows: Iterable[Sequence[str]]) -> bytes:
    # UTF-8 without BOM, CRLF line ends as in the EBA sample package.
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def table_csv(register: Register, template_id: str) -> bytes:
    """One template as CSV: the ``c0010``-style header, then its rows."""
    template = TEMPLATES[template_id]
    return _csv([template.header] + [[row.cells[c] for c in template.header]
                                     for row in register.tables[template_id]])


def entity_scope(organisation: Organisation) -> str:
    return "CON" if organisation.consolidated else "IND"


def package_name(organisation: Organisation, reference_date: date, created_at: datetime) -> str:
    """``{LEI}.{CON|IND}_{CC}_DORA010100_DORA_{reference date}_{yyyyMMddHHmmssSSS}``."""
    stamp = created_at.strftime("%Y%m%d%H%M%S") + f"{created_at.microsecond // 1000:03d}"
    return (f"{organisation.lei or 'NO-LEI'}.{entity_scope(organisation)}_"
            f"{organisation.country or 'XX'}_DORA010100_DORA_{reference_date.isoformat()}_{stamp}")


def package_files(register: Register) -> dict[str, bytes]:
    """The files of the report package, by their path under the package folder."""
    organisation = register.organisation
    files = {
        "META-INF/reportPackage.json": _json({"documentInfo": {
            "documentType": REPORT_PACKAGE_TYPE}}),
        "reports/report.json": _json({"documentInfo": {
            "documentType": XBRL_CSV_TYPE, "extends": [DORA_MODULE]}}),
        "reports/parameters.csv": _csv([
            ("name", "value"),
            ("entityID", f"rs:{organisation.lei}.{entity_scope(organisation)}"),
            ("refPeriod", register.reference_date.isoformat()),
            ("baseCurrency", f"iso4217:{organisation.base_currency}"),
            ("decimalsInteger", DECIMALS_INTEGER),
            ("decimalsMonetary", DECIMALS_MONETARY),
        ]),
        "reports/FilingIndicators.csv": _csv(
            [("templateID", "reported")]
            + [(t, "true" if on else "false") for t, on in register.filing_indicators().items()]),
    }
    for template in TEMPLATES.values():
        files[f"reports/{template.file_name}"] = table_csv(register, template.id)
    return files


def _json(document: dict) -> bytes:
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def write_package(register: Register, created_at: datetime) -> tuple[str, bytes]:
    """The report package as (file name, zip bytes): one folder named like the zip holding
    ``META-INF/reportPackage.json`` and ``reports/``. Same input and time, same bytes."""
    stem = package_name(register.organisation, register.reference_date, created_at)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in package_files(register).items():
            info = zipfile.ZipInfo(f"{stem}/{path}", date_time=created_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return f"{stem}.zip", buffer.getvalue()
