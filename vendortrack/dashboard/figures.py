"""The dashboard's figures: a fixed handful of aggregate queries, whatever the data's size.

Every number comes with the :class:`EngagementFilter` that lists exactly those engagements.
The number is computed from that filter's own ``conditions(today)`` — the scope's conditions in
the WHERE clause, the figure's extra conditions inside ``SUM(CASE ...)`` or ``GROUP BY`` — so a
drill-down to the engagement list shows the same count.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import astuple, dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import selectinload, with_expression

from .. import risk_queries
from ..domain import exit as exit_rules
from ..domain.risk import RULES, RULES_BY_CODE, Severity, StoredExit, dated_codes, flags_for_codes
from ..domain.vocabulary import STATUSES
from ..extensions import db
from ..models import Engagement, EngagementFlag, Vendor
from ..queries import EngagementFilter

if TYPE_CHECKING:
    from .exit_panel import ExitPanel

HANDOVER_WINDOW_DAYS = 90
MONTHS_AHEAD = 12
TOP_VENDORS = 8
TOP_AT_RISK = 20
LEVELS = (Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.NONE)
DEFAULT_STATUS = "open"  # the dashboard looks at engagements that are not closed unless asked

# Short names for chart labels; the code stays visible beside them.
FLAG_LABELS = {
    "DEPENDENCY_TRAP_NO_OWNER": "No internal owner",
    "DEPENDENCY_TRAP_NO_HANDOVER": "No handover date",
    "HANDOVER_AFTER_END": "Handover after contract end",
    "KT_NOT_A_DELIVERABLE": "No knowledge-transfer deliverable",
    "HANDOVER_PASSED_OPEN_KT": "Handover passed, KT still open",
    "KT_BACKLOADED": "KT left until handover",
    "KT_OVERDUE": "KT deliverable overdue",
    "SPEC_NO_PROBLEM": "No problem statement",
    "SPEC_NO_METRICS": "No measurable success metric",
    "SPEC_NO_CONSTRAINTS": "No hard constraints",
    "SPEC_NO_TRADEOFFS": "No trade-off rules",
    "NO_SUCCESSORS": "No successors named",
    "CORE_WITHOUT_UPSKILLING": "Core work, nobody upskilling",
    **exit_rules.SHORT_LABELS,
}
assert set(FLAG_LABELS) == set(RULES_BY_CODE), "every rule needs a chart label"


@dataclass(frozen=True)
class Count:
    """A number of engagements and the list filter that shows exactly them."""

    value: int
    filter: EngagementFilter

    def args(self) -> dict:
        return self.filter.args()


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str  # "" when the engagements have no currency
    amount: Decimal  # 0 when none of them has a contract value
    engagements: Count


@dataclass(frozen=True)
class LevelCount:
    level: Severity
    engagements: Count


@dataclass(frozen=True)
class FlagCount:
    code: str
    label: str
    severity: Severity
    dependency_trap: bool
    engagements: Count


@dataclass(frozen=True)
class VendorLevels:
    vendor_id: int
    name: str
    engagements: Count
    levels: tuple[LevelCount, ...]


@dataclass(frozen=True)
class MonthHandovers:
    month: str  # YYYY-MM
    first_day: date
    engagements: Count
    with_open_kt: Count  # of those, how many still have knowledge transfer not accepted
    open_deliverables: int  # deliverables not yet accepted across them


@dataclass(frozen=True)
class AtRisk:
    id: int
    title: str
    vendor: str
    owner_name: str
    status: str
    level: Severity
    dependency_trap: bool
    handover_date: date | None
    contract_value: Decimal | None
    currency: str
    flag_codes: tuple[str, ...]


@dataclass(frozen=True)
class DashboardFigures:
    today: date
    scope: EngagementFilter
    headline_status: str
    headline: Count  # engagements in the headline status ("active" unless the scope says)
    in_scope: Count
    trap: Count
    trap_value: tuple[CurrencyTotal, ...]
    levels: tuple[LevelCount, ...]
    handovers_due: Count
    kt_overdue: Count
    no_owner: Count
    flags: tuple[FlagCount, ...]
    vendors: tuple[VendorLevels, ...]
    vendor_count: int  # vendors holding engagements in scope (the chart shows the top few)
    handover_months: tuple[MonthHandovers, ...]
    top_at_risk: tuple[AtRisk, ...] = field(default=())
    exit: ExitPanel | None = None

    def to_json(self, link=None) -> dict:
        """Plain JSON; ``link(args)`` may turn a filter's arguments into a list URL."""

        def count(c: Count) -> dict:
            out = {"count": c.value, "filter": c.args()}
            if link is not None:
                out["list_url"] = link(c.args())
            return out

        out = {
            "today": self.today.isoformat(),
            "filters": self.scope.args(),
            "headline": {"status": self.headline_status, **count(self.headline)},
            "engagements_in_scope": count(self.in_scope),
            "dependency_trap": {
                **count(self.trap),
                "contract_value": [
                    {"currency": t.currency or None, "amount": str(t.amount),
                     **count(t.engagements)} for t in self.trap_value],
            },
            "risk_levels": {lc.level.code: count(lc.engagements) for lc in self.levels},
            "handovers_due": {"within_days": HANDOVER_WINDOW_DAYS, **count(self.handovers_due)},
            "kt_overdue": count(self.kt_overdue),
            "no_internal_owner": count(self.no_owner),
            "flags": [{"code": f.code, "label": f.label, "severity": f.severity.code,
                       "dependency_trap": f.dependency_trap, **count(f.engagements)}
                      for f in self.flags],
            "vendors": {
                "holding_engagements": self.vendor_count,
                "top": [{"id": v.vendor_id, "name": v.name, **count(v.engagements),
                         "risk_levels": {lc.level.code: count(lc.engagements)
                                         for lc in v.levels}} for v in self.vendors],
            },
            "handover_months": [
                {"month": m.month, **count(m.engagements),
                 "with_open_kt": count(m.with_open_kt),
                 "open_deliverables": m.open_deliverables} for m in self.handover_months],
        }
        if self.exit is not None:
            out["exit_readiness"] = self.exit.to_json(link)
        if self.top_at_risk:
            out["top_at_risk"] = [
                {"id": e.id, "title": e.title, "vendor": e.vendor, "status": e.status,
                 "risk_level": e.level.code, "dependency_trap": e.dependency_trap,
                 "handover_date": e.handover_date.isoformat() if e.handover_date else None,
                 "contract_value": None if e.contract_value is None else str(e.contract_value),
                 "currency": e.currency or None, "flags": list(e.flag_codes)}
                for e in self.top_at_risk]
        return out


