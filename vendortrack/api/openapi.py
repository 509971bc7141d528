"""The OpenAPI 3 description of /api/v1, built from the same vocabularies the API enforces."""
from __future__ import annotations

from babel.numbers import list_currencies

from ..domain.risk import RULES
from ..domain.spec import (
    LONG,
    MAX_MONEY,
    MAX_ROWS,
    MEDIUM,
    SCALAR_FIELDS,
    SHORT,
    SpecField,
)
from ..domain.vocabulary import (
    ABILITIES,
    DELIVERABLE_KINDS,
    DELIVERABLE_STATUSES,
    REINTEGRATION,
    STATUSES,
)
from ..imports import openapi as imports_api
from .records import FUNCTION, VENDOR, Record


def _nullable(schema: dict) -> dict:
    """``schema`` that also accepts null (the API reads null as "not filled in")."""
    if "enum" in schema:
        schema = {**schema, "enum": [*schema["enum"], None]}
    return {**schema, "nullable": True}


def _text(limit: int) -> dict:
    return _nullable({"type": "string", "maxLength": limit})


DATE = _nullable({"type": "string", "format": "date"})
PERSON = {"type": "object", "additionalProperties": False,
          "properties": {"name": _text(SHORT),
                         "email": {**_text(254), "description": "An e-mail address, or empty."}}}


def _field_schema(spec_field: SpecField) -> dict:
    """The JSON schema of one scalar spec field, from its kind."""
    kind = spec_field.kind
    if kind == "object":
        return _nullable({"type": "object", "additionalProperties": False, "properties": {
            part.name: _field_schema(part) for part in spec_field.subfields()}})
    schema = {
        "text": lambda: {"type": "string", "maxLength": spec_field.limit},
        "longtext": lambda: {"type": "string", "maxLength": spec_field.limit},
        "vendor": lambda: {"type": "string", "maxLength": spec_field.limit},
        "currency": lambda: {"type": "string", "enum": sorted(list_currencies())},
        "money": lambda: {"type": "number", "minimum": 0, "maximum": float(MAX_MONEY),
                          "description": "At most two decimal places."},
        "date": lambda: {"type": "string", "format": "date"},
        "bool": lambda: {"type": "boolean"},
        "integer": lambda: {"type": "integer", "minimum": 0,
                            **({"maximum": spec_field.limit} if spec_field.limit else {})},
        "choice": lambda: {"type": "string", "enum": list(spec_field.choices)},
        "function": lambda: {"type": "string", "maxLength": SHORT},
        "codes": lambda: {"type": "array", "maxItems": len(spec_field.choices),
                          "items": {"type": "string", "enum": list(spec_field.choices)}},
        "names": lambda: {"type": "array", "maxItems": 50,
                          "items": {"type": "string", "maxLength": spec_field.limit}},
        "countries": lambda: {"type": "array", "maxItems": 250, "items": {
            "type": "string", "minLength": 2, "maxLength": 2,
            "description": "ISO 3166-1 alpha-2 code, e.g. IE (checked)"}},
        "person": lambda: dict(PERSON),
        "country": lambda: {"type": "string", "maxLength": 2},
    }[kind]()
    if spec_field.name == "title":
        schema["minLength"] = 1
    if spec_field.help:
        schema["description"] = spec_field.help
    if kind == "country":
        schema["description"] = (f"{spec_field.help} ISO 3166-1 alpha-2 code, e.g. IE "
                                 "(checked).").lstrip()
    return _nullable(schema)


def _rows(items: dict) -> dict:
    return _nullable({"type": "array", "maxItems": MAX_ROWS, "items": items})


def _row(properties: dict) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": properties}


READINESS = {"type": "object", "nullable": True, "properties": {
    **{a: {"type": "boolean"} for a in ABILITIES},
    "attested_on": {"type": "string", "format": "date", "nullable": True},
    "recorded_by": {"type": "string", "nullable": True}}}

