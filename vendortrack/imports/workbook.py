"""The register as an XLSX workbook (the sheets an import reads back unchanged) and the blank
template with an example row and drop-down lists of allowed values."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import func, select

from .. import risk_queries
from ..domain import spec as specs
from ..domain.annex import neutralise_cell
from ..domain.vocabulary import (
    COMMON_CURRENCIES,
    DELIVERABLE_KINDS,
    DELIVERABLE_STATUSES,
    STATUSES,
)
from ..extensions import db
from ..models import (
    Annex,
    BusinessFunction,
    Deliverable,
    Engagement,
    EngagementPerson,
    HardConstraint,
    Metric,
    TradeoffRule,
    Vendor,
)
from ..templating import LEVEL_LABELS
from .columns import COMPUTED, EXIT_FIELDS, ORDER, PEOPLE_ROLES, SHEETS, SPEC_FIELDS, label

BATCH = 1000
MAIN_SHEET = "Engagements"
YES_NO = {True: "Yes", False: "No"}
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"


def _cell(sheet, value):
    """A cell that stays what it is: text neutralised (never a formula), dates as dates."""
    value = neutralise_cell(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, Decimal):
        cell.number_format = AMOUNT_FORMAT
    return cell


def _header(sheet, headers) -> None:
    cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)


def _main_values(row) -> dict:
    return {
        "contract_reference": row.contract_reference, "title": row.title,
        "vendor": row.vendor_name or "", "owner_name": row.owner_name,
        "owner_email": row.owner_email, "status": STATUSES.get(row.status, row.status),
        "start_date": row.start_date, "end_date": row.end_date,
        "handover_date": row.handover_date, "contract_value": row.contract_value,
        "currency": row.currency, "core_capability": YES_NO[bool(row.core_capability)],
        "problem_statement": row.problem_statement,
        **{key: shown(key, getattr(row, _column(key))) for key in EXIT_FIELDS},
    }


def _column(key: str) -> str:
    return "function_name" if key == "business_function" else key.replace(".", "_")


def shown(key: str, value):
    """An exit-readiness value as the register shows it and an import reads it back: choices
    by their label, yes / no, lists separated by "; "."""
    spec_field = SPEC_FIELDS[key]
    if spec_field.kind == "choice":
        return spec_field.choices.get(value, value) if value else ""
    if spec_field.kind == "bool":
        return YES_NO[bool(value)]
    if spec_field.kind == "codes":
        return "; ".join(spec_field.choices.get(c, c) for c in value or ())
    if spec_field.kind in specs.LIST_KINDS:
        return "; ".join(value or ())
    return value


SECTION_QUERIES = {
    "metrics": (Metric, ("name", "baseline", "target", "unit", "measurement")),
    "constraints": (HardConstraint, ("text",)),
    "tradeoffs": (TradeoffRule, ("rule", "decided_by")),
    "deliverables": (Deliverable, ("kind", "title", "due_date", "acceptance_criteria",
                                   "status")),
    "people": (EngagementPerson, ("kind", "name", "email")),
}
SHOWN = {"kind": {**DELIVERABLE_KINDS, **PEOPLE_ROLES}, "status": DELIVERABLE_STATUSES}


def register_xlsx(conditions: list, today: date) -> bytes:
    """The filtered register with every sheet an import reads, streamed row by row."""
    book = Workbook(write_only=True)
    main = book.create_sheet(MAIN_SHEET)
    _header(main, [label(f) for f in ORDER] + list(COMPUTED))
    latest_annex = (select(func.max(Annex.number)).where(Annex.engagement_id == Engagement.id)
                    .correlate(Engagement).scalar_subquery())
    statement = (select(Engagement.contract_reference, Engagement.title,
                        Vendor.name.label("vendor_name"), Engagement.owner_name,
                        Engagement.owner_email, Engagement.status, Engagement.start_date,
                        Engagement.end_date, Engagement.handover_date,
                        Engagement.contract_value, Engagement.currency,
                        Engagement.core_capability, Engagement.problem_statement,
                        BusinessFunction.name.label("function_name"),
                        *(Engagement.__table__.c[_column(key)] for key in EXIT_FIELDS
                          if key != "business_function"),
                        risk_queries.level(today).label("risk_level"),
                        latest_annex.label("latest_annex"))
                 .select_from(Engagement).outerjoin(Vendor, Engagement.vendor_id == Vendor.id)
                 .outerjoin(BusinessFunction,
                            Engagement.business_function_id == BusinessFunction.id)
                 .where(*conditions).order_by(Engagement.id))
    result = db.session.execute(statement, execution_options={"yield_per": BATCH})
    for row in result:
        values = _main_values(row)
        main.append([_cell(main, values.get(f)) for f in ORDER] + [
            _cell(main, LEVEL_LABELS.get(row.risk_level, "")),
            _cell(main, row.latest_annex)])
    ids = select(Engagement.id).where(*conditions)
    for sheet_def in SHEETS:
        sheet = book.create_sheet(sheet_def.name)
        _header(sheet, sheet_def.headers)
        model, columns = SECTION_QUERIES[sheet_def.section]
        rows = db.session.execute(
            select(Engagement.contract_reference, *(getattr(model, c) for c in columns))
            .join(model, model.engagement_id == Engagement.id)
            .where(Engagement.id.in_(ids))
            .order_by(Engagement.id, model.position),
            execution_options={"yield_per": BATCH})
        for row in rows:
            cells = [row[0]] + [SHOWN.get(c, {}).get(v, v) for c, v in zip(
                columns, row[1:], strict=True)]
            sheet.append([_cell(sheet, v) for v in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EXAMPLE = {
    "contract_reference": "C-2027-001", "title": "Automate support triage",
    "vendor": "Northwind Analytics", "owner_name": "Anna Berg",
    "owner_email": "anna.berg@example.org", "status": "Active",
    "start_date": date(2027, 1, 4), "end_date": date(2027, 12, 31),
    "handover_date": date(2027, 10, 1), "contract_value": Decimal("250000"),
    "currency": "EUR", "core_capability": "Yes",
    "problem_statement": "Support agents spend two hours a day sorting tickets by hand.",
    "business_function": "Customer support", "arrangement_type": "Standalone contract",
    "governing_law_country": "IE", "notice_period_days.organisation": 90,
    "notice_period_days.provider": 180, "transition_period_days": 120,
    "countries.service": "IE; DE", "countries.data_storage": "IE",
    "stores_data": "Yes", "exit_plan.documented": "Yes",
    "exit_plan.summary": "Move triage back to the support team's own rules engine.",
    "exit_plan.scenarios": "Termination of the contract; Failure of the provider",
    "exit_plan.alternatives": "Alternatives identified",
    "exit_plan.alternative_providers": "Contoso AI",
    "substitutability": "Medium complexity", "reintegration": "Difficult",
}
EXAMPLE_ROWS = {
    "metrics": ["First-response time", "6", "2", "hours", "Helpdesk report"],
    "constraints": ["Customer data stays in the EU."],
    "tradeoffs": ["Accuracy beats speed.", "Product owner"],
    "deliverables": ["Runbook", "Operations runbook", date(2027, 6, 30),
                     "Ops team runs a restore from it", "Planned"],
    "people": ["Successor", "Ben Okafor", "ben.okafor@example.org"],
}


def _choice_list(sheet, column: int, options, rows: int = 5000) -> None:
    letter = get_column_letter(column)
    validation = DataValidation(type="list", formula1='"' + ",".join(options) + '"',
                                allow_blank=True, showErrorMessage=True)
    validation.add(f"{letter}2:{letter}{rows}")
    sheet.add_data_validation(validation)


def _exit_options(field: str):
    """A drop-down for a single choice or yes / no, when Excel's list can hold its labels (at
    most 255 characters, no commas)."""
    spec_field = SPEC_FIELDS.get(field)
    if spec_field is None or field not in EXIT_FIELDS:
        return None
    if spec_field.kind == "bool":
        return YES_NO.values()
    labels = list(spec_field.choices.values()) if spec_field.kind == "choice" else []
    if labels and len(",".join(labels)) < 250 and not any("," in x for x in labels):
        return labels
    return None


def template_xlsx() -> bytes:
    """Every sheet and header, one example row each, allowed values as drop-down lists."""
    book = Workbook()
    main = book.active
    main.title = MAIN_SHEET
    main.append([label(f) for f in ORDER])
    main.append([EXAMPLE.get(f) for f in ORDER])
    for position, field in enumerate(ORDER, start=1):
        main.cell(row=1, column=position).font = Font(bold=True)
        main.column_dimensions[get_column_letter(position)].width = 18
        value = main.cell(row=2, column=position)
        if isinstance(value.value, date):
            value.number_format = DATE_FORMAT
        options = {"status": STATUSES.values(), "core_capability": YES_NO.values(),
                   "currency": COMMON_CURRENCIES}.get(field) or _exit_options(field)
        if options:
            _choice_list(main, position, options)
    for sheet_def in SHEETS:
        sheet = book.create_sheet(sheet_def.name)
        sheet.append(list(sheet_def.headers))
        sheet.append([EXAMPLE["contract_reference"], *EXAMPLE_ROWS[sheet_def.section]])
        for position in range(1, len(sheet_def.headers) + 1):
            sheet.cell(row=1, column=position).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(position)].width = 22
            if isinstance(sheet.cell(row=2, column=position).value, date):
                sheet.cell(row=2, column=position).number_format = DATE_FORMAT
        for position, column in enumerate(sheet_def.columns, start=2):
            if column.choices:
                _choice_list(sheet, position, column.choices.values())
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
