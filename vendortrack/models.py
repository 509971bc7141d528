"""Database models (SQLAlchemy 2.x typed style)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, query_expression, relationship

from .domain.spec import CODE, MEDIUM, SHORT  # text limits, shared with the form and the API
from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(db.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value



class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(SHORT))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to end every session of the user (deactivation, password change).
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # May still sign in with a password when PASSWORD_LOGIN is off (a broken provider).
    break_glass: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_method: Mapped[str | None] = mapped_column(String(20))  # SIGN_IN_METHODS

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(SHORT))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class UserSession(db.Model):
    """A signed-in browser session; the cookie holds a random secret, this row its hash.

    Signing out deletes the row, and a cookie whose row is gone opens nothing.
    """

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    method: Mapped[str] = mapped_column(String(20), default="password")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(SHORT), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    # The provider's ID token of a single sign-on: the hint for signing out there too.
    id_token_hint: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Sign-in counts shared by every worker and server: failures per account, attempts per
    client address and window (see vendortrack.auth.throttle)."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class FirstRun(db.Model):
    """One row once the first administrator exists: racing first-run setups cannot both
    insert it, so only one of them creates an administrator."""

    __tablename__ = "first_run"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Vendor(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SHORT))
    # Lower-cased name: vendor names are unique without regard to case.
    name_key: Mapped[str] = mapped_column(String(SHORT), unique=True)
    contact: Mapped[str] = mapped_column(String(MEDIUM), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Provider identity (DORA register of information): legal name, LEI, head-office country.
    legal_name: Mapped[str] = mapped_column(String(SHORT), default="")
    lei: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    # Register of information (B_05.01): the type of person, a code for a vendor without an
    # LEI (EUID, VAT, ...) and the ultimate parent undertaking's code; types are CODE_TYPES.
    person_type: Mapped[str | None] = mapped_column(String(20))
    other_code: Mapped[str] = mapped_column(String(CODE), default="")
    other_code_type: Mapped[str | None] = mapped_column(String(20))
    parent_code: Mapped[str] = mapped_column(String(CODE), default="")
    parent_code_type: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    engagements: Mapped[list[Engagement]] = relationship(back_populates="vendor")
    # Filled by queries that ask for it (with_expression), e.g. the vendor list's counts.
    engagement_count: Mapped[int | None] = query_expression()


class BusinessFunction(db.Model):
    """A business function engagements support, and how critical it is to the organisation."""

    __tablename__ = "business_function"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SHORT))
    # Lower-cased name: function names are unique without regard to case.
    name_key: Mapped[str] = mapped_column(String(SHORT), unique=True)
    criticality: Mapped[str] = mapped_column(String(20), default="not_assessed", index=True)
    criticality_reasons: Mapped[str] = mapped_column(Text, default="")
    assessed_on: Mapped[date | None] = mapped_column(Date)
    rto_hours: Mapped[int | None] = mapped_column(Integer)
    rpo_hours: Mapped[int | None] = mapped_column(Integer)
    impact: Mapped[str | None] = mapped_column(String(10))
    # The register's identifier F<number>: taken once from FunctionNumber, never reused.
    number: Mapped[int] = mapped_column(Integer, unique=True)
    licensed_activity: Mapped[str] = mapped_column(String(20), default="")  # an EBA code
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    engagements: Mapped[list[Engagement]] = relationship(back_populates="business_function")


class FunctionNumber(db.Model):
    """One row: the last function number handed out. A counter rather than max(number), so a
    deleted function's number is never given to another (SQLite can reuse a deleted id)."""

    __tablename__ = "function_number"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Engagement(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(SHORT))
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendor.id"), index=True)
    contract_reference: Mapped[str] = mapped_column(String(100), default="")
    contract_value: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3), default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    handover_date: Mapped[date | None] = mapped_column(Date, index=True)
    problem_statement: Mapped[str] = mapped_column(Text, default="")
    core_capability: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_name: Mapped[str] = mapped_column(String(SHORT), default="")
    owner_email: Mapped[str] = mapped_column(String(254), default="", index=True)

    # Exit readiness (DORA Art. 28(8), 30(3)(f); EBA/GL/2019/02 §§ 106–108).
    business_function_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_function.id"), index=True)
    notice_period_days_organisation: Mapped[int | None] = mapped_column(Integer)
    notice_period_days_provider: Mapped[int | None] = mapped_column(Integer)
    transition_period_days: Mapped[int | None] = mapped_column(Integer)
    countries_service: Mapped[list] = mapped_column(JSON, default=list)
    countries_data_storage: Mapped[list] = mapped_column(JSON, default=list)
    countries_data_processing: Mapped[list] = mapped_column(JSON, default=list)
    annual_expense: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    exit_plan_documented: Mapped[bool] = mapped_column(Boolean, default=False)
    exit_plan_summary: Mapped[str] = mapped_column(Text, default="")
    exit_plan_scenarios: Mapped[list] = mapped_column(JSON, default=list)
    exit_plan_last_tested_on: Mapped[date | None] = mapped_column(Date)
    exit_plan_last_test_result: Mapped[str | None] = mapped_column(String(20))
    exit_plan_next_review_on: Mapped[date | None] = mapped_column(Date)
    exit_plan_alternatives: Mapped[str | None] = mapped_column(String(20))
    exit_plan_alternative_providers: Mapped[list] = mapped_column(JSON, default=list)
    substitutability: Mapped[str | None] = mapped_column(String(20))
    reintegration: Mapped[str | None] = mapped_column(String(20))
    # Register of information (DORA Art. 28(3)); EBA codes only at export (domain/eba_codes).
    arrangement_type: Mapped[str | None] = mapped_column(String(20))
    overarching_reference: Mapped[str] = mapped_column(String(100), default="")
    ict_service_type: Mapped[str | None] = mapped_column(String(30))
    termination_reason: Mapped[str | None] = mapped_column(String(30))
    governing_law_country: Mapped[str] = mapped_column(String(2), default="")
    last_audit_on: Mapped[date | None] = mapped_column(Date)
    discontinuation_impact: Mapped[str | None] = mapped_column(String(20))
    non_substitutability_reason: Mapped[str | None] = mapped_column(String(20))
    stores_data: Mapped[str | None] = mapped_column(String(3))

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    # Stored on every save (see vendortrack.risk_queries): the undated part of the assessment
    # and the deliverable facts the dated rules need, so lists and the dashboard filter in SQL.
    risk_undated_level: Mapped[int] = mapped_column(Integer, default=0, index=True)
    risk_undated_trap: Mapped[bool] = mapped_column(Boolean, default=False)
    open_deliverables: Mapped[int] = mapped_column(Integer, default=0)
    earliest_open_due: Mapped[date | None] = mapped_column(Date)  # see ix_engagement_overdue_cover
    # Facts the dated exit rules need: the function's criticality (refreshed when the function
    # changes) and whether a successor has attested all four abilities.
    supports_critical_function: Mapped[bool] = mapped_column(Boolean, default=False)
    successor_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    reintegration_suggested: Mapped[str] = mapped_column(String(20), default="highly_complex")

    # The risk level on the day of the query, filled with with_expression(risk_queries.level).
    risk_level: Mapped[int | None] = query_expression()

    vendor: Mapped[Vendor | None] = relationship(back_populates="engagements")
    business_function: Mapped[BusinessFunction | None] = relationship(
        back_populates="engagements")
    created_by: Mapped[User | None] = relationship()
    metrics: Mapped[list[Metric]] = relationship(
        back_populates="engagement", order_by="Metric.position", cascade="all, delete-orphan")
    constraints: Mapped[list[HardConstraint]] = relationship(
        back_populates="engagement", order_by="HardConstraint.position",
        cascade="all, delete-orphan")
    tradeoffs: Mapped[list[TradeoffRule]] = relationship(
        back_populates="engagement", order_by="TradeoffRule.position",
        cascade="all, delete-orphan")
    people: Mapped[list[EngagementPerson]] = relationship(
        back_populates="engagement", order_by="EngagementPerson.position",
        cascade="all, delete-orphan")
    deliverables: Mapped[list[Deliverable]] = relationship(
        back_populates="engagement", order_by="Deliverable.position",
        cascade="all, delete-orphan")
    flags: Mapped[list[EngagementFlag]] = relationship(
        back_populates="engagement", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_engagement_status_vendor", "status", "vendor_id"),
        # Cover the columns the dashboard's aggregates read (migrations 0002, 0011, 0013); an
        # owner's few hundred engagements come through ix_engagement_owner_email instead.
        Index("ix_engagement_dashboard", "vendor_id", "status", "risk_undated_level",
              "risk_undated_trap", "handover_date", "earliest_open_due", "open_deliverables",
              "currency", "contract_value", "supports_critical_function",
              "exit_plan_documented", "exit_plan_last_tested_on", "exit_plan_next_review_on",
              "successor_ready"),
        # The exit panel's engagements (critical functions only) and what it reads (0011).
        Index("ix_engagement_critical_cover", "status", "vendor_id", "substitutability",
              "reintegration", "reintegration_suggested", "exit_plan_documented",
              "exit_plan_last_tested_on", "handover_date", "successor_ready", "owner_email",
              "supports_critical_function", "id",
              postgresql_where=text("supports_critical_function"),
              sqlite_where=text("supports_critical_function = 1")),
        Index("ix_engagement_handover_cover", "handover_date", "status", "open_deliverables",
              "vendor_id", "owner_email"),
        Index("ix_engagement_overdue_cover", "earliest_open_due", "status", "vendor_id",
              "owner_email"),
        Index("ix_engagement_updated_at", "updated_at"),  # the list's default order
        # Migration 0008_perf_indexes:
        Index("ix_engagement_title_order", "title", "id"),  # sort=title
        Index("ix_engagement_currency_order", "currency", "updated_at"),  # currency=…
        Index("ix_engagement_open_deliverables", "open_deliverables"),  # open_kt=1, counted
        # Migration 0011_perf_more:
        Index("ix_engagement_status_updated", "status", "updated_at", "id"),  # status=…
    )

    @property
    def successors(self) -> list[EngagementPerson]:
        return [p for p in self.people if p.kind == "successor"]

    @property
    def upskilling(self) -> list[EngagementPerson]:
        return [p for p in self.people if p.kind == "upskilling"]


