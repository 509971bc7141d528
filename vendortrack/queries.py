"""Reading engagements, shared by the pages, the API, the annexes and the dashboard: one
engagement with its rows (or a 404), and the filtered, sorted list."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, fields
from datetime import date, timedelta
from functools import cache, cached_property, lru_cache

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, String, and_, bindparam, func, inspect, or_, select
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.orm import contains_eager, joinedload, load_only, selectinload, with_expression
from sqlalchemy.orm.attributes import set_committed_value

from . import risk_queries
from .domain.risk import RULES_BY_CODE, Severity
from .domain.text import clean_text, whole_number
from .domain.vocabulary import CRITICALITY, REINTEGRATION, STATUSES, SUBSTITUTABILITY
from .errors import http_error
from .extensions import db, triggers_named
from .models import SQLITE_SEARCH_TABLE, AuditEvent, BusinessFunction, Engagement, Vendor

log = logging.getLogger(__name__)

# Everything an engagement's spec is made of: load it with the engagement, not row by row.
# The vendor and the business function come in the same query (joins); each list of rows
# costs one query, so the stored flags, which only a save reads (services.refresh_risk), are
# left to load then.
SPEC_LISTS = (
    selectinload(Engagement.metrics), selectinload(Engagement.constraints),
    selectinload(Engagement.tradeoffs), selectinload(Engagement.people),
    selectinload(Engagement.deliverables),
)
WITH_SPEC_ROWS = (joinedload(Engagement.vendor), joinedload(Engagement.business_function),
                  *SPEC_LISTS)

SORTS = {
    "updated": (Engagement.updated_at.desc(), Engagement.id.desc()),
    "title": (Engagement.title, Engagement.id),
    "vendor": (Vendor.name_key, Engagement.id),
    "status": (Engagement.status, Engagement.id),
    "handover": (Engagement.handover_date.is_(None), Engagement.handover_date, Engagement.id),
    "risk": None,  # needs today; built in EngagementFilter.statement
}
LEVEL_CODES = {s.code: s for s in Severity}
MAX_PAGE = 1_000_000


# One engagement: its lists of rows load on first use, one query each as with selectinload,
# but a lazy load reuses one cached statement while selectinload builds and keys a new one
# each time (a third of the engagement page's time). Many engagements: WITH_SPEC_ROWS.
ONE_ENGAGEMENT = (joinedload(Engagement.vendor), joinedload(Engagement.business_function))
_ONE_ENGAGEMENT_BY_ID = (select(Engagement).where(Engagement.id == bindparam("engagement_id"))
                         .options(*ONE_ENGAGEMENT))


# The engagement's relationships holding its spec's lists of rows ("flags", the stored flags,
# is one more list, which only a save reads).
SPEC_ROW_LISTS = ("metrics", "constraints", "tradeoffs", "people", "deliverables")


@cache
def _row_list(name: str) -> Select:
    """The statement a lazy load of the engagement's ``name`` rows emits, in its order."""
    relationship = Engagement.__mapper__.relationships[name]
    row = relationship.mapper.class_
    return (select(row).where(row.engagement_id == bindparam("engagement_id"))
            .order_by(*(relationship.order_by or ())))


def load_row_lists(engagement: Engagement, names: tuple[str, ...] = SPEC_ROW_LISTS) -> None:
    """Read those of the engagement's lists of rows ``names`` not loaded yet, one query each,
    as lazy loads would but in about half their time (a lazy load's own machinery costs as
    much as its query; the edit form and its save read every list)."""
    loaded = inspect(engagement).dict
    for name in names:
        if name not in loaded:
            set_committed_value(engagement, name, db.session.scalars(
                _row_list(name), {"engagement_id": engagement.id}).all())


def load_engagement(engagement_id: int) -> Engagement | None:
    """The engagement with its vendor and business function (its rows load when read), or
    None."""
    return db.session.scalar(_ONE_ENGAGEMENT_BY_ID, {"engagement_id": engagement_id})


