"""Reading an engagement from JSON: shape by the API's own published schema, values by the form.

The JSON is first validated against the request schema of the OpenAPI document served at
``/api/v1/openapi.json`` (types, unknown fields, row limits), then turned into form data and
validated by :class:`vendortrack.forms.EngagementForm`, so the API and the form can never
disagree about what a valid spec is, nor the API and its document about its shape. Errors come
back keyed by JSON path, e.g. ``metrics[0].name``.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import MultiDict
from wtforms import FieldList

from ..domain import spec as specs
from ..forms import SECTIONS, EngagementForm
from .openapi import document

# The form's names for the internal owner's parts.
FORM_TO_JSON = {"owner_name": "internal_owner.name", "owner_email": "internal_owner.email"}
TYPE_MESSAGES = {
    "string": "Must be a string.", "number": "Must be a number.",
    "integer": "Must be a whole number.", "boolean": "Must be true or false.",
    "array": "Must be a list.", "object": "Must be an object.",
}
# Keywords about values: the form checks these (with its own words) where it has the field.
VALUE_KEYWORDS = {"enum", "maxLength", "minLength", "minimum", "maximum", "required",
                  "pattern", "format"}


def _validator(name: str) -> OAS30Validator:
    return OAS30Validator(document()["components"]["schemas"][name])


VALIDATORS = {"create": _validator("EngagementInput"), "update": _validator("EngagementUpdate")}
ROW_KEYS = {section: tuple(schema["items"]["properties"])
            for section, schema in VALIDATORS["create"].schema["properties"].items()
            if section in SECTIONS and "properties" in schema["items"]}


class Invalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid engagement")
        self.errors = errors


def _add(errors: dict, path: str, message: str) -> None:
    errors.setdefault(path, []).append(message)


def json_path(parts) -> str:
    """``("metrics", 0, "name")`` → ``metrics[0].name``; the empty path is the body."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "_body"


def _form_checks(parts: list) -> bool:
    """True when the form has a field for the value at ``parts`` (and so checks it)."""
    keys = [p for p in parts if not isinstance(p, int)]
    if not keys:
        return False
    if keys[0] in SECTIONS:
        return len(keys) == 1 or hasattr(SECTIONS[keys[0]], keys[1])
    return keys[0] in specs.FIELDS_BY_NAME


def _message(error) -> str:
    if "x-message" in error.schema:
        return error.schema["x-message"]
    if error.validator == "type":
        if not error.absolute_path:
            return "Send a JSON object."
        expected = error.validator_value
        expected = expected[0] if isinstance(expected, list) else expected
        return TYPE_MESSAGES.get(expected, f"Must be of type {expected}.")
    if error.validator == "maxItems":
        return (f"At most {error.validator_value} rows fit here and {len(error.instance)} were "
                "sent; nothing was saved.")
    if error.validator == "enum":
        return "Must be one of: " + ", ".join(v for v in error.validator_value if v) + "."
    return error.message