# Trigram indexes for the list's search on PostgreSQL (migration 0004); kept out of the
# metadata because SQLite has no such index.
POSTGRESQL_SEARCH_INDEXES = frozenset(
    f"ix_engagement_{column}_trgm"
    for column in ("title", "contract_reference", "owner_name", "owner_email"))
# SQLite's trigram index for the same search (migration 0016): an FTS5 table (and the shadow
# tables SQLite keeps for it, named after it), also kept out of the metadata.
SQLITE_SEARCH_TABLE = "engagement_search"


def outside_the_models(name: str, kind: str) -> bool:
    """The migrations' own search indexes and tables, which the models leave out."""
    return ((kind == "index" and name in POSTGRESQL_SEARCH_INDEXES)
            or (kind == "table" and name.startswith(SQLITE_SEARCH_TABLE)))


class Metric(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(SHORT), default="")
    baseline: Mapped[str] = mapped_column(String(SHORT), default="")
    target: Mapped[str] = mapped_column(String(SHORT), default="")
    unit: Mapped[str] = mapped_column(String(SHORT), default="")
    measurement: Mapped[str] = mapped_column(String(MEDIUM), default="")

    engagement: Mapped[Engagement] = relationship(back_populates="metrics")


class HardConstraint(db.Model):
    __tablename__ = "hard_constraint"
    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(MEDIUM), default="")

    engagement: Mapped[Engagement] = relationship(back_populates="constraints")