RECENT_HISTORY = 20  # events on the engagement page; all of them on its history page
HISTORY_PAGE = 50
_HISTORY = (select(AuditEvent).where(AuditEvent.engagement_id == bindparam("engagement_id"))
            .options(joinedload(AuditEvent.user)).order_by(AuditEvent.id.desc()))
_RECENT_HISTORY = _HISTORY.limit(RECENT_HISTORY + 1)  # one more: are there older ones?


def recent_history(engagement_id: int) -> tuple[list[AuditEvent], bool]:
    """The engagement's latest :data:`RECENT_HISTORY` events, newest first, with who made
    them, and whether it has older ones."""
    events = list(db.session.scalars(_RECENT_HISTORY, {"engagement_id": engagement_id}))
    return events[:RECENT_HISTORY], len(events) > RECENT_HISTORY


def engagement_history(engagement_id: int, page: int):
    """One page of the engagement's whole history, newest first (``db.paginate``)."""
    return db.paginate(_HISTORY.params(engagement_id=engagement_id), page=page,
                       per_page=HISTORY_PAGE, error_out=False)


def with_changes(events) -> list[tuple[AuditEvent, list]]:
    """History events beside their field-level changes, read from JSON, as the timelines
    show them (``engagements/_timeline.html``, ``_changes.html``)."""
    return [(event, json.loads(event.changes)) for event in events]


def engagement_or_404(engagement_id: int) -> Engagement:
    """The engagement with its vendor and business function (its rows load when read, see
    :func:`load_engagement`); a 404 (page or JSON) saying so when there is none."""
    engagement = load_engagement(engagement_id)
    if engagement is None:
        raise http_error(404, f"There is no engagement {engagement_id}.")
    return engagement


def page_number(value: str | None) -> int | None:
    """A page number from a query argument, or None when it is not one (1 … MAX_PAGE)."""
    if value is None or value == "":
        return 1
    return whole_number(value, 1, MAX_PAGE)


SEARCH_TRIGGERS = frozenset(f"{SQLITE_SEARCH_TABLE}_{event}"
                            for event in ("insert", "update", "delete"))
MIN_INDEXED = 3  # characters: a trigram index finds nothing shorter
# What a search reads on the engagement (the vendor's name besides); the index holds these.
SEARCHED_COLUMNS = (Engagement.title, Engagement.contract_reference, Engagement.owner_name,
                    Engagement.owner_email)
_search_index: dict[str, bool] = {}
_SEARCH_MATCHES = (select(sql_column("rowid")).select_from(sql_table(SQLITE_SEARCH_TABLE))
                   .where(sql_column(SQLITE_SEARCH_TABLE).op("MATCH")(
                       bindparam("phrase", type_=String))))


def sqlite_search_index() -> bool:
    """Whether this SQLite database has the search table and the triggers that keep it in step
    (migration 0016); looked up once per database. Without them searches scan every row."""
    url = str(db.engine.url)
    if url not in _search_index:
        connection = db.session.connection()
        _search_index[url] = (
            inspect(connection).has_table(SQLITE_SEARCH_TABLE)
            and triggers_named(connection, SQLITE_SEARCH_TABLE) >= SEARCH_TRIGGERS)
        if not _search_index[url]:
            log.warning("search: the database lacks %s or its triggers (run `flask db "
                        "upgrade`); searches scan every engagement", SQLITE_SEARCH_TABLE)
    return _search_index[url]


def _text_contains(q: str, like: str):
    """The engagement's title, contract reference or internal owner contains ``q`` (any case):
    on SQLite, from the trigram index for three characters or more (the phrase matches
    consecutive trigrams, so exactly the text anywhere, ``%`` and ``_`` as typed; its case
    folding covers accented letters too, as PostgreSQL's ILIKE does); otherwise LIKE."""
    if (len(q) >= MIN_INDEXED and db.session.get_bind().dialect.name == "sqlite"
            and sqlite_search_index()):
        phrase = '"' + q.replace('"', '""') + '"'
        return Engagement.id.in_(_SEARCH_MATCHES.params(phrase=phrase))
    return or_(*(_contains(column, like) for column in SEARCHED_COLUMNS))