def drill(base: EngagementFilter, **changes) -> EngagementFilter:
    """``base`` narrowed by ``changes``: the list filter behind one number.

    The dashboard's default "not closed" is dropped when the narrowing filter leaves closed
    engagements out by itself (a dependency trap, a flag, a handover window, a risk level
    above none), so links read plainly, e.g. ``/engagements?trap=1``, for the same engagements.
    """
    narrowed = replace(base, **changes)
    excludes_closed = (narrowed.trap or bool(narrowed.flag) or bool(narrowed.handover_month)
                       or narrowed.handover_within is not None
                       or narrowed.risk not in ("", Severity.NONE.code))
    if narrowed.status == "open" and excludes_closed:
        narrowed = replace(narrowed, status="")
    return narrowed


def scope_from_args(args) -> EngagementFilter:
    """The dashboard's own filters (status, vendor, internal owner) from query arguments.

    Without a status the dashboard shows engagements that are not closed; ``status=all``
    includes closed ones. Anything unknown is ignored, as on the engagement list.
    """
    wanted = {"status": args.get("status", DEFAULT_STATUS), "vendor": args.get("vendor", ""),
              "owner": args.get("owner", "")}
    return EngagementFilter.from_args(wanted)


def _month_starts(today: date, count: int) -> list[date]:
    year, month = today.year, today.month
    starts = []
    for _ in range(count + 1):
        starts.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


def _sum_if(*conditions) -> object:
    return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)