class TradeoffRule(db.Model):
    __tablename__ = "tradeoff_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    rule: Mapped[str] = mapped_column(String(MEDIUM), default="")
    decided_by: Mapped[str] = mapped_column(String(SHORT), default="")

    engagement: Mapped[Engagement] = relationship(back_populates="tradeoffs")


class EngagementPerson(db.Model):
    """A successor (runs the result after handover) or someone upskilling alongside."""

    __tablename__ = "engagement_person"
    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(SHORT), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # A successor's own attestation (or the internal owner's on their behalf).
    can_operate: Mapped[bool] = mapped_column(Boolean, default=False)
    can_maintain: Mapped[bool] = mapped_column(Boolean, default=False)
    can_extend: Mapped[bool] = mapped_column(Boolean, default=False)
    can_explain: Mapped[bool] = mapped_column(Boolean, default=False)
    attested_on: Mapped[date | None] = mapped_column(Date)
    attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    engagement: Mapped[Engagement] = relationship(back_populates="people")
    attested_by: Mapped[User | None] = relationship()


class Deliverable(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(30), default="documentation")
    title: Mapped[str] = mapped_column(String(SHORT), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    acceptance_criteria: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    engagement: Mapped[Engagement] = relationship(back_populates="deliverables")
    decided_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_deliverable_status_due", "status", "due_date"),)


class EngagementFlag(db.Model):
    """An undated risk flag as of the engagement's last save (dated flags are computed in SQL)."""

    __tablename__ = "engagement_flag"
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)

    engagement: Mapped[Engagement] = relationship(back_populates="flags")

    __table_args__ = (Index("ix_engagement_flag_code", "code", "engagement_id"),)


