"""The filing organisation: ORGANISATION_* settings as defaults, the admin page's saved values
winning over them field by field.

An administrator's saved value is what people see and correct in the app, so it wins; a field
left empty on the page falls back to its setting, and without a setting to the default below.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from ..clock import now
from ..domain.identity import normalise_lei
from ..domain.register_of_information import Organisation
from ..extensions import db, dialect_insert
from ..models import OrganisationSettings, User
from ..services import commit, record

ROW_ID = 1
FIELDS = ("lei", "country", "consolidated", "base_currency")
SETTINGS = {field: f"ORGANISATION_{field.upper()}" for field in FIELDS}
DEFAULTS = {"lei": "", "country": "", "consolidated": False, "base_currency": "EUR"}

PAGE, SETTING, DEFAULT = "page", "setting", "default"


@dataclass(frozen=True)
class Origin:
    """Where one value of the organisation comes from: the admin page, a setting, or the
    built-in default (``setting`` names the ORGANISATION_* setting either way)."""

    source: str
    setting: str
    updated_at: datetime | None = None
    updated_by: str | None = None


def _normalised(field: str, value):
    if value is None or field == "consolidated":
        return value
    value = str(value).strip()
    return normalise_lei(value) if field == "lei" else value.upper()


def stored() -> OrganisationSettings | None:
    return db.session.get(OrganisationSettings, ROW_ID)


def current_organisation() -> tuple[Organisation, dict[str, Origin]]:
    """The organisation the register is filed for, and where each of its values comes from."""
    row = stored()
    values, origins = {}, {}
    for field in FIELDS:
        saved = getattr(row, field) if row is not None else None
        configured = _normalised(field, current_app.config.get(SETTINGS[field]))
        if saved is not None and saved != "":
            values[field] = saved
            origins[field] = Origin(PAGE, SETTINGS[field], row.updated_at,
                                    row.updated_by.name if row.updated_by else None)
        elif configured is not None and configured != "":
            values[field] = bool(configured) if field == "consolidated" else configured
            origins[field] = Origin(SETTING, SETTINGS[field])
        else:
            values[field] = DEFAULTS[field]
            origins[field] = Origin(DEFAULT, SETTINGS[field])
    return Organisation(**values), origins


def save_organisation(values: dict, user: User) -> list[dict]:
    """Store the administrator's values (None: fall back to the setting); the changes made.

    The caller has validated them. The row is created on first use; a parallel first save
    waits for the other's insert and then updates the same row.
    """
    row = stored()
    if row is None:
        db.session.execute(dialect_insert(OrganisationSettings.__table__)
                           .values(id=ROW_ID).on_conflict_do_nothing(index_elements=["id"]))
        row = stored()
    changes = []
    for field in FIELDS:
        new = _normalised(field, values.get(field))
        new = None if new == "" else new
        old = getattr(row, field)
        if old != new:
            changes.append({"field": f"organisation.{field}", "old": old, "new": new})
            setattr(row, field, new)
    if changes:
        row.updated_at = now()
        row.updated_by_id = user.id
        record("organisation.update", user, subject="the organisation", changes=changes)
    commit()
    return changes
