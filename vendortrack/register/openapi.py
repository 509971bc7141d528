"""The register of information's part of the OpenAPI document (merged by ``api/openapi.py``)."""
from __future__ import annotations

from ..domain.register_of_information import INCOMPLETE, REJECTION, TEMPLATES


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


NULLABLE_TEXT = {"type": "string", "nullable": True}
COLUMN = {"type": "object", "required": ["template", "column", "name"], "properties": {
    "template": {**NULLABLE_TEXT, "description": "B_05.01, …; null for the package name "
                                                 "and the baseCurrency parameter"},
    "column": {**NULLABLE_TEXT, "description": "c0010, …"},
    "name": {"type": "string", "description": "The column's name in the EBA templates"}}}
FINDING = {
    "type": "object",
    "required": ["severity", "entity", "field", "template", "column", "column_name",
                 "columns", "message", "remedy", "line", "link"],
    "properties": {
        "severity": {"type": "string", "enum": [REJECTION, INCOMPLETE],
                     "description": "rejection: the supervisor's technical checks would refuse "
                                    "the package; incomplete: a mandatory or conditionally "
                                    "mandatory value is missing"},
        "entity": {"type": "object", "required": ["kind", "id", "name"], "properties": {
            "kind": {"type": "string",
                     "enum": ["engagement", "vendor", "function", "organisation"]},
            "id": {"type": "integer", "nullable": True},
            "name": {"type": "string"}}},
        "field": {"type": "string", "description": "The vendortrack field that fills the "
                                                   "column"},
        "template": {**NULLABLE_TEXT, "description": "The first column affected: template"},
        "column": {**NULLABLE_TEXT, "description": "… and column code"},
        "column_name": {"type": "string"},
        "columns": {"type": "array", "items": COLUMN,
                    "description": "Every register column the problem affects"},
        "message": {"type": "string", "description": "What is wrong"},
        "remedy": {"type": "string", "description": "What to do"},
        "line": {"type": "string", "description": "The finding in one sentence"},
        "link": {"type": "string", "description": "The web form field that fixes it"},
    },
}
COUNT = {"type": "integer", "minimum": 0}
SCHEMAS = {
    "RegisterFinding": FINDING,
    "RegisterPreflight": {
        "type": "object",
        "required": ["reference_date", "organisation", "counts", "rows", "findings"],
        "properties": {
            "reference_date": {"type": "string", "format": "date"},
            "organisation": {"type": "object", "properties": {
                "lei": {"type": "string"}, "country": {"type": "string"},
                "consolidated": {"type": "boolean"}, "base_currency": {"type": "string"}}},
            "counts": {"type": "object", "required": [REJECTION, INCOMPLETE, "total"],
                       "properties": {REJECTION: COUNT, INCOMPLETE: COUNT, "total": COUNT}},
            "rows": {"type": "object", "description": "Rows per template",
                     "properties": {template: COUNT for template in TEMPLATES}},
            "findings": {"type": "array", "items": _ref("RegisterFinding")},
        },
    },
}


def paths(errors: dict) -> dict:
    reference_date = {
        "name": "reference_date", "in": "query",
        "description": "YYYY-MM-DD; the register covers arrangements in force at any time in "
                       "the year ending on it. Default: the last 31 December.",
        "schema": {"type": "string", "format": "date"}}
    refused = {"401": errors["401"], "403": errors["403"],
               "422": _json("Not a usable reference date", "ValidationError")}
    carried = {"schema": {"type": "integer", "minimum": 0}}
    return {
        "/register-of-information": {"get": {
            "operationId": "exportRegisterOfInformation",
            "description": "The exit slice of the DORA Register of Information as an EBA "
                           "xBRL-CSV report package (procurement and administrators). It is "
                           "for import into the firm's register tool, or a start for a "
                           "complete filing, not a complete filing by itself. Pre-flight runs "
                           "first; the headers say how many problems the package carries.",
            "parameters": [reference_date],
            "responses": {
                "200": {"description": "The report package, named as the EBA asks",
                        "headers": {
                            "Content-Disposition": {"schema": {"type": "string"}},
                            "X-Preflight-Rejection": {
                                **carried, "description": "Rejection-class problems"},
                            "X-Preflight-Incomplete": {
                                **carried, "description": "Missing values"}},
                        "content": {"application/zip": {"schema": {
                            "type": "string", "format": "binary"}}}},
                **refused}}},
        "/register-of-information/preflight": {"get": {
            "operationId": "preflightRegisterOfInformation",
            "description": "Every problem the export would carry, rejection class first, "
                           "each with the web link to the form field that fixes it.",
            "parameters": [reference_date],
            "responses": {"200": _json("Counts and findings", "RegisterPreflight"),
                          **refused}}},
    }