def _shape_errors(data: Any, action: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in VALIDATORS[action].iter_errors(data):
        parts = list(error.absolute_path)
        if error.validator == "required":
            parts += [key for key in error.validator_value if key not in error.instance][:1]
        if error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            for key in error.instance:
                if key not in known:
                    _add(errors, json_path([*parts, key]), "Unknown field.")
        elif error.validator not in VALUE_KEYWORDS or not _form_checks(parts):
            _add(errors, json_path(parts), _message(error))
    return errors


def _blank_rows(data: dict) -> dict[str, list[str]]:
    """Rows sent with nothing in them: the form would skip them, so say so instead."""
    errors: dict[str, list[str]] = {}

    def blank(row, keys):
        return not any((row.get(k) or "").strip() for k in keys
                       if k not in ("id", "kind", "status") and isinstance(row.get(k), str))

    if data.get("internal_owner") is not None and blank(data["internal_owner"],
                                                        ("name", "email")):
        _add(errors, "internal_owner", "Empty row.")
    for i, text in enumerate(data.get("constraints") or []):
        if not (text or "").strip():
            _add(errors, f"constraints[{i}]", "Empty constraint.")
    for section, keys in ROW_KEYS.items():
        for i, row in enumerate(data.get(section) or []):
            if blank(row or {}, keys):
                _add(errors, f"{section}[{i}]", "Empty row.")
    return errors


def _scalar_formdata(spec_field: specs.SpecField, value: Any,
                     name: str | None = None) -> list[tuple[str, str]]:
    name = name or spec_field.name
    if value is None:
        return []
    kind = spec_field.kind
    if kind == "person":
        return [(form_name, value[key]) for form_name, key in (("owner_name", "name"),
                                                               ("owner_email", "email"))
                if value.get(key) is not None]
    if kind == "object":
        return [pair for part in spec_field.subfields()
                for pair in _scalar_formdata(part, value.get(part.name), f"{name}-{part.name}")]
    if kind == "bool":
        return [(name, "y")] if value else []
    if kind in ("money", "integer"):
        return [(name, repr(value))]
    if kind == "codes":
        return [(name, code) for code in value]
    if kind in ("countries", "names"):
        return [(name, ("\n" if kind == "names" else " ").join(value))]
    return [(name, value)]


def _formdata(data: dict) -> MultiDict:
    form: list[tuple[str, str]] = []
    for spec_field in specs.SCALAR_FIELDS:
        form += _scalar_formdata(spec_field, data.get(spec_field.name))
    for i, text in enumerate(data.get("constraints") or []):
        form.append((f"constraints-{i}-text", text))
    for section, keys in ROW_KEYS.items():
        for i, row in enumerate(data.get(section) or []):
            form += [(f"{section}-{i}-{key}", row[key]) for key in keys
                     if key not in ("id", "status", "readiness") and row.get(key) is not None]
            if section == "deliverables" and not row.get("kind"):
                form.append((f"{section}-{i}-kind", "documentation"))
    return MultiDict(form)


def _json_path(name: str) -> str:
    if name in FORM_TO_JSON:
        return FORM_TO_JSON[name]
    section, _, rest = name.partition("-")
    if section in SECTIONS and rest:
        index, _, key = rest.partition("-")
        return f"{section}[{index}]" if section == "constraints" else f"{section}[{index}].{key}"
    return f"{section}.{rest}" if rest else name


def _row_errors(rows: FieldList, errors: dict) -> None:
    if rows.count_error:
        _add(errors, rows.name, rows.count_error)
    for entry in rows:
        for sub in entry.form:
            for message in sub.errors:
                _add(errors, _json_path(sub.name), message)


def _form_errors(form: EngagementForm) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    limits = {m for messages in form.limit_errors.values() for m in messages}
    for field in form:
        if isinstance(field, FieldList):
            _row_errors(field, errors)
        elif isinstance(field.errors, dict):  # a nested object's parts
            for part, messages in field.errors.items():
                for message in messages:
                    _add(errors, f"{field.name}.{part}", message)
        else:
            for message in field.errors:
                if message not in limits:  # reported once, under its own path, below
                    _add(errors, _json_path(field.name), message)
    for path, messages in form.limit_errors.items():  # the annex size bound
        for message in messages:
            _add(errors, path, message)
    return errors


def parse_engagement(data: Any, *, update: bool = False
                     ) -> tuple[specs.Spec, list[int | None]]:
    """The spec in ``data`` and its deliverables' ids as sent, or :class:`Invalid` with every
    problem, keyed by JSON path.

    A deliverable's ``status`` is kept as sent (empty when not sent: the deliverable keeps its
    own); :func:`vendortrack.services.carry_over` settles it against the saved rows.
    """
    errors = _shape_errors(data, "update" if update else "create")
    if errors:
        raise Invalid(errors)
    errors = _blank_rows(data)
    if errors:
        raise Invalid(errors)
    form = EngagementForm(formdata=_formdata(data), meta={"csrf": False})
    if not form.validate():
        raise Invalid(_form_errors(form))
    spec = form.to_spec()
    rows = data.get("deliverables") or []
    spec = replace(spec, deliverables=tuple(
        replace(d, status=row.get("status") or "")
        for d, row in zip(spec.deliverables, rows, strict=True)))
    return spec, [row.get("id") for row in rows]