@dataclass(frozen=True)
class _Group:
    """Engagements in scope of one vendor, currency and risk level, and how many of them
    count towards each figure (from one scan: see :func:`_scan`)."""

    vendor_id: int | None
    vendor_name: str | None
    currency: str
    level: int
    number: int
    headline: int
    trap: int
    trap_value: Decimal  # the trapped ones' contract values added up
    dated: tuple[int, ...]  # how many carry each flag of risk_queries.DATED_EXPRESSIONS


@lru_cache(maxsize=64)
def _scan_statement(scope_fields: tuple, today: date, headline_status: str, dialect: str):
    """The scan's statement for one scope (its fields' values), day and headline status:
    built once, as building it costs more Python than running it does on PostgreSQL."""
    scope = EngagementFilter(*scope_fields)
    trap = risk_queries.in_dependency_trap(today)
    headline = (Engagement.status == headline_status if scope.status != headline_status
                else literal(True))
    facts = (select(Engagement.vendor_id.label("vendor_id"),
                    Engagement.currency.label("currency"),
                    risk_queries.level(today).label("level"), headline.label("headline"),
                    trap.label("trap"), Engagement.contract_value.label("contract_value"),
                    *(risk_queries.has_flag(code, today).label(f"dated_{n}")
                      for n, code in enumerate(risk_queries.DATED_EXPRESSIONS)))
             .where(*scope.conditions(today)).subquery())
    keys = (facts.c.vendor_id, facts.c.currency, facts.c.level)
    # COUNT(*) FILTER (WHERE ...) rather than SUM(CASE ...): the same count (both leave out
    # rows where the condition is false or NULL), about a tenth less work on SQLite.
    grouped = (select(*keys, func.count().label("number"),
                      func.count().filter(facts.c.headline).label("headline"),
                      func.count().filter(facts.c.trap).label("trap"),
                      func.sum(facts.c.contract_value).filter(facts.c.trap).label("value"),
                      *(func.count().filter(facts.c[f"dated_{n}"]).label(f"dated_{n}")
                        for n in range(len(risk_queries.DATED_EXPRESSIONS))))
               .group_by(*keys).subquery())
    # Vendor names per group, not per engagement.
    return select(grouped, Vendor.name).outerjoin(Vendor, Vendor.id == grouped.c.vendor_id)


def _scan(scope: EngagementFilter, today: date, headline_status: str) -> list[_Group]:
    """The engagements in scope grouped by vendor, currency and risk level (the level's own
    SQL, as the list filters on it), each group with how many are in the headline status, in
    a dependency trap (and their contract value) and carry each dated flag — each count the
    condition of its drill-down's filter. One pass instead of one per figure."""
    statement = _scan_statement(astuple(scope), today, headline_status,
                                db.session.get_bind().dialect.name)
    # Columns by position: vendor, currency, level, number, headline, trap, value, the
    # dated flags, the vendor's name.
    return [_Group(row[0], row[-1], row[1] or "", int(row[2]), row[3], row[4], row[5],
                   Decimal(row[6] or 0), tuple(row[7:-1]))
            for row in db.session.execute(statement)]


def compute(scope: EngagementFilter, today: date, *, at_risk: int = 0,
            top_vendors: int = TOP_VENDORS) -> DashboardFigures:
    """All dashboard figures for engagements matching ``scope`` on ``today``; with
    ``at_risk`` also that many engagements at highest risk (the board pack's list)."""
    where = scope.conditions(today)
    headline_status = scope.status if scope.status in STATUSES else "active"
    groups = _scan(scope, today, headline_status)
    trap_filter = drill(scope, trap=True)
    handovers_due, handover_months = _handovers(scope, where, today)

    undated = _undated_flag_counts(scope, where)
    flag_counts = {code: int(undated.get(code, 0)) for code in RULES_BY_CODE}
    flag_counts.update({code: sum(g.dated[n] for g in groups)
                        for n, code in enumerate(risk_queries.DATED_EXPRESSIONS)})
    flags = tuple(sorted(
        (FlagCount(rule.code, FLAG_LABELS[rule.code], rule.severity, rule.dependency_trap,
                   Count(flag_counts[rule.code], drill(scope, flag=rule.code)))
         for rule in RULES),
        key=lambda f: (-f.engagements.value, -f.severity, f.code)))

    levels, vendors, vendor_count = _levels_and_vendors(scope, groups, top_vendors)
    return DashboardFigures(
        today=today, scope=scope, headline_status=headline_status,
        headline=Count(sum(g.headline for g in groups), replace(scope, status=headline_status)),
        in_scope=Count(sum(g.number for g in groups), scope),
        trap=Count(sum(g.trap for g in groups), trap_filter),
        trap_value=_trap_value(trap_filter, groups), levels=levels,
        handovers_due=handovers_due,
        kt_overdue=Count(flag_counts["KT_OVERDUE"], drill(scope, flag="KT_OVERDUE")),
        no_owner=Count(flag_counts["DEPENDENCY_TRAP_NO_OWNER"],
                       drill(scope, flag="DEPENDENCY_TRAP_NO_OWNER")),
        flags=flags, vendors=vendors, vendor_count=vendor_count,
        handover_months=tuple(handover_months),
        top_at_risk=top_at_risk(scope, today, at_risk) if at_risk else (),
        exit=exit_panel(scope, today),
    )