class Annex(db.Model):
    """An issued contract annex: frozen snapshot and the PDF rendered from it, never changed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[str] = mapped_column(Text)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The engagement's version the snapshot froze (NULL for annexes issued before migration
    # 0012: their "annex.issue" history event tells it).
    engagement_version: Mapped[int | None] = mapped_column(Integer)

    issued_by: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("engagement_id", "number",
                                       name="uq_annex_engagement_number"),)


class AuditEvent(db.Model):
    """Append-only history: who did what, when, with field-level changes as JSON."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    engagement_id: Mapped[int | None] = mapped_column(ForeignKey("engagement.id"), index=True)
    business_function_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_function.id"), index=True)
    subject: Mapped[str] = mapped_column(String(SHORT), default="")
    engagement_version: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[str] = mapped_column(Text, default="[]")

    user: Mapped[User | None] = relationship()
    engagement: Mapped[Engagement | None] = relationship()
    business_function: Mapped[BusinessFunction | None] = relationship()


@event.listens_for(Session, "before_flush")
def _history_is_append_only(session, flush_context, instances):
    """History rows are written once: changing or deleting one is a programming error."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("the history is append-only")


# --- reminders: follows, notifications, digests, calendar feeds (issue 12) ----------------

class Follow(db.Model):
    """Someone who wants to hear about an engagement they do not own."""

    __tablename__ = "follow"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderSettings(db.Model):
    """A person's digest choice, leadership summary opt-in and calendar-feed secret."""

    __tablename__ = "reminder_settings"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    digest: Mapped[str] = mapped_column(String(10), default="daily")  # daily, weekly, off
    weekly_summary: Mapped[bool] = mapped_column(Boolean, default=False)
    calendar_secret: Mapped[str | None] = mapped_column(String(64), unique=True)


class Digest(db.Model):
    """One e-mail to one person for one period, claimed (inserted) before it is sent."""

    __tablename__ = "digest"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # daily, weekly, summary
    period: Mapped[str] = mapped_column(String(20))  # 2026-11-26 or 2026-W48
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    items: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("user_id", "kind", "period",
                                       name="uq_digest_user_kind_period"),)


class Notification(db.Model):
    """One reminder for one person; ``key`` (person, rule, subject, threshold) is unique."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    rule: Mapped[str] = mapped_column(String(40))
    engagement_id: Mapped[int | None] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(String(MEDIUM))
    link: Mapped[str] = mapped_column(String(500), default="")
    on_date: Mapped[date | None] = mapped_column(Date)  # the due, handover or contract-end date
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digest.id", ondelete="SET NULL"))

    engagement: Mapped[Engagement | None] = relationship()

    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_user_emailed", "user_id", "emailed_at"),
    )


class ReminderRun(db.Model):
    """A day the reminder job covered (the next run catches up from here)."""

    __tablename__ = "reminder_run"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notifications: Mapped[int] = mapped_column(Integer, default=0)
    # The weekly mail was due on this run and did not all go out (the SMTP server was
    # unavailable or refused the sender): the next run in the same ISO week sends it.
    weekly_mail_owed: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())


class TrapState(db.Model):
    """The dependency-trap flags the reminder job last saw on an engagement."""

    __tablename__ = "reminder_trap_state"
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), primary_key=True)
    codes: Mapped[str] = mapped_column(String(500), default="")
    trapped_since: Mapped[date | None] = mapped_column(Date)


# --- register of information (issue 14) ---------------------------------------------------

class OrganisationSettings(db.Model):
    """One row: the filing organisation as an administrator set it on the admin page.

    A value left empty (NULL) falls back to its ORGANISATION_* setting, so the page wins over
    the environment only for what an administrator actually saved (README, "Register of
    Information export").
    """

    __tablename__ = "organisation_settings"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lei: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    consolidated: Mapped[bool | None] = mapped_column(Boolean)
    base_currency: Mapped[str | None] = mapped_column(String(3))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()


class DataVersion(db.Model):
    """One row whose ``version`` grows with every committed write to the tables the dashboard
    reads, bumped by database triggers (migration 0013), whoever writes; the dashboard keeps
    its figures while it stays the same (:mod:`vendortrack.dashboard.cache`)."""

    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
