"""Flat records over the API: business functions and vendors (provider identity).

A body is checked against the schema published in the OpenAPI document (so document and
validator cannot drift), then handed to the same WTForms form as the page, so the value rules
(dates, LEI check digits, country codes) and their messages are the page's. Errors come back
keyed by JSON path. PUT changes the fields it sends; ``null`` clears a field.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import MultiDict

from ..domain.eba_codes import LICENSED_ACTIVITIES
from ..domain.spec import CODE, LONG, MEDIUM, SHORT
from ..domain.vocabulary import CODE_TYPES, CRITICALITY, IMPACTS, PERSON_TYPES
from ..models import BusinessFunction, Vendor

HOURS = {"type": "integer", "nullable": True, "minimum": 0, "maximum": 87_600}


def _text(limit: int, nullable: bool = True) -> dict:
    schema: dict = {"type": "string", "maxLength": limit}
    if nullable:
        schema["nullable"] = True
    return schema


def _code_type(description: str) -> dict:
    return {"type": "string", "nullable": True, "enum": [*CODE_TYPES, None],
            "description": description}


FUNCTION_PROPERTIES = {
    "name": {**_text(SHORT, nullable=False), "minLength": 1},
    "criticality": {"type": "string", "enum": list(CRITICALITY),
                    "description": "critical: critical or important (DORA Art. 3(22))."},
    "criticality_reasons": _text(LONG),
    "assessed_on": {"type": "string", "format": "date", "nullable": True,
                    "description": "Date of the last criticality assessment; not in the "
                                   "future."},
    "rto_hours": {**HOURS, "description": "Recovery time objective in hours."},
    "rpo_hours": {**HOURS, "description": "Recovery point objective in hours."},
    "impact": {"type": "string", "nullable": True, "enum": [*IMPACTS, None],
               "description": "Impact of discontinuing the function."},
    "licensed_activity": {
        "type": "string", "nullable": True, "enum": [*LICENSED_ACTIVITIES, "", None],
        "description": "Optional: the EBA code of the licensed activity the function serves "
                       "(register of information B_06.01), e.g. eba_TA:x28 for payment "
                       "services; empty when not recorded.",
        "x-message": "Must be an EBA licensed-activity code such as eba_TA:x28 (the list is "
                     "this field's enum in /api/v1/openapi.json), or empty."},
}

VENDOR_PROPERTIES = {
    "name": {**_text(SHORT, nullable=False), "minLength": 1},
    "contact": _text(MEDIUM),
    "notes": _text(LONG),
    "legal_name": _text(SHORT),
    "lei": {**_text(40), "description": "Legal Entity Identifier (ISO 17442), checked."},
    "country": {**_text(2), "description": "Head-office country, ISO 3166-1 alpha-2."},
    "person_type": {"type": "string", "nullable": True, "enum": [*PERSON_TYPES, None],
                    "description": "legal_person: a company or other legal person; "
                                   "individual: a person acting in a business capacity."},
    "other_code": {**_text(CODE),
                   "description": "Another identification code (EUID, VAT number, ...), "
                                  "for a vendor without an LEI; needs other_code_type."},
    "other_code_type": _code_type("The kind of code other_code is."),
    "parent_code": {**_text(CODE),
                    "description": "The ultimate parent undertaking's identification code; "
                                   "needs parent_code_type (an LEI is checked)."},
    "parent_code_type": _code_type("The kind of code parent_code is."),
}


@dataclass(frozen=True)
class Record:
    """How one kind of record travels over the API."""

    model: type
    properties: dict
    read_only: dict

    def schema(self, *, required: tuple[str, ...] = ("name",)) -> dict:
        schema = {"type": "object", "additionalProperties": False,
                  "properties": self.properties}
        if required:  # OpenAPI 3.0 wants a non-empty list or none
            schema["required"] = list(required)
        return schema

    def document(self) -> dict:
        return {"type": "object", "required": [*self.read_only, *self.properties],
                "properties": {**self.read_only, **self.properties}}


FUNCTION = Record(BusinessFunction, FUNCTION_PROPERTIES, {
    "id": {"type": "integer"},
    "number": {"type": "integer",
               "description": "The register of information's function identifier is "
                              "F<number>: given once, never reused. Read-only."}})
VENDOR = Record(Vendor, VENDOR_PROPERTIES, {"id": {"type": "integer"}})


def to_json(record: Record, row) -> dict:
    body = {}
    for key in [*record.read_only, *record.properties]:
        value = getattr(row, key)
        body[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return body


TYPE_MESSAGES = {"string": "Must be a string.", "integer": "Must be a whole number.",
                 "object": "Send a JSON object."}
_MESSAGES: dict[str, Callable[[Any], str]] = {
    "type": lambda e: TYPE_MESSAGES.get(e.validator_value, f"Must be a {e.validator_value}."),
    "enum": lambda e: "Must be one of: " + ", ".join(
        str(v) for v in e.validator_value if v is not None) + ".",
    "minimum": lambda e: f"Must be at least {e.validator_value}.",
    "maximum": lambda e: f"Must be at most {e.validator_value:,}.",
    "maxLength": lambda e: f"Must be at most {e.validator_value} characters.",
    "minLength": lambda e: "Must not be empty.",
}


def shape_errors(schema: dict, data: Any) -> dict[str, list[str]]:
    """Problems with the body's shape, keyed by JSON path ("_body" for the whole body)."""
    errors: dict[str, list[str]] = {}
    for error in OAS30Validator(schema).iter_errors(data):
        if error.validator == "additionalProperties":
            for key in sorted(set(data) - set(schema["properties"])):
                errors.setdefault(key, []).append("Unknown field.")
            continue
        if error.validator == "required":
            for key in error.validator_value:
                if key not in data:
                    errors.setdefault(key, []).append("Required.")
            continue
        path = ".".join(str(p) for p in error.absolute_path) or "_body"
        message = error.schema.get("x-message") if isinstance(error.schema, dict) else None
        message = message or _MESSAGES.get(error.validator, lambda e: e.message)(error)
        errors.setdefault(path, []).append(message)
    return errors


def formdata(data: dict) -> MultiDict:
    """The JSON body as the form would post it (null clears a field)."""
    return MultiDict([(key, "" if value is None else str(value)) for key, value in data.items()])


def form_errors(form) -> dict[str, list[str]]:
    return {field.name: list(field.errors) for field in form if field.errors}
