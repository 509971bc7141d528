"""The engagement register as CSV: one row per engagement, streamed, risk computed in SQL."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select

from .. import risk_queries
from ..domain.annex import neutralise_cell
from ..extensions import db
from ..models import Annex, Engagement, Vendor
from ..templating import LEVEL_LABELS

COLUMNS = (
    "Contract reference", "Title", "Vendor", "Internal owner", "Owner e-mail", "Status",
    "Start date", "End date", "Handover date", "Contract value", "Currency", "Risk level",
    "Latest annex version",
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
                   latest_annex.label("latest_annex"))
            .select_from(Engagement).outerjoin(Vendor, Engagement.vendor_id == Vendor.id)
            .where(*conditions).order_by(Engagement.id))


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
