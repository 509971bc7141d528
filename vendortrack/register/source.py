"""From the database to the register's input records: the engagements in scope for a
reference date, their vendors (with every recorded ultimate parent) and their functions.

One query whatever the size of the register (plus one per level of parent undertakings):
the engagements in scope with their vendor's and function's columns joined; plain columns,
no ORM objects, no child rows.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select

from ..domain.register_of_information import (
    Arrangement,
    Function,
    Organisation,
    Provider,
    build_register,
    year_start,
)
from ..extensions import db
from ..models import BusinessFunction, Engagement, Vendor

MAX_PARENT_LEVELS = 10  # a chain of ultimate parents deeper than this is a data error

ENGAGEMENT_COLUMNS = (
    Engagement.id, Engagement.title, Engagement.contract_reference, Engagement.status,
    Engagement.vendor_id, Engagement.business_function_id, Engagement.arrangement_type,
    Engagement.overarching_reference, Engagement.ict_service_type, Engagement.start_date,
    Engagement.end_date, Engagement.termination_reason,
    Engagement.notice_period_days_organisation, Engagement.notice_period_days_provider,
    Engagement.governing_law_country, Engagement.countries_service,
    Engagement.countries_data_storage, Engagement.countries_data_processing,
    Engagement.stores_data,
    Engagement.annual_expense, Engagement.currency, Engagement.last_audit_on,
    Engagement.substitutability, Engagement.non_substitutability_reason,
    Engagement.exit_plan_documented, Engagement.reintegration,
    Engagement.discontinuation_impact, Engagement.exit_plan_alternatives,
    Engagement.exit_plan_alternative_providers,
    # who may edit it (vendortrack.permissions.can_edit_engagement reads these two)
    Engagement.created_by_id, Engagement.owner_email, Engagement.owner_name,
)
VENDOR_COLUMNS = (
    Vendor.id, Vendor.name, Vendor.legal_name, Vendor.lei, Vendor.other_code,
    Vendor.other_code_type, Vendor.person_type, Vendor.country, Vendor.parent_code,
    Vendor.parent_code_type,
)
FUNCTION_COLUMNS = (
    BusinessFunction.id, BusinessFunction.number, BusinessFunction.name,
    BusinessFunction.criticality, BusinessFunction.criticality_reasons,
    BusinessFunction.assessed_on, BusinessFunction.rto_hours, BusinessFunction.rpo_hours,
    BusinessFunction.impact, BusinessFunction.licensed_activity,
)


@dataclass(frozen=True)
class EngagementOwner:
    """Enough of an engagement to ask who may edit it, and whom to ask otherwise."""

    id: int
    created_by_id: int | None
    owner_email: str
    owner_name: str


@dataclass(frozen=True)
class RegisterSource:
    """What the register for ``reference_date`` is built from."""

    reference_date: date
    organisation: Organisation
    arrangements: tuple[Arrangement, ...]
    providers: tuple[Provider, ...]
    functions: tuple[Function, ...]
    owners: dict[int, EngagementOwner]

    def build(self):
        return build_register(self.organisation, self.arrangements, self.providers,
                              self.functions, self.reference_date)


def scope_conditions(reference_date: date) -> tuple:
    """:func:`~vendortrack.domain.register_of_information.in_scope` in SQL: not a draft,
    started by the reference date, not ended before the year that ends on it began."""
    return (
        Engagement.status != "draft",
        or_(Engagement.start_date.is_(None), Engagement.start_date <= reference_date),
        or_(Engagement.end_date.is_(None), Engagement.end_date >= year_start(reference_date)),
    )


def _arrangement(row) -> Arrangement:
    return Arrangement(
        id=row.id, title=row.title, reference=row.contract_reference or "",
        status=row.status, provider_id=row.vendor_id, function_id=row.business_function_id,
        arrangement_type=row.arrangement_type,
        overarching_reference=row.overarching_reference or "",
        ict_service_type=row.ict_service_type, start_date=row.start_date,
        end_date=row.end_date, termination_reason=row.termination_reason,
        notice_days_organisation=row.notice_period_days_organisation,
        notice_days_provider=row.notice_period_days_provider,
        governing_law_country=row.governing_law_country or "",
        service_countries=tuple(row.countries_service or ()),
        stores_data={"yes": True, "no": False}.get(row.stores_data),
        storage_countries=tuple(row.countries_data_storage or ()),
        processing_countries=tuple(row.countries_data_processing or ()),
        annual_expense=row.annual_expense, currency=row.currency or "",
        last_audit_on=row.last_audit_on, substitutability=row.substitutability,
        non_substitutability_reason=row.non_substitutability_reason,
        exit_plan_documented=bool(row.exit_plan_documented), reintegration=row.reintegration,
        discontinuation_impact=row.discontinuation_impact,
        alternatives=row.exit_plan_alternatives,
        alternative_providers=tuple(row.exit_plan_alternative_providers or ()),
    )


def _provider(row: Mapping) -> Provider:
    return Provider(
        id=row["id"], name=row["name"], legal_name=row["legal_name"] or "",
        lei=row["lei"] or "", other_code=row["other_code"] or "",
        other_code_type=row["other_code_type"], person_type=row["person_type"],
        country=row["country"] or "", parent_code=row["parent_code"] or "",
        parent_code_type=row["parent_code_type"])


def _function(row: Mapping) -> Function:
    return Function(
        id=row["id"], number=row["number"], name=row["name"],
        criticality=row["criticality"], criticality_reasons=row["criticality_reasons"] or "",
        assessed_on=row["assessed_on"], rto_hours=row["rto_hours"],
        rpo_hours=row["rpo_hours"], impact=row["impact"],
        licensed_activity=row["licensed_activity"] or "")


# The vendor's and the function's columns after the engagement's, in one row: read by
# position (``row.name`` and the like are the engagement's, whose columns come first).
_VENDOR_AT = slice(len(ENGAGEMENT_COLUMNS), len(ENGAGEMENT_COLUMNS) + len(VENDOR_COLUMNS))
_FUNCTION_AT = slice(_VENDOR_AT.stop, _VENDOR_AT.stop + len(FUNCTION_COLUMNS))


def _part(row, at: slice, columns: tuple) -> dict:
    return {column.key: value for column, value in zip(columns, row[at], strict=True)}


def _with_parents(providers: dict[int, Provider]) -> list[Provider]:
    """The vendors of the engagements in scope, then every ultimate parent recorded for them
    (a parent is matched by its code as the register identifies it: LEI, else other code)."""
    for _ in range(MAX_PARENT_LEVELS):
        known = {p.code for p in providers.values() if p.code}
        wanted = {p.parent_code for p in providers.values() if p.parent_code} - known
        if not wanted:
            break
        parents = [p for p in (_provider(row._mapping) for row in db.session.execute(
            select(*VENDOR_COLUMNS).where(or_(
                Vendor.lei.in_(wanted),
                and_(Vendor.lei == "", Vendor.other_code.in_(wanted))))))
            if p.id not in providers]
        if not parents:
            break
        providers.update((p.id, p) for p in parents)
    return list(providers.values())


def load(reference_date: date, organisation: Organisation) -> RegisterSource:
    """The records of the register for ``reference_date``: the engagements the scope query
    selects (it alone decides; see :func:`scope_conditions`), their vendors and functions."""
    rows = db.session.execute(
        select(*ENGAGEMENT_COLUMNS, *VENDOR_COLUMNS, *FUNCTION_COLUMNS)
        .select_from(Engagement)
        .outerjoin(Vendor, Vendor.id == Engagement.vendor_id)
        .outerjoin(BusinessFunction, BusinessFunction.id == Engagement.business_function_id)
        .where(*scope_conditions(reference_date)).order_by(Engagement.id)).all()
    arrangements = tuple(map(_arrangement, rows))
    owners = {row.id: EngagementOwner(row.id, row.created_by_id, row.owner_email or "",
                                      row.owner_name or "") for row in rows}
    providers: dict[int, Provider] = {}
    functions: dict[int, Function] = {}
    for row in rows:
        if row.vendor_id is not None and row.vendor_id not in providers:
            providers[row.vendor_id] = _provider(_part(row, _VENDOR_AT, VENDOR_COLUMNS))
        function_id = row.business_function_id
        if function_id is not None and function_id not in functions:
            functions[function_id] = _function(_part(row, _FUNCTION_AT, FUNCTION_COLUMNS))
    return RegisterSource(reference_date, organisation, arrangements,
                          tuple(_with_parents(providers)), tuple(functions.values()), owners)