def _contains(column, pattern: str):
    """``column`` matches the lower-case LIKE ``pattern`` whatever the case: ILIKE on PostgreSQL
    (its trigram indexes serve it). SQLite's LIKE already ignores ASCII case, the only case its
    ``lower()`` knows without ICU, so ``ilike``'s ``lower()`` on every row only cost time: a
    three times slower count for a search over 10,000 engagements."""
    if db.session.get_bind().dialect.name == "sqlite":
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


@dataclass
class EngagementFilter:
    """The list's filters, parsed from query arguments; unknown values are ignored."""

    q: str = ""
    status: str = ""
    vendor: int | None = None
    owner: str = ""
    risk: str = ""
    flag: str = ""
    trap: bool = False
    handover_within: int | None = None
    handover_month: str = ""
    currency: str = ""  # an ISO 4217 code, or "none" for engagements without one
    open_kt: bool = False  # some knowledge-transfer deliverable is not yet accepted
    function: int | None = None  # the business function supported
    criticality: str = ""  # of the business function supported
    substitutability: str = ""  # as assessed, or "none" when not assessed
    reintegration: str = ""  # as assessed by people, or "none" when not assessed
    suggested: str = ""  # reintegration as the evidence suggests
    sort: str = "updated"

    @classmethod
    def from_args(cls, args) -> EngagementFilter:
        def integer(name, lo=0, hi=10**9):
            value = args.get(name, "")
            return whole_number(value, lo, hi)

        status = args.get("status", "")
        risk = args.get("risk", "")
        flag = args.get("flag", "")
        sort = args.get("sort", "updated")
        month = args.get("handover_month", "")
        currency = args.get("currency", "").strip()
        return cls(
            q=clean_text(args.get("q", ""))[:200],
            status=status if status in STATUSES or status == "open" else "",
            vendor=integer("vendor"),
            owner=clean_text(args.get("owner", "")).lower()[:254],
            risk=risk if risk in LEVEL_CODES else "",
            flag=flag if flag in RULES_BY_CODE else "",
            trap=args.get("trap") in ("1", "true", "yes"),
            handover_within=integer("handover_within", 0, 3660),
            handover_month=month if _is_month(month) else "",
            currency=currency if _is_currency(currency) else "",
            open_kt=args.get("open_kt") in ("1", "true", "yes"),
            function=integer("function"),
            criticality=_code(args.get("criticality", ""), CRITICALITY),
            substitutability=_code(args.get("substitutability", ""), SUBSTITUTABILITY, "none"),
            reintegration=_code(args.get("reintegration", ""), REINTEGRATION, "none"),
            suggested=_code(args.get("suggested", ""), REINTEGRATION),
            sort=sort if sort in SORTS else "updated",
        )

    def args(self, **overrides) -> dict:
        """Query arguments reproducing this filter (for links and pagination)."""
        out = {}
        values = self.__dict__
        for name in _FILTER_FIELDS:  # a dashboard asks a few thousand times per page
            value = overrides[name] if name in overrides else values[name]
            if value not in ("", None, False) and not (name == "sort" and value == "updated"):
                out[name] = "1" if value is True else value
        return out

    @property
    def active(self) -> bool:
        return bool(self.args(sort="updated"))

    def conditions(self, today: date) -> list:
        return [*self._who_and_what(), *self._risk(today), *self._dates(today),
                *self._exit_conditions()]

    @property
    def _like(self) -> str:
        """``q`` as a LIKE pattern: anywhere in the text, its ``%`` and ``_`` as typed."""
        escaped = self.q.lower().replace("\\", "\\\\").replace("%", "\\%")
        return "%" + escaped.replace("_", "\\_") + "%"

    @cached_property
    def _vendor_ids_matching_q(self) -> list[int]:
        # Looked up once per filter (a filter lives for one request): the page's rows and
        # its count both need them.
        return list(db.session.scalars(select(Vendor.id).where(
            Vendor.name_key.like(self._like, escape="\\"))))

    def _who_and_what(self) -> list:
        conds = []
        if self.q:
            like = self._like
            conds.append(or_(
                _text_contains(self.q, like),
                # The matching vendors' ids, looked up first (a small table): a condition on
                # the engagement itself lets PostgreSQL combine the alternatives' indexes
                # (trigram indexes, migration 0004) instead of testing every row.
                Engagement.vendor_id.in_(self._vendor_ids_matching_q),
            ))
        if self.status == "open":
            conds.append(Engagement.status != "closed")
        elif self.status:
            conds.append(Engagement.status == self.status)
        if self.vendor is not None:
            conds.append(Engagement.vendor_id == self.vendor)
        if self.owner:
            conds.append(Engagement.owner_email == self.owner)
        if self.currency:
            conds.append(Engagement.currency == ("" if self.currency == "none" else self.currency))
        return conds

    def _risk(self, today: date) -> list:
        conds = []
        if self.risk:
            conds.append(risk_queries.level_is(LEVEL_CODES[self.risk], today))
        if self.flag:
            conds.append(risk_queries.has_flag(self.flag, today))
        if self.trap:
            conds.append(risk_queries.in_dependency_trap(today))
        if self.open_kt:
            conds.append(Engagement.open_deliverables > 0)
        return conds

    def _dates(self, today: date) -> list:
        conds = []
        if self.handover_within is not None:
            conds.append(and_(Engagement.status != "closed",
                              Engagement.handover_date >= today,
                              Engagement.handover_date
                              <= today + timedelta(days=self.handover_within)))
        if self.handover_month:
            start = date.fromisoformat(self.handover_month + "-01")
            end = (start + timedelta(days=32)).replace(day=1)
            conds.append(and_(Engagement.status != "closed", Engagement.handover_date >= start,
                              Engagement.handover_date < end))
        return conds

    def _exit_conditions(self) -> list:
        conds = []
        if self.function is not None:
            conds.append(Engagement.business_function_id == self.function)
        if self.criticality == "critical":
            conds.append(Engagement.supports_critical_function)  # kept right on every change
        elif self.criticality:
            conds.append(Engagement.business_function_id.in_(
                select(BusinessFunction.id)
                .where(BusinessFunction.criticality == self.criticality)))
        for column, wanted in ((Engagement.substitutability, self.substitutability),
                               (Engagement.reintegration, self.reintegration)):
            if wanted:
                conds.append(column.is_(None) if wanted == "none" else column == wanted)
        if self.suggested:
            conds.append(Engagement.reintegration_suggested == self.suggested)
        return conds

    def statement(self, today: date) -> Select:
        """The matching engagements in list order, each with its vendor and risk level."""
        return self._ordered(select(Engagement), today).options(*_LIST_ROW(today))

    def ids(self, today: date) -> Select:
        """Only the ids, in list order. Narrow rows let the database sort on an index (or a
        few bytes a row) instead of whole engagements; :func:`list_rows` loads the page."""
        return self._ordered(select(Engagement.id), today)

    @property
    def sorts_on_an_index(self) -> bool:
        """The default order walks ix_engagement_updated_at: the first page costs 25 rows."""
        return self.sort == "updated"

    def _ordered(self, stmt: Select, today: date) -> Select:
        level = risk_queries.level(today)
        order = SORTS[self.sort] or (level.desc(), Engagement.updated_at.desc(), Engagement.id)
        return (stmt.outerjoin(Vendor, Engagement.vendor_id == Vendor.id)
                .where(*self.conditions(today)).order_by(*order))


