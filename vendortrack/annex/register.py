"""The engagement register as CSV: one row per engagement, streamed, risk computed in SQL."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select

from .. import risk_queries
from ..domain.annex import neutralise_cell
from ..domain.vocabulary import (
    ALTERNATIVES,
    CRITICALITY,
    EXIT_TEST_RESULTS,
    REINTEGRATION,
    SUBSTITUTABILITY,
)
from ..extensions import db
from ..models import Annex, BusinessFunction, Engagement, Vendor
from ..templating import LEVEL_LABELS

COLUMNS = (
    "Contract reference", "Title", "Vendor", "Internal owner", "Owner e-mail", "Status",
    "Start date", "End date", "Handover date", "Contract value", "Currency", "Risk level",
    "Latest annex version",
    # exit readiness (DORA register of information, exit slice)
    "Provider legal name", "Provider LEI", "Provider head-office country",
    "Business function", "Criticality", "Notice period, organisation (days)",
    "Notice period, provider (days)", "Transition period (days)", "Service countries",
    "Data storage countries", "Data processing countries", "Annual expense",
    "Exit plan documented", "Exit plan last tested", "Exit plan test result",
    "Exit plan next review", "Alternatives identified", "Substitutability",
    "Reintegration (assessed)", "Reintegration (suggested)",
)
EXIT_COLUMNS = (
    Vendor.legal_name, Vendor.lei, Vendor.country,
    BusinessFunction.name.label("function_name"), BusinessFunction.criticality,
    Engagement.notice_period_days_organisation, Engagement.notice_period_days_provider,
    Engagement.transition_period_days, Engagement.countries_service,
    Engagement.countries_data_storage, Engagement.countries_data_processing,
    Engagement.annual_expense, Engagement.exit_plan_documented,
    Engagement.exit_plan_last_tested_on, Engagement.exit_plan_last_test_result,
    Engagement.exit_plan_next_review_on, Engagement.exit_plan_alternatives,
    Engagement.substitutability, Engagement.reintegration, Engagement.reintegration_suggested,
)
BATCH = 1000
BOM = "\ufeff"


def register_statement(conditions: list, today: date):
    """Plain columns only (no ORM objects, no child rows): the latest annex is a subquery."""
    latest_annex = (select(func.max(Annex.number)).where(Annex.engagement_id == Engagement.id)
                    .correlate(Engagement).scalar_subquery())
    return (select(Engagement.contract_reference, Engagement.title, Vendor.name,
                   Engagement.owner_name, Engagement.owner_email, Engagement.status,
                   Engagement.start_date, Engagement.end_date, Engagement.handover_date,
                   Engagement.contract_value, Engagement.currency,
                   risk_queries.level(today).label("risk_level"),
                   latest_annex.label("latest_annex"), *EXIT_COLUMNS)
            .select_from(Engagement).outerjoin(Vendor, Engagement.vendor_id == Vendor.id)
            .outerjoin(BusinessFunction,
                       Engagement.business_function_id == BusinessFunction.id)
            .where(*conditions).order_by(Engagement.id))


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _blank(value) -> object:
    return "" if value is None else value


def _exit_cells(row) -> tuple:
    return (
        row.legal_name or "", row.lei or "", row.country or "", row.function_name or "",
        CRITICALITY.get(row.criticality, ""), _blank(row.notice_period_days_organisation),
        _blank(row.notice_period_days_provider), _blank(row.transition_period_days),
        " ".join(row.countries_service or []), " ".join(row.countries_data_storage or []),
        " ".join(row.countries_data_processing or []), _blank(row.annual_expense),
        "yes" if row.exit_plan_documented else "no", _iso(row.exit_plan_last_tested_on),
        EXIT_TEST_RESULTS.get(row.exit_plan_last_test_result, ""),
        _iso(row.exit_plan_next_review_on), ALTERNATIVES.get(row.exit_plan_alternatives, ""),
        SUBSTITUTABILITY.get(row.substitutability, ""),
        REINTEGRATION.get(row.reintegration, ""),
        REINTEGRATION.get(row.reintegration_suggested, ""),
    )


def _cells(row, statuses: dict) -> list:
    return [neutralise_cell(v) for v in (
        row.contract_reference, row.title, row.name, row.owner_name, row.owner_email,
        statuses.get(row.status, row.status),
        row.start_date.isoformat() if row.start_date else "",
        row.end_date.isoformat() if row.end_date else "",
        row.handover_date.isoformat() if row.handover_date else "",
        row.contract_value if row.contract_value is not None else "",
        row.currency, LEVEL_LABELS.get(row.risk_level, ""),
        row.latest_annex if row.latest_annex is not None else "",
        *_exit_cells(row),
    )]


def register_csv(conditions: list, today: date, statuses: dict) -> Iterator[str]:
    """The CSV text in chunks: BOM and header first, then rows fetched in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield BOM + buffer.getvalue()
    result = db.session.execute(register_statement(conditions, today),
                                execution_options={"yield_per": BATCH})
    for rows in result.partitions():
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_cells(row, statuses) for row in rows)
        yield buffer.getvalue()
