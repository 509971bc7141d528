"""Reading an engagement from JSON with the same validation as the spec form.

The JSON is checked for shape and types here, then turned into form data and validated by
:class:`vendortrack.forms.EngagementForm`, so the API and the form can never disagree about
what a valid spec is. Errors come back keyed by JSON path, e.g. ``metrics[0].name``.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import FieldList

from ..domain import spec as specs
from ..domain.vocabulary import DELIVERABLE_STATUSES, can_move_deliverable
from ..forms import SECTIONS, EngagementForm

READ_ONLY = {"id", "risk", "created_at", "updated_at", "version", "links"}
TEXT = ("title", "vendor", "contract_reference", "currency", "status", "start_date",
        "end_date", "handover_date", "problem_statement")
ROW_KEYS = {
    "successors": ("name", "email"),
    "upskilling": ("name", "email"),
    "metrics": ("name", "baseline", "target", "unit", "measurement"),
    "tradeoffs": ("rule", "decided_by"),
    "deliverables": ("id", "kind", "title", "due_date", "acceptance_criteria", "status"),
}
FORM_TO_JSON = {"owner_name": "internal_owner.name", "owner_email": "internal_owner.email"}


class Invalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid engagement")
        self.errors = errors


def _add(errors: dict, path: str, message: str) -> None:
    errors.setdefault(path, []).append(message)


def _check_shape(data: Any, errors: dict) -> None:
    if not isinstance(data, dict):
        _add(errors, "_body", "Send a JSON object.")
        return
    for key in data:
        if key not in specs.SPEC_FIELDS and key not in READ_ONLY:
            _add(errors, key, "Unknown field.")
    for key in TEXT:
        if data.get(key) is not None and not isinstance(data[key], str):
            _add(errors, key, "Must be a string.")
    value = data.get("contract_value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        _add(errors, "contract_value", "Must be a number.")
    if data.get("core_capability") is not None and not isinstance(data["core_capability"], bool):
        _add(errors, "core_capability", "Must be true or false.")
    owner = data.get("internal_owner")
    if owner is not None:
        _check_row(owner, "internal_owner", ("name", "email"), errors)
    for section in SECTIONS:
        rows = data.get(section)
        if rows is None:
            continue
        if not isinstance(rows, list):
            _add(errors, section, "Must be a list.")
            continue
        for i, row in enumerate(rows):
            path = f"{section}[{i}]"
            if section == "constraints":
                if not isinstance(row, str):
                    _add(errors, path, "Must be a string.")
                elif not row.strip():
                    _add(errors, path, "Empty constraint.")
            else:
                _check_row(row, path, ROW_KEYS[section], errors)


def _check_row(row: Any, path: str, keys: tuple[str, ...], errors: dict) -> None:
    if not isinstance(row, dict):
        _add(errors, path, "Must be an object.")
        return
    for key, value in row.items():
        if key not in keys:
            _add(errors, f"{path}.{key}", "Unknown field.")
        elif key == "id":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                _add(errors, f"{path}.id", "Must be the deliverable's id (an integer) or null.")
        elif value is not None and not isinstance(value, str):
            _add(errors, f"{path}.{key}", "Must be a string.")
    if not any((row.get(k) or "").strip() for k in keys if k not in ("id", "kind", "status")
               and isinstance(row.get(k), str)):
        _add(errors, path, "Empty row.")
    status = row.get("status")
    if "status" in keys and status is not None and status not in DELIVERABLE_STATUSES:
        _add(errors, f"{path}.status", "Must be one of: " + ", ".join(DELIVERABLE_STATUSES) + ".")


def _formdata(data: dict) -> MultiDict:
    form: list[tuple[str, str]] = []

    def put(name, value):
        if value is not None:
            form.append((name, value))

    for key in TEXT:
        put(key, data.get(key))
    if data.get("contract_value") is not None:
        put("contract_value", repr(data["contract_value"]))
    if data.get("core_capability"):
        put("core_capability", "y")
    owner = data.get("internal_owner") or {}
    put("owner_name", owner.get("name"))
    put("owner_email", owner.get("email"))
    for i, text in enumerate(data.get("constraints") or []):
        put(f"constraints-{i}-text", text)
    for section, keys in ROW_KEYS.items():
        for i, row in enumerate(data.get(section) or []):
            for key in keys:
                if key not in ("id", "status"):
                    put(f"{section}-{i}-{key}", row.get(key))
            if section == "deliverables" and not row.get("kind"):
                put(f"{section}-{i}-kind", "documentation")
    return MultiDict(form)


def _json_path(name: str) -> str:
    if name in FORM_TO_JSON:
        return FORM_TO_JSON[name]
    section, _, rest = name.partition("-")
    if section in SECTIONS and rest:
        index, _, key = rest.partition("-")
        return f"{section}[{index}]" if section == "constraints" else f"{section}[{index}].{key}"
    return name


def _form_errors(form: EngagementForm) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    limits = {m for messages in form.limit_errors.values() for m in messages}
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                for sub in entry.form:
                    for message in sub.errors:
                        _add(errors, _json_path(sub.name), message)
        else:
            for message in field.errors:
                if message not in limits:  # reported once, under its own path, below
                    _add(errors, _json_path(field.name), message)
    for path, messages in form.limit_errors.items():  # the annex size bound
        for message in messages:
            _add(errors, path, message)
    return errors


def parse_engagement(data: Any, current: dict[int, str] | None = None
                     ) -> tuple[specs.Spec, list[int | None]]:
    """The spec in ``data`` and its deliverable ids, or :class:`Invalid` with every problem,
    keyed by JSON path.

    ``current`` maps the engagement's deliverable ids to their statuses. A row carrying one of
    those ids is that deliverable: without a ``status`` it keeps its own, and a new status
    must follow the workflow (planned → delivered → accepted / rejected). Rows without a known
    id are new deliverables (planned unless a status is given, e.g. when importing).
    """
    errors: dict[str, list[str]] = {}
    _check_shape(data, errors)
    if errors:
        raise Invalid(errors)
    form = EngagementForm(formdata=_formdata(data), meta={"csrf": False})
    if not form.validate():
        raise Invalid(_form_errors(form))
    spec = form.to_spec()
    current = current or {}
    ids: list[int | None] = []
    statuses: list[str] = []
    for i, row in enumerate(data.get("deliverables") or []):
        known = row.get("id") if row.get("id") in current and row.get("id") not in ids else None
        status = row.get("status") or (current[known] if known else "planned")
        if known and status != current[known] and not can_move_deliverable(current[known],
                                                                           status):
            _add(errors, f"deliverables[{i}].status",
                 f"A deliverable that is {current[known]} cannot be marked {status}.")
        ids.append(known)
        statuses.append(status)
    if errors:
        raise Invalid(errors)
    spec = replace(spec, deliverables=tuple(
        replace(d, status=s) for d, s in zip(spec.deliverables, statuses, strict=True)))
    return spec, ids