def exit_panel(scope: EngagementFilter, today: date) -> ExitPanel:
    from . import exit_panel as panel  # it builds on Count and drill, defined here

    return panel.compute(scope, today)


def _undated_flag_counts(scope: EngagementFilter, where: list) -> dict[str, int]:
    """Stored (undated) flags per code for the engagements in scope that are not closed.

    Closed engagements never have stored flags (``services.refresh_risk`` stores the result of
    ``assess``, which gives closed engagements none), so when the scope only says "not
    closed" or "any status" the flag table alone gives the answer: one index scan instead of
    a join over every flag (about 10x faster at 100,000 engagements).
    """
    query = select(EngagementFlag.code, func.count()).group_by(EngagementFlag.code)
    if scope.status in ("", "open") and scope.vendor is None and not scope.owner:
        return dict(db.session.execute(query).all())
    return dict(db.session.execute(
        query.join(Engagement, Engagement.id == EngagementFlag.engagement_id)
        .where(*where, risk_queries.NOT_CLOSED)).all())


def _handovers(scope, where, today) -> tuple[Count, tuple[MonthHandovers, ...]]:
    """Handovers due in the next days and per month for the coming months.

    One query groups the handovers of the whole window by day; the days are then summed into
    the windows. Each window is exactly its list filter's condition (not closed, handover date
    in the window), so the sums equal the list's counts.
    """
    starts = _month_starts(today, MONTHS_AHEAD)
    window_end = starts[-1]
    due_filter = drill(scope, handover_within=HANDOVER_WINDOW_DAYS)
    due_last_day = today + timedelta(days=HANDOVER_WINDOW_DAYS)
    assert due_last_day < window_end, "the 90-day window must lie inside the month window"
    open_kt = EngagementFilter(open_kt=True).conditions(today)
    rows = db.session.execute(
        select(Engagement.handover_date, func.count(), _sum_if(*open_kt),
               func.coalesce(func.sum(Engagement.open_deliverables), 0))
        .where(*where, risk_queries.NOT_CLOSED, Engagement.handover_date >= starts[0],
               Engagement.handover_date < window_end)
        .group_by(Engagement.handover_date)).all()
    due = 0
    per_month: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for day, number, with_open, open_rows in rows:
        if today <= day <= due_last_day:
            due += number
        totals = per_month[day.isoformat()[:7]]
        totals[0] += number
        totals[1] += int(with_open)
        totals[2] += int(open_rows)
    months = []
    for start in starts[:-1]:
        key = start.isoformat()[:7]
        number, with_open, open_rows = per_month[key]
        month_filter = drill(scope, handover_month=key)
        months.append(MonthHandovers(key, start, Count(number, month_filter),
                                     Count(with_open, drill(month_filter, open_kt=True)),
                                     open_rows))
    return Count(due, due_filter), tuple(months)


