"""What an import would do, row by row, without writing anything.

:func:`plan` takes the file's tables, the column mapping, the date orders the person chose
and the engagements the file's contract references already name, and says for every row:
create, update (with the field-level changes the history will record), unchanged, or the
problems that stop it, in people's words ("row 14, Handover date: 31/02/2027 is not a date").
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache

from sqlalchemy import Text

from ..domain import spec as specs
from ..domain.arrangement import arrangement_problems
from ..domain.exit import exit_test_problem
from ..domain.risk import Flag, assess
from ..domain.spec import LONG
from ..domain.spec_diff import diff_specs
from ..domain.text import name_key
from ..domain.vocabulary import STATUSES
from ..models import (
    BusinessFunction,
    Deliverable,
    Engagement,
    EngagementPerson,
    HardConstraint,
    Metric,
    TradeoffRule,
    Vendor,
)
from . import values as read
from .columns import DATE_FIELDS, EXIT_FIELDS, SHEETS, SPEC_FIELDS, Sheet, label, sheet_mapping
from .reading import Table, Upload

EXIT_KEYS = frozenset(EXIT_FIELDS)
MODELS = {"metrics": Metric, "constraints": HardConstraint, "tradeoffs": TradeoffRule,
          "deliverables": Deliverable, "people": EngagementPerson}


@cache
def limit(model, column: str) -> int:
    """A text column's size in the schema (Text: the form's long-text limit)."""
    kind = model.__table__.c[column].type
    return LONG if isinstance(kind, Text) else kind.length


@dataclass(frozen=True)
class Existing:
    """An engagement in the register that a contract reference in the file names."""

    id: int
    version: int
    spec: specs.Spec


@dataclass
class RowPlan:
    number: int
    reference: str = ""
    title: str = ""
    action: str = "create"  # create, update, unchanged, problem
    engagement_id: int | None = None
    version: int | None = None
    spec: specs.Spec | None = None
    changes: list[dict] = field(default_factory=list)
    flags: tuple[Flag, ...] = ()
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Plan:
    rows: list[RowPlan]
    headers: list[str]
    mapping: list[str | None]
    date_questions: dict[str, str]  # key -> column label: the person must choose an order
    problems: list[str] = field(default_factory=list)  # not tied to one engagement row
    notes: list[str] = field(default_factory=list)
    new_vendors: list[str] = field(default_factory=list)
    new_functions: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "update", "unchanged", "problem")}

    @property
    def blocked(self) -> bool:
        """Nothing can be imported until the mapping or the date order is sorted out."""
        return bool(self.problems)

    def digest(self) -> str:
        """Fingerprint of what a confirm would write; it changes when the register does."""
        state = [(r.number, r.action, r.engagement_id, r.version, r.changes)
                 for r in self.rows]
        data = json.dumps([state, self.problems], sort_keys=True, default=str)
        return hashlib.sha256(data.encode()).hexdigest()


def mapping_problems(headers: list[str], mapping: list[str | None]) -> list[str]:
    seen: dict[str, int] = {}
    problems = []
    for position, key in enumerate(mapping):
        if key is None:
            continue
        if key in seen:
            problems.append(f"Columns “{headers[seen[key]]}” and “{headers[position]}” are "
                            f"both set to {label(key)}; choose one.")
        seen[key] = position
    if "title" not in seen:
        problems.append("No column is set to Title; every engagement needs a title.")
    return problems


def _order(key: str, cells: list, orders: dict[str, str], questions: dict, name: str):
    order = orders.get(key) or read.column_order(cells)
    if order is None and read.needs_order(cells):
        questions[key] = name
    return order


class _Row:
    """Collects one row's problems and notes with their row and column."""

    def __init__(self, plan: RowPlan, number: int, where: str = ""):
        self.plan, self.number, self.where = plan, number, where

    def cell(self, reader, column: str, raw, *args, formula: bool = False):
        prefix = f"{self.where}row {self.number}, {column}"
        if formula:
            if read.is_blank(raw):
                self.plan.problems.append(f"{prefix}: is a formula without a saved result; "
                                          "open the file in your spreadsheet, save it and "
                                          "upload it again")
                return reader(None, *args)
            self.plan.notes.append(f"{prefix}: a formula; its saved result "
                                   f"{read.shown(raw)} is used")
        try:
            return reader(raw, *args)
        except read.Problem as problem:
            self.plan.problems.append(f"{prefix}: {problem}")
            return None