SPEC_PROPERTIES = {
    **{f.name: _field_schema(f) for f in SCALAR_FIELDS},
    "successors": _rows({**PERSON, "properties": {**PERSON["properties"], "id": {
        "type": "integer", "nullable": True,
        "description": "Returned by GET: the successor's id, to record their readiness "
                       "(POST .../successors/{person_id}/readiness). Ignored when sent."},
                                                  "readiness": {
        **READINESS,
        "description": "Returned by GET: what the successor attested they can do without "
                       "the vendor, when and recorded by whom. Ignored when sent; successors "
                       "record it on the engagement page or with POST "
                       ".../successors/{person_id}/readiness."}}}),
    "upskilling": _rows(PERSON),
    "metrics": _rows(_row({"name": _text(SHORT), "baseline": _text(SHORT),
                           "target": _text(SHORT), "unit": _text(SHORT),
                           "measurement": _text(MEDIUM)})),
    "constraints": _rows({"type": "string", "maxLength": MEDIUM}),
    "tradeoffs": _rows(_row({"rule": _text(MEDIUM), "decided_by": _text(SHORT)})),
    "deliverables": _rows(_row({
        "id": _nullable({"type": "integer",
                         "description": "Send back the id GET returned to keep the row's "
                                        "status and acceptance; rows without one are new.",
                         "x-message": "Must be the deliverable's id (an integer) or null."}),
        "kind": _nullable({"type": "string", "enum": list(DELIVERABLE_KINDS)}),
        "title": _text(SHORT), "due_date": DATE,
        "acceptance_criteria": _text(LONG),
        "status": _nullable({"type": "string", "enum": list(DELIVERABLE_STATUSES)}),
    })),
}
# What GET returns besides the spec: a client may send it back; it is ignored.
READ_ONLY = ("id", "version", "created_at", "updated_at", "risk", "links",
             "reintegration_suggested")
IGNORED = {name: {"description": "Returned by GET; ignored when sent."} for name in READ_ONLY}

FLAG = {"type": "object", "required": ["code", "severity", "message", "remedy"],
        "properties": {"code": {"type": "string", "enum": [r.code for r in RULES]},
                       "severity": {"type": "string", "enum": ["low", "medium", "high"]},
                       "message": {"type": "string"}, "remedy": {"type": "string"}}}

ENGAGEMENT = {
    "type": "object",
    "required": ["id", "version", "title", "risk", "deliverables"],
    "properties": {
        "id": {"type": "integer"}, "version": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        **SPEC_PROPERTIES,
        "reintegration_suggested": {
            "type": "string", "enum": list(REINTEGRATION),
            "description": "How hard bringing the service in-house looks from the evidence "
                           "(owner, successors' attestations, accepted knowledge transfer)."},
        "risk": {"type": "object", "required": ["level", "flags"], "properties": {
            "level": {"type": "string", "enum": ["none", "low", "medium", "high"]},
            "dependency_trap": {"type": "boolean"},
            "flags": {"type": "array", "items": FLAG}}},
    },
}

ANNEX = {"type": "object",
         "required": ["number", "sha256", "snapshot_sha256", "issued_at", "issued_by", "pdf_url"],
         "properties": {"number": {"type": "integer"},
                        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                                   "description": "SHA-256 of the stored PDF bytes"},
                        "snapshot_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                                            "description": "SHA-256 of the frozen spec's "
                                                           "canonical JSON (printed on the PDF)"},
                        "issued_at": {"type": "string", "format": "date-time"},
                        "issued_by": {"type": "object"},
                        "pdf_url": {"type": "string"}}}

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["status", "title", "detail"],
    "properties": {"status": {"type": "integer"}, "title": {"type": "string"},
                   "detail": {"type": "string"}}}}}