def _levels_and_vendors(scope, groups: list[_Group], top_vendors: int):
    """Risk level counts overall and for the vendors holding the most engagements."""
    overall: dict[int, int] = defaultdict(int)
    by_vendor: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    names = {}
    for group in groups:
        overall[group.level] += group.number
        if group.vendor_id is not None:
            by_vendor[group.vendor_id][group.level] += group.number
            names[group.vendor_id] = group.vendor_name
    levels = tuple(LevelCount(s, Count(overall[int(s)], drill(scope, risk=s.code)))
                   for s in LEVELS)
    ranked = sorted(by_vendor, key=lambda v: (-sum(by_vendor[v].values()), names[v].lower()))
    vendors = tuple(
        VendorLevels(v, names[v], Count(sum(by_vendor[v].values()), replace(scope, vendor=v)),
                     tuple(LevelCount(s, Count(by_vendor[v][int(s)],
                                               drill(scope, vendor=v, risk=s.code)))
                           for s in LEVELS))
        for v in ranked[:top_vendors])
    return levels, vendors, len(by_vendor)


def _trap_value(trap_filter, groups: list[_Group]) -> tuple[CurrencyTotal, ...]:
    """Contract value in a dependency trap per currency: amounts in different currencies are
    never added together."""
    numbers: dict[str, int] = defaultdict(int)
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for group in groups:
        if group.trap:
            numbers[group.currency] += group.trap
            amounts[group.currency] += group.trap_value
    totals = [CurrencyTotal(currency, amounts[currency],
                            Count(number, drill(trap_filter, currency=currency or "none")))
              for currency, number in numbers.items()]
    # Largest amounts first; engagements without a currency last.
    return tuple(sorted(totals, key=lambda t: (not t.currency, -t.amount, t.currency)))


def top_at_risk(scope: EngagementFilter, today: date, limit: int = TOP_AT_RISK
                ) -> tuple[AtRisk, ...]:
    """The engagements at highest risk in scope, dependency traps first within a level."""
    level = risk_queries.level(today)
    trap = risk_queries.in_dependency_trap(today)
    # Rank on the narrow covering index first, then load only the winners' rows.
    ids = db.session.scalars(
        select(Engagement.id)
        .where(*scope.conditions(today), level > 0)
        .order_by(level.desc(), case((trap, 0), else_=1), Engagement.handover_date.is_(None),
                  Engagement.handover_date, Engagement.id)
        .limit(limit)).all()
    loaded = db.session.scalars(
        select(Engagement).where(Engagement.id.in_(ids))
        .options(selectinload(Engagement.vendor), selectinload(Engagement.flags),
                 with_expression(Engagement.risk_level, level))
        # The level is as of `today`: never keep one computed for another day in this session.
        .execution_options(populate_existing=True)).all()
    by_id = {e.id: e for e in loaded}
    engagements = [by_id[i] for i in ids if i in by_id]
    out = []
    for e in engagements:
        codes = {f.code for f in e.flags} | dated_codes(
            e.status, e.handover_date, e.open_deliverables, e.earliest_open_due, today,
            stored_exit(e))
        flags = flags_for_codes(codes)
        out.append(AtRisk(
            e.id, e.title, e.vendor.name if e.vendor else "", e.owner_name, e.status,
            Severity(e.risk_level or 0), any(f.dependency_trap for f in flags),
            e.handover_date, e.contract_value, e.currency,
            tuple(f.code for f in sorted(flags, key=lambda f: -f.severity))))
    return tuple(out)


def stored_exit(e: Engagement) -> StoredExit:
    """The stored facts the dated exit rules read, of one engagement."""
    return StoredExit(e.supports_critical_function, e.exit_plan_documented,
                      e.exit_plan_last_tested_on, e.exit_plan_next_review_on, e.successor_ready)


def filter_choices() -> tuple[list, list]:
    """Vendors and internal owners for the dashboard's filter menus."""
    vendors = db.session.execute(select(Vendor.id, Vendor.name).order_by(Vendor.name_key)
                                 .limit(1000)).all()
    # E-mail only: it comes straight from the owner index, without reading engagement rows.
    owners = db.session.scalars(
        select(Engagement.owner_email).where(Engagement.owner_email != "").distinct()
        .order_by(Engagement.owner_email).limit(1000)).all()
    return vendors, owners