def _scalar_reader(key: str):
    if key in DATE_FIELDS:
        return read.to_date
    if key in EXIT_KEYS:
        return _exit_reader(key)
    return {
        "contract_value": read.to_amount,
        "currency": read.to_currency,
        "core_capability": read.to_bool,
        "owner_email": read.to_email,
        "status": lambda raw: read.to_choice(raw, STATUSES, ""),
    }.get(key)


@cache
def _exit_reader(key: str):
    """The reader of an exit-readiness column, by the kind of its field."""
    spec_field = SPEC_FIELDS[key]
    kind = spec_field.kind
    if kind in ("text", "longtext", "function"):
        model, column = ((BusinessFunction, "name") if kind == "function"
                         else (Engagement, key.replace(".", "_")))
        return lambda raw: read.text(raw, limit(model, column))
    if kind == "choice":
        default = None if spec_field.nullable else spec_field.empty
        return lambda raw: read.to_choice(raw, spec_field.choices, default)
    if kind == "codes":
        return lambda raw: read.to_codes(raw, spec_field.choices)
    if kind == "integer":
        unit = "days" if spec_field.limit == specs.DAYS else ""
        return lambda raw: read.to_whole_number(raw, spec_field.limit, unit)
    if kind == "money":
        return lambda raw: read.to_amount(raw)[0]
    return {"bool": read.to_bool, "country": read.to_country,
            "countries": read.to_countries,
            "names": lambda raw: read.to_names(raw, spec_field.limit)}[kind]


def _exit_changes(fields: dict, base: specs.Spec) -> dict:
    """The exit-readiness values of a row as the spec holds them; a part of an object field
    whose column is absent keeps its value."""
    changes: dict = {}
    parts: dict[str, dict] = {}
    for key in [k for k in fields if k in EXIT_KEYS]:
        spec_field, value = SPEC_FIELDS[key], fields.pop(key)
        if value is None or (spec_field.kind == "function" and value == ""):
            value = spec_field.empty
        elif spec_field.kind == "function":
            value = " ".join(value.split())
        name, _, part = key.partition(".")
        if part:
            parts.setdefault(name, {})[part] = value
        else:
            changes[name] = value
    for name, given in parts.items():
        whole = specs.FIELDS_BY_NAME[name]
        value = {p.name: p.empty for p in whole.subfields()}
        value.update(getattr(base, name) or {}, **given)
        changes[name] = specs.object_value(value)
    return changes


def _read_main(table: Table, position_of: dict[str, int], number: int, cells: list,
               orders: dict, row: _Row) -> dict:
    fields: dict = {}
    for key, position in position_of.items():
        raw = cells[position]
        formula = (number, position) in table.formulas
        column = table.headers[position]
        reader = _scalar_reader(key)
        if key in DATE_FIELDS:
            fields[key] = row.cell(reader, column, raw, orders.get(key), formula=formula)
        elif reader is not None:
            fields[key] = row.cell(reader, column, raw, formula=formula)
        else:
            model, name = (Vendor, "name") if key == "vendor" else (Engagement, key)
            fields[key] = row.cell(read.text, column, raw, limit(model, name),
                                   formula=formula)
    return fields


def _spec_from(fields: dict, base: specs.Spec | None, row: RowPlan) -> specs.Spec:
    base = base or specs.Spec(title="")
    changes: dict = _exit_changes(fields, base)
    amount = fields.pop("contract_value", ...)
    if amount is not ...:
        value, symbol_currency = amount or (None, "")
        changes["contract_value"] = value
        if symbol_currency and not fields.get("currency"):
            fields["currency"] = symbol_currency
    owner = base.internal_owner or specs.Person()
    if "owner_name" in fields or "owner_email" in fields:
        name = fields.pop("owner_name", owner.name) or ""
        email = fields.pop("owner_email", owner.email) or ""
        changes["internal_owner"] = specs.Person(name, email) if name or email else None
        if email and not name:
            row.problems.append(f"row {row.number}, Internal owner: give the owner's name as "
                                "well as the e-mail")
    if fields.get("status") == "":
        fields.pop("status")
    for key, value in fields.items():
        if key in ("core_capability",):
            changes[key] = bool(value)
        else:
            changes[key] = value if value is not None or key in DATE_FIELDS else ""
    spec = replace(base, **changes)
    if not spec.title:
        row.problems.append(f"row {row.number}, Title: is empty; every engagement needs a "
                            "title")
    if spec.start_date and spec.end_date and spec.end_date < spec.start_date:
        row.problems.append(f"row {row.number}, End date: {spec.end_date.isoformat()} is "
                            "before the start date")
    return spec


