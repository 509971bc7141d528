"""Where each pre-flight finding is fixed: the form field that holds the value, as a link
(``/engagements/7/edit#notice_period_days-organisation``), and whether the person may use it.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from ..domain import spec as specs
from ..domain.register_of_information import Finding
from ..domain.vocabulary import FIELD_LABELS, ORGANISATION_LABELS, OTHER_CHANGE_LABELS
from ..models import User
from ..permissions import can_edit_engagement, can_manage_functions, can_manage_vendors
from .source import EngagementOwner


def engagement_field_ids() -> dict[str, str]:
    """Engagement column → id of its form field. A nested spec field's part is stored in the
    column ``<field>_<part>`` and rendered with the id ``<field>-<part>`` (WTForms)."""
    ids = {"owner_name": "owner_name", "owner_email": "owner_email"}
    for field in specs.SCALAR_FIELDS:
        if field.kind == "object":
            ids.update({f"{field.name}_{part.name}": f"{field.name}-{part.name}"
                        for part in field.subfields()})
        elif field.kind != "person":
            ids[field.name] = field.name
    return ids


ENGAGEMENT_FIELD_IDS = engagement_field_ids()


def field_label(kind: str, field: str) -> str:
    """The field's name as the form shows it."""
    if kind == "engagement":
        anchor = ENGAGEMENT_FIELD_IDS.get(field, field)
        label = FIELD_LABELS.get(anchor.replace("-", "."))
    elif kind == "organisation":
        label = ORGANISATION_LABELS.get(f"organisation.{field}")
    else:
        label = OTHER_CHANGE_LABELS.get(field)
    return label or field.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Fix:
    """Where a finding is fixed. ``url`` is the form field; ``allowed`` whether this person
    may edit there; otherwise ``elsewhere`` is the record's own page and ``note`` says who
    can."""

    url: str
    label: str
    allowed: bool
    elsewhere: str | None = None
    note: str = ""
    text: str = ""  # the link's words when not "Fix: <label>"

    @property
    def link_text(self) -> str:
        return self.text or f"Fix: {self.label}"


@dataclass(frozen=True)
class _Record:
    """What every finding about one record shares: its form, its page, who may edit it."""

    form: str
    page: str | None
    allowed: bool
    note: str


class Fixes:
    """``Fixes(user, owners)(finding)``: the :class:`Fix` of each finding, for ``user``.

    A register has many findings per record; the record's addresses and the permission
    check are worked out once per record.
    """

    def __init__(self, user: User | None, owners: dict[int, EngagementOwner]):
        # The signed-in user itself, not the proxy (read once per record below).
        self.user = getattr(user, "_get_current_object", lambda: user)()
        self.owners = owners
        self.records: dict[tuple[str, int | None], _Record] = {}

    def __call__(self, finding: Finding) -> Fix:
        kind, record_id, field = finding.entity.kind, finding.entity.id, finding.field
        label = field_label(kind, field)
        if kind == "vendor" and field == "annual_expense":  # the sum over its engagements
            return Fix(url_for("engagements.index", vendor=record_id), label, True,
                       text="See the vendor's engagements")
        record = self.records.get((kind, record_id))
        if record is None:
            record = self.records[kind, record_id] = self._record(kind, record_id)
        anchor = ENGAGEMENT_FIELD_IDS.get(field) or field if kind == "engagement" else field
        return Fix(f"{record.form}#{anchor}", label, record.allowed, record.page, record.note)

    def _record(self, kind: str, record_id: int | None) -> _Record:
        user = self.user
        if kind == "engagement":
            owner = self.owners.get(record_id)
            who = (f"its internal owner ({owner.owner_name})" if owner and owner.owner_name
                   else "its internal owner")
            return _Record(url_for("engagements.edit", engagement_id=record_id),
                           url_for("engagements.show", engagement_id=record_id),
                           user is not None and owner is not None
                           and can_edit_engagement(user, owner),
                           f"Ask {who} or an administrator to change it.")
        if kind == "vendor":
            return _Record(url_for("vendors.edit", vendor_id=record_id),
                           url_for("vendors.show", vendor_id=record_id),
                           user is not None and can_manage_vendors(user),
                           "Product owners, procurement and administrators can edit vendors.")
        if kind == "function":
            return _Record(url_for("functions.edit", function_id=record_id),
                           url_for("functions.show", function_id=record_id),
                           user is not None and can_manage_functions(user),
                           "Product owners, procurement and administrators can edit "
                           "functions.")
        return _Record(url_for("admin.organisation"), None,
                       user is not None and user.is_authenticated and user.role == "admin",
                       "An administrator sets it on the Organisation page, or in an "
                       "ORGANISATION_* setting.")


def fix_for(finding: Finding, user: User | None,
            owners: dict[int, EngagementOwner]) -> Fix:
    """The :class:`Fix` of one finding (:class:`Fixes` for many)."""
    return Fixes(user, owners)(finding)