_FILTER_FIELDS = tuple(f.name for f in fields(EngagementFilter))


@lru_cache(maxsize=8)  # loader options never change once built: one set per day
def _LIST_ROW(today: date) -> tuple:  # noqa: N802 (loader options, like WITH_SPEC_ROWS)
    # The vendor is joined already (search and sort read it): no second query.
    return (contains_eager(Engagement.vendor),
            with_expression(Engagement.risk_level, risk_queries.level(today)))


# What a row of the list page shows (templates/engagements/index.html): only these columns
# are read (an engagement has fifty, some of them JSON); reading another one is an error, not
# a query per row.
LIST_PAGE_COLUMNS = (
    load_only(Engagement.id, Engagement.title, Engagement.contract_reference,
              Engagement.owner_name, Engagement.status, Engagement.handover_date,
              raiseload=True),
    contains_eager(Engagement.vendor).load_only(Vendor.id, Vendor.name, raiseload=True),
)


def list_rows(ids: list[int], today: date) -> list[Engagement]:
    """The engagements ``ids`` (one page of :meth:`EngagementFilter.ids`), in that order."""
    loaded = db.session.scalars(
        select(Engagement).outerjoin(Vendor, Engagement.vendor_id == Vendor.id)
        .where(Engagement.id.in_(ids)).options(*_LIST_ROW(today), *LIST_PAGE_COLUMNS)
        # The level is as of `today`: never keep one computed for another day in this session.
        .execution_options(populate_existing=True)).all()
    by_id = {engagement.id: engagement for engagement in loaded}
    return [by_id[i] for i in ids if i in by_id]