def _agreement_problems(spec: specs.Spec, row: RowPlan, today: date) -> None:
    """The form's rules between exit-readiness fields, said with the row and column."""
    plan = spec.exit_plan or {}
    found = {**arrangement_problems(spec), **{
        f"exit_plan.{k}": v for k, v in exit_test_problem(
            plan.get("last_tested_on"), plan.get("next_review_on"), today).items()}}
    for key, message in found.items():
        row.problems.append(f"row {row.number}, {label(key)}: {message}")


def _sections(upload: Upload, orders: dict, questions: dict, references: set[str],
              problems: list[str]) -> tuple[dict, dict]:
    """Rows of the extra sheets by contract reference, and their problems by reference."""
    by_reference: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    row_problems: dict[str, list[str]] = defaultdict(list)
    for sheet in SHEETS:
        table = upload.sheets.get(sheet.section)
        if table is None:
            continue
        keys = sheet_mapping(sheet, table.headers)
        if "contract_reference" not in keys:
            problems.append(f"The “{table.name}” sheet has no Contract reference column, so "
                            "its rows cannot be matched to engagements.")
            continue
        _read_sheet(sheet, table, keys, orders, questions, references, problems,
                    by_reference, row_problems)
    return by_reference, row_problems


def _read_sheet(sheet: Sheet, table: Table, keys: list, orders: dict, questions: dict,
                references: set[str], problems: list[str], by_reference, row_problems):
    model = MODELS[sheet.section]
    columns = {c.key: c for c in sheet.columns}
    ref_at = keys.index("contract_reference")
    order = None
    if "due_date" in keys:
        question_key = f"{sheet.section}.due_date"
        order = _order(question_key, table.column(keys.index("due_date")), orders,
                       questions, f"{table.name}: Due date")
    for number, cells in table.rows:
        reference = read.text(cells[ref_at], 100)
        scratch = RowPlan(number)
        row = _Row(scratch, number, f"{table.name} sheet ")
        if reference not in references:
            problems.append(f"{table.name} sheet row {number}: contract reference "
                            f"“{reference}” is not in the engagements sheet")
            continue
        item: dict = {}
        for position, key in enumerate(keys):
            if key in (None, "contract_reference"):
                continue
            column, raw = columns[key], cells[position]
            formula = (number, position) in table.formulas
            if column.is_date:
                item[key] = row.cell(read.to_date, table.headers[position], raw, order,
                                     formula=formula)
            elif column.choices is not None:
                default = next(iter(column.choices))
                item[key] = row.cell(read.to_choice, table.headers[position], raw,
                                     column.choices, default, formula=formula)
            else:
                size = limit(model, "text" if key == "text" else key)
                item[key] = row.cell(read.text, table.headers[position], raw, size,
                                     formula=formula) or ""
        name_key = {"constraints": "text", "tradeoffs": "rule", "deliverables": "title"}.get(
            sheet.section, "name")
        if not item.get(name_key):
            scratch.problems.append(f"{table.name} sheet row {number}, "
                                    f"{columns[name_key].label}: is empty")
        if sheet.section == "people" and item.get("email"):
            try:
                item["email"] = read.to_email(item["email"])
            except read.Problem as problem:
                scratch.problems.append(f"{table.name} sheet row {number}, E-mail: {problem}")
        row_problems[reference] += scratch.problems
        by_reference[reference][sheet.section].append(item)


