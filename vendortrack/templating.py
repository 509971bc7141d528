"""Template filters and globals: dates and money as people read them, role helpers."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from flask import Flask, current_app, g, request, url_for
from flask_login import current_user
from markupsafe import Markup

from . import permissions
from .clock import today
from .domain import vocabulary
from .domain.eba_codes import LICENSED_ACTIVITIES
from .domain.identity import country_name
from .domain.risk import RULES_BY_CODE, Severity, is_overdue
from .domain.spec import SCALAR_FIELDS, annex_fields, fields_in
from .domain.text import days_away, plural

LOCALE = "en_GB"
LEVEL_LABELS = {0: "No risk", 1: "Low", 2: "Medium", 3: "High"}
# A risk level's badge (a list page shows one per row: built once, not by a macro per row).
RISK_BADGES = {
    level: Markup('<span class="badge risk-{code}"><span class="badge-icon" aria-hidden="true">'
                  '{icon}</span>{label}{risk}</span>').format(
        code=code, icon=icon, label=LEVEL_LABELS[level],
        risk=Markup('<span class="visually-hidden"> risk</span>') if level else "")
    for level, (code, icon) in enumerate(
        (("none", "✓"), ("low", "▽"), ("medium", "◆"), ("high", "▲")))
}


def risk_badge(level) -> Markup:
    """The badge of risk level ``level`` (0 no risk … 3 high; None counts as 0)."""
    return RISK_BADGES[int(level or 0)]


@lru_cache(maxsize=64)
def status_badge(status: str) -> Markup:
    """The badge of an engagement status."""
    return Markup('<span class="badge status status-{0}">{1}</span>').format(
        status, vocabulary.STATUSES.get(status, status))


def engagement_path(engagement_id: int) -> str:
    """``url_for("engagements.show", engagement_id=…)`` for pages that link many rows: the
    route is built once per request and the id appended."""
    prefix = g.get("engagement_path_prefix")
    if prefix is None:
        prefix = g.engagement_path_prefix = url_for("engagements.show", engagement_id=0)[:-1]
    return f"{prefix}{int(engagement_id)}"

# The history shows a stored choice in people's words: the vocabulary of each field holding one.
VALUE_LABELS = {
    **{f.name: f.choices for f in SCALAR_FIELDS if f.kind == "choice"},
    "criticality": vocabulary.CRITICALITY, "impact": vocabulary.IMPACTS,
    "person_type": vocabulary.PERSON_TYPES, "other_code_type": vocabulary.CODE_TYPES,
    "parent_code_type": vocabulary.CODE_TYPES, "licensed_activity": LICENSED_ACTIVITIES,
}


def human_date(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "d MMM y, HH:mm", locale=LOCALE, tzinfo=None)
    return _format_date(value, fmt)


# Babel is slow per call and a page repeats the same dates and amounts; both are pure.
@lru_cache(maxsize=4096)
def _format_date(value: date, fmt: str) -> str:
    return format_date(value, fmt, locale=LOCALE)


@lru_cache(maxsize=4096)
def money(value: Decimal | None, currency: str | None) -> str:
    if value is None:
        return ""
    if currency:
        return format_currency(value, currency, locale=LOCALE)
    return format_decimal(value, locale=LOCALE)


def relative_days(value: date | None) -> str:
    """'in 5 days', 'today', '3 days ago' relative to the app's today."""
    if value is None:
        return ""
    return days_away((value - today()).days)


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def field_attributes(field, **given) -> dict:
    """The attributes the ``render_field`` macro gives a field's input: what describes it (its
    help, its error) and whether it is invalid, and those of ``given`` (list, rows, type,
    autofocus, ...) that are set. One call instead of a template statement per attribute."""
    attributes = {name: value for name, value in given.items() if value}
    described = [f"{field.id}-help"] if field.description else []
    if field.errors:
        described.append(f"{field.id}-error")
        attributes["aria-invalid"] = "true"
    if described:
        attributes["aria-describedby"] = " ".join(described)
    return attributes


NAV = (
    ("reminders.my_work", "My work", None),
    ("dashboard.index", "Dashboard", None),
    ("engagements.index", "Engagements", None),
    ("vendors.index", "Vendors", None),
    ("imports.upload", "Import", permissions.IMPORT_ROLES),
    ("functions.index", "Functions", None),
    ("register.index", "Register", permissions.ROI_ROLES),
    ("admin.users", "Users", {"admin"}),
    ("admin.history", "History", {"admin"}),
    ("admin.tokens", "Tokens", {"admin"}),
)


def nav_items() -> list[tuple[str, str]]:
    """Navigation for the signed-in user's role (areas not yet built are skipped)."""
    return [(endpoint, label) for endpoint, label, roles in NAV
            if endpoint in current_app.view_functions
            and (roles is None or current_user.role in roles)]


def init_app(app: Flask) -> None:
    # `{{ count|plural('deliverable') }}`: "1 deliverable", "3 deliverables".
    app.jinja_env.filters.update(human_date=human_date, money=money,
                                 relative_days=relative_days, plural=plural)
    app.jinja_env.globals.update(
        url_with=url_with, nav_items=nav_items, risk_badge=risk_badge,
        field_attributes=field_attributes,
        status_badge=status_badge, engagement_path=engagement_path,
        LEVEL_LABELS=LEVEL_LABELS, RULES_BY_CODE=RULES_BY_CODE, Severity=Severity,
        spec_fields=fields_in, annex_fields=annex_fields, country_name=country_name,
        LICENSED_ACTIVITIES=LICENSED_ACTIVITIES, VALUE_LABELS=VALUE_LABELS,
        **{name: getattr(vocabulary, name) for name in (
            "STATUSES", "ROLES", "DELIVERABLE_KINDS", "DELIVERABLE_STATUSES",
            "COMMON_CURRENCIES", "FIELD_LABELS", "SECTION_LABELS", "COLUMN_LABELS",
            "HISTORY_LABELS", "CRITICALITY", "IMPACTS", "ABILITIES", "SUBSTITUTABILITY",
            "REINTEGRATION", "EXIT_SCENARIOS", "EXIT_TEST_RESULTS", "ALTERNATIVES",
            "TERMINATION_REASONS", "PERSON_TYPES", "CODE_TYPES")},
    )

    # `{% if deliverable is overdue(engagement.status) %}`: the rule of domain.risk, as of today.
    app.jinja_env.tests["overdue"] = lambda d, status: is_overdue(d, status, today())
    app.jinja_env.globals["can_attest_readiness"] = (
        lambda person: permissions.can_attest_readiness(current_user, person))
    app.jinja_env.globals["can_edit_engagement"] = (
        lambda e: permissions.can_edit_engagement(current_user, e))

    @app.context_processor
    def role_helpers():
        return {
            "today": today(),
            "can_create_engagement": permissions.can_create_engagement(current_user),
            "can_issue_annex": permissions.can_issue_annex(current_user),
            "can_manage_vendors": permissions.can_manage_vendors(current_user),
            "can_manage_functions": permissions.can_manage_functions(current_user),
            "organisation_name": app.config["ORGANISATION_NAME"],
        }