class _EngagementPages(SelectPagination):
    """Pages of the list, counted as ``count(*)`` of the engagements matching the filters (the
    default counts a subquery of the whole statement: every column, the vendor join, the
    risk level). The vendor join is on its primary key, so it never changes the count."""

    def _query_count(self) -> int:
        filters, today = self._query_args["filters"], self._query_args["today"]
        return self._query_args["session"].scalar(
            select(func.count()).select_from(Engagement).where(*filters.conditions(today)))


class _HighestLevelFirst(_EngagementPages):
    """``sort=risk``, first page: level by level from the highest, each level's most recently
    updated engagements read by walking ix_engagement_updated_at until the page is full.

    The level depends on today, so no index holds it; the whole-list order needs the level of
    every row, while the first page (the one people open) usually fills from the highest level
    after a few dozen rows. Other pages take the whole-list order.
    """

    def _query_items(self) -> list:
        if self.page != 1:
            return super()._query_items()
        filters, today = self._query_args["filters"], self._query_args["today"]
        ids: list[int] = []
        for severity in sorted(Severity, reverse=True):
            if len(ids) == self.per_page:
                break
            ids += db.session.scalars(
                select(Engagement.id).outerjoin(Vendor, Engagement.vendor_id == Vendor.id)
                .where(*filters.conditions(today), risk_queries.level_is(severity, today))
                .order_by(Engagement.updated_at.desc(), Engagement.id)
                .limit(self.per_page - len(ids))).all()
        return ids


def list_page(filters: EngagementFilter, today: date, page: int, per_page: int):
    """One page of the list (a Flask-SQLAlchemy pagination), read the cheaper way round."""
    def pages(kind, statement):
        return kind(select=statement, session=db.session(), page=page, per_page=per_page,
                    max_per_page=None, error_out=False, filters=filters, today=today)

    if filters.sorts_on_an_index:
        return pages(_EngagementPages, filters.statement(today).options(*LIST_PAGE_COLUMNS))
    pagination = pages(_HighestLevelFirst if filters.sort == "risk" else _EngagementPages,
                       filters.ids(today))
    pagination.items = list_rows(list(pagination.items), today)
    return pagination


def _code(value: str, vocabulary: dict, *extra: str) -> str:
    return value if value in vocabulary or value in extra else ""


def _is_month(value: str) -> bool:
    try:
        first = date.fromisoformat(value + "-01")
    except ValueError:
        return False
    return len(value) == 7 and first < date(9999, 12, 1)  # its month must have an end


def _is_currency(value: str) -> bool:
    return value == "none" or (len(value) == 3 and value.isascii() and value.isalpha()
                               and value.isupper())