def _with_sections(spec: specs.Spec, upload: Upload, rows: dict) -> specs.Spec:
    changes: dict = {}
    if "metrics" in upload.sheets:
        changes["metrics"] = tuple(specs.Metric(**{k: r.get(k) or "" for k in (
            "name", "baseline", "target", "unit", "measurement")}) for r in rows["metrics"])
    if "constraints" in upload.sheets:
        changes["constraints"] = tuple(r.get("text") or "" for r in rows["constraints"])
    if "tradeoffs" in upload.sheets:
        changes["tradeoffs"] = tuple(specs.Tradeoff(r.get("rule") or "",
                                                    r.get("decided_by") or "")
                                     for r in rows["tradeoffs"])
    if "deliverables" in upload.sheets:
        changes["deliverables"] = tuple(specs.Deliverable(
            r.get("kind") or "documentation", r.get("title") or "", r.get("due_date"),
            r.get("acceptance_criteria") or "", r.get("status") or "planned")
            for r in rows["deliverables"])
    if "people" in upload.sheets:
        for role, section in (("successor", "successors"), ("upskilling", "upskilling")):
            changes[section] = tuple(specs.Person(r.get("name") or "", r.get("email") or "")
                                     for r in rows["people"] if (r.get("role") or "successor")
                                     == role)
    return replace(spec, **changes)


def _is_new(name: str, known: set[str], new: dict[str, str]) -> bool:
    """Whether ``name`` (a vendor's or a business function's) is neither ``known`` nor among
    the ``new`` ones found so far, which it then joins."""
    key = name_key(name)
    if not key or key in known or key in new:
        return False
    new[key] = name
    return True


def plan(upload: Upload, mapping: list[str | None], orders: dict[str, str],
         existing: dict[str, list[Existing]], vendor_keys: set[str], today: date,
         function_keys: set[str]) -> Plan:
    """What importing ``upload`` with ``mapping`` would do; writes nothing (``vendor_keys``,
    ``function_keys``: the name keys of the vendors and business functions known, to name the
    new ones)."""
    table = upload.main
    result = Plan([], table.headers, mapping, {}, notes=list(upload.notes))
    result.problems += mapping_problems(table.headers, mapping)
    position_of = {key: i for i, key in enumerate(mapping) if key is not None}
    for key in DATE_FIELDS:
        if key in position_of:
            orders = {**orders, key: _order(key, table.column(position_of[key]), orders,
                                            result.date_questions,
                                            table.headers[position_of[key]])}
    ref_at = position_of.get("contract_reference")
    references = set()
    if ref_at is not None:
        references = {read.text(cells[ref_at], 10_000) for _, cells in table.rows} - {""}
    sections, section_problems = _sections(upload, orders, result.date_questions,
                                           references, result.problems)
    for name in result.date_questions.values():
        result.problems.append(f"The dates in “{name}” could be day first or month first "
                               "(no day is above 12); choose the order.")
    first_row: dict[str, int] = {}
    new_vendors: dict[str, str] = {}
    new_functions: dict[str, str] = {}
    for number, cells in table.rows:
        row = RowPlan(number)
        result.rows.append(row)
        fields = _read_main(table, position_of, number, cells, orders, _Row(row, number))
        reference = fields.get("contract_reference") or ""
        row.reference = reference
        base = None
        if reference:
            if reference in first_row:
                row.problems.append(f"row {number}, {table.headers[ref_at]}: {reference} is "
                                    f"also on row {first_row[reference]}; each contract "
                                    "reference may appear once")
            first_row.setdefault(reference, number)
            matches = existing.get(reference, [])
            if len(matches) > 1:
                row.problems.append(f"row {number}, {table.headers[ref_at]}: "
                                    f"{len(matches)} engagements in the register have the "
                                    f"reference {reference}; give them distinct references "
                                    "first")
            elif matches:
                base = matches[0].spec
                row.engagement_id, row.version = matches[0].id, matches[0].version
        spec = _spec_from(fields, base, row)
        _agreement_problems(spec, row, today)
        if reference:
            spec = _with_sections(spec, upload, sections.get(reference, defaultdict(list)))
            row.problems += section_problems.get(reference, [])
        row.spec, row.title = spec, spec.title
        if _is_new(spec.vendor, vendor_keys, new_vendors):
            row.notes.append(f"New vendor “{spec.vendor}” will be created.")
        if _is_new(spec.business_function, function_keys, new_functions):
            row.notes.append(f"New business function “{spec.business_function}” will be "
                             "created (its criticality not yet assessed).")
        if base is not None:  # a new engagement's history lists everything; not shown here
            row.changes = diff_specs(specs.to_json(base), specs.to_json(spec)).to_json()
        row.flags = assess(spec, today).flags
        if row.problems:
            row.action = "problem"
        elif base is None:
            row.action = "create"
        else:
            row.action = "update" if row.changes else "unchanged"
    result.new_vendors = list(new_vendors.values())
    result.new_functions = list(new_functions.values())
    return result