VALIDATION = {"type": "object", "required": ["errors"], "properties": {"errors": {
    "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}


def _response(description: str, schema: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


ERRORS = {
    "400": _response("Not a JSON body", "Error"),
    "401": _response("No valid API token", "Error"),
    "403": _response("Your role does not allow this", "Error"),
    "413": _response("Body too large", "Error"),
    "422": _response("Invalid fields, keyed by JSON path", "ValidationError"),
}


NOT_FOUND = _response("No such engagement", "Error")


def _body(schema: str, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _record_paths(path: str, name: str, title: str, what: str) -> dict:
    """List, create, read and update for a flat record (business functions, vendors)."""
    record_id = {"name": f"{name}_id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1}}
    pages = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
             {"name": "per_page", "in": "query",
              "schema": {"type": "integer", "minimum": 1, "maximum": 100}}]
    missing = _response(f"No such {what}", "Error")
    return {
        path: {
            "get": {"operationId": f"list{title}s", "parameters": pages,
                    "responses": {"200": _response(f"A page of {what}s", f"{title}Page"),
                                  "401": ERRORS["401"], "422": ERRORS["422"]}},
            "post": {"operationId": f"create{title}", "requestBody": _body(f"{title}Input"),
                     "responses": {"201": _response("Created", title), **ERRORS}},
        },
        f"{path}/{{{name}_id}}": {
            "parameters": [record_id],
            "get": {"operationId": f"get{title}",
                    "responses": {"200": _response(f"The {what}", title),
                                  "401": ERRORS["401"], "404": missing}},
            "put": {"operationId": f"update{title}",
                    "description": "Changes the fields sent; fields left out keep their "
                                   "value and `null` clears one.",
                    "requestBody": _body(f"{title}Update"),
                    "responses": {"200": _response("Saved", title), **ERRORS,
                                  "404": missing}},
        },
    }


def _record_schemas(record: Record, title: str) -> dict:
    return {
        title: record.document(),
        f"{title}Input": record.schema(),
        f"{title}Update": record.schema(required=()),
        f"{title}Page": {"type": "object", "required": ["items", "page", "per_page", "total"],
                         "properties": {"items": {"type": "array", "items": record.document()},
                                        "page": {"type": "integer"},
                                        "per_page": {"type": "integer"},
                                        "total": {"type": "integer"}}},
    }


def document(organisation: str = "") -> dict:
    """The OpenAPI 3.0 document served at /api/v1/openapi.json."""
    from ..register import openapi as register
    from ..reminders import openapi as reminders

    engagement_id = {"name": "engagement_id", "in": "path", "required": True,
                     "schema": {"type": "integer", "minimum": 1}}
    list_params = [
        {"name": "page", "in": "query",
         "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000}},
        {"name": "per_page", "in": "query",
         "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
        {"name": "status", "in": "query",
         "schema": {"type": "string", "enum": [*STATUSES, "open"]}},
        {"name": "risk", "in": "query",
         "schema": {"type": "string", "enum": ["high", "medium", "low", "none"]}},
        {"name": "flag", "in": "query",
         "schema": {"type": "string", "enum": [r.code for r in RULES]}},
        {"name": "vendor", "in": "query", "description": "Vendor name (any case)",
         "schema": {"type": "string", "maxLength": 200}},
        {"name": "q", "in": "query", "description": "Search title, vendor, owner, reference",
         "schema": {"type": "string", "maxLength": 200}},
    ]
    return {
        "openapi": "3.0.3",
        "info": {"title": "vendortrack API", "version": "1",
                 "description": "Engagement specs, their risk flags and knowledge-transfer "
                                f"deliverables{' at ' + organisation if organisation else ''}. "
                                "Authenticate with a personal API token from your account page."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/imports": imports_api.PATH,
            "/engagements": {
                "get": {"operationId": "listEngagements", "parameters": list_params,
                        "responses": {"200": _response("A page of engagements", "EngagementPage"),
                                      "401": ERRORS["401"], "422": ERRORS["422"]}},
                "post": {"operationId": "createEngagement", "requestBody": _body("EngagementInput"),
                         "responses": {"201": _response("Created", "Engagement"), **ERRORS}},
            },
            "/engagements/{engagement_id}": {
                "parameters": [engagement_id],
                "get": {"operationId": "getEngagement",
                        "responses": {"200": _response("The engagement", "Engagement"),
                                      "401": ERRORS["401"],
                                      "404": NOT_FOUND}},
                "put": {"operationId": "updateEngagement",
                        "description": "Send back what GET returned, changed; `version` must "
                                       "be the one you read.",
                        "requestBody": _body("EngagementUpdate"),
                        "responses": {"200": _response("Saved", "Engagement"), **ERRORS,
                                      "404": NOT_FOUND,
                                      "409": _response("Changed since your version", "Error")}},
            },
            "/engagements/{engagement_id}/annexes": {
                "parameters": [engagement_id],
                "get": {"operationId": "listAnnexes",
                        "responses": {"200": _response("Issued annex versions", "AnnexList"),
                                      "401": ERRORS["401"],
                                      "404": NOT_FOUND}},
                "post": {"operationId": "issueAnnex",
                         "description": "Freeze the current spec and issue the next annex "
                                        "version (procurement and administrators). Open "
                                        "dependency-trap flags need `confirm_dependency_trap`.",
                         "requestBody": _body("IssueAnnex", required=False),
                         "responses": {"201": _response("Issued", "AnnexVersion"),
                                       "400": ERRORS["400"], "401": ERRORS["401"],
                                       "403": ERRORS["403"],
                                       "404": NOT_FOUND,
                                       "409": _response("Trap not confirmed, or the number "
                                                        "was taken meanwhile", "Error"),
                                       "500": _response("The PDF could not be rendered; "
                                                        "nothing was issued", "Error")}},
            },
            "/engagements/{engagement_id}/annexes/{number}.pdf": {
                "parameters": [engagement_id, {"name": "number", "in": "path",
                                               "required": True,
                                               "schema": {"type": "integer", "minimum": 1}}],
                "get": {"operationId": "downloadAnnex",
                        "responses": {"200": {"description": "The stored PDF, byte for byte",
                                              "content": {"application/pdf": {"schema": {
                                                  "type": "string", "format": "binary"}}}},
                                      "304": {"description": "Not modified (ETag)"},
                                      "401": ERRORS["401"],
                                      "404": _response("No such annex", "Error")}},
            },
            "/engagements/{engagement_id}/successors/{person_id}/readiness": {
                "parameters": [engagement_id, {"name": "person_id", "in": "path",
                                               "required": True,
                                               "schema": {"type": "integer", "minimum": 1}}],
                "post": {"operationId": "recordReadiness",
                         "description": "Record what a successor can do without the vendor "
                                        "(the successor, or the internal owner for them; "
                                        "nobody else). `person_id` is the successor's `id` "
                                        "from GET. Replaces their previous attestation.",
                         "requestBody": _body("ReadinessInput"),
                         "responses": {"200": _response("Recorded", "SuccessorReadiness"),
                                       **ERRORS, "404": NOT_FOUND,
                                       "409": _response("The successors changed meanwhile; "
                                                        "nothing was recorded", "Error")}},
            },
            **_record_paths("/functions", "function", "BusinessFunction", "business function"),
            **_record_paths("/vendors", "vendor", "Vendor", "vendor"),
            "/dashboard": {
                "get": {"operationId": "dashboard",
                        "description": "The leadership dashboard's figures; every figure "
                                       "carries the engagement-list URL behind it.",
                        "parameters": [
                            {"name": "status", "in": "query", "schema": {"type": "string"}},
                            {"name": "vendor", "in": "query", "schema": {"type": "integer"}},
                            {"name": "owner", "in": "query", "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "Dashboard figures",
                                              "content": {"application/json": {"schema": {
                                                  "type": "object"}}}},
                                      "401": ERRORS["401"]}},
            },
            **reminders.paths(engagement_id),
            **register.paths(ERRORS),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Engagement": ENGAGEMENT,
                "EngagementInput": {"type": "object", "required": ["title"],
                                    "additionalProperties": False,
                                    "properties": {**IGNORED, **SPEC_PROPERTIES}},
                "EngagementUpdate": {"type": "object", "required": ["title", "version"],
                                     "additionalProperties": False,
                                     "properties": {**IGNORED, **SPEC_PROPERTIES,
                                                    "version": {"type": "integer"}}},
                "EngagementPage": {"type": "object",
                                   "required": ["items", "page", "per_page", "total"],
                                   "properties": {
                                       "items": {"type": "array", "items": ENGAGEMENT},
                                       "page": {"type": "integer"},
                                       "per_page": {"type": "integer"},
                                       "total": {"type": "integer"}}},
                "AnnexVersion": ANNEX,
                "AnnexList": {"type": "object", "required": ["engagement_id", "annexes"],
                              "properties": {"engagement_id": {"type": "integer"},
                                             "annexes": {"type": "array", "items": ANNEX}}},
                "IssueAnnex": {"type": "object", "additionalProperties": False, "properties": {
                    "confirm_dependency_trap": {"type": "boolean"},
                    "number": {"type": "integer", "minimum": 1,
                               "description": "The annex number you expect to issue; "
                                              "refused if someone issued it first."},
                    "version": {"type": "integer", "minimum": 1,
                                "description": "The engagement version you read; refused "
                                               "if the spec changed since."}}},
                "ReadinessInput": {"type": "object", "required": ["abilities"],
                                   "additionalProperties": False, "properties": {
                    "abilities": {"type": "array", "uniqueItems": True, "items": {
                        "type": "string", "enum": list(ABILITIES)}}}},
                "SuccessorReadiness": {"type": "object", "required": ["id", "name", "readiness"],
                                       "properties": {"id": {"type": "integer"},
                                                      "name": {"type": "string"},
                                                      "readiness": READINESS}},
                **_record_schemas(FUNCTION, "BusinessFunction"),
                **_record_schemas(VENDOR, "Vendor"),
                "Error": ERROR,
                "ValidationError": VALIDATION,
                **imports_api.SCHEMAS,
                **reminders.SCHEMAS,
                **register.SCHEMAS,
            },
        },
    }
