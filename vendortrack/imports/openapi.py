"""The import endpoint's part of the OpenAPI document (merged by ``api/openapi.py``)."""

ROW = {"type": "object", "properties": {
    "row": {"type": "integer"}, "action": {"type": "string", "enum": [
        "create", "update", "unchanged", "problem"]},
    "contract_reference": {"type": "string"}, "title": {"type": "string"},
    "engagement_id": {"type": "integer", "nullable": True},
    "changes": {"type": "array", "items": {"type": "object"}},
    "flags": {"type": "array", "items": {"type": "object"}},
    "problems": {"type": "array", "items": {"type": "string"}},
    "notes": {"type": "array", "items": {"type": "string"}}}}
COUNTS = {"type": "object", "properties": {k: {"type": "integer"} for k in (
    "create", "update", "unchanged", "problem")}}
SCHEMAS = {
    "ImportPreview": {"type": "object", "properties": {
        "dry_run": {"type": "boolean"}, "counts": COUNTS,
        "problems": {"type": "array", "items": {"type": "string"}},
        "notes": {"type": "array", "items": {"type": "string"}},
        "new_vendors": {"type": "array", "items": {"type": "string"}},
        "new_functions": {"type": "array", "items": {"type": "string"}},
        "mapping": {"type": "array", "items": {"type": "object", "properties": {
            "column": {"type": "string"}, "field": {"type": "string", "nullable": True}}}},
        "rows": {"type": "array", "items": ROW}}},
    "ImportResult": {"type": "object", "properties": {
        "dry_run": {"type": "boolean"}, "counts": COUNTS,
        "skipped_rows": {"type": "array", "items": {"type": "integer"}}}},
}


def _ref(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


PATH = {"post": {
    "operationId": "importEngagements",
    "description": "Import engagements from an .xlsx or .csv file (procurement and "
                   "administrators). With `dry_run=true` (the default) nothing is written and "
                   "the answer is the preview: every row as create, update, unchanged or "
                   "problem. With `dry_run=false` every row without problems is imported in "
                   "one transaction, or nothing is (rows with problems refuse the import "
                   "unless `skip_problems=true`).",
    "parameters": [
        {"name": "dry_run", "in": "query", "schema": {"type": "boolean", "default": True}},
        {"name": "skip_problems", "in": "query",
         "schema": {"type": "boolean", "default": False}}],
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary"}}}}}},
    "responses": {
        "200": _ref("The preview (dry run)", "ImportPreview"),
        "201": _ref("Imported", "ImportResult"),
        "401": _ref("No valid API token", "Error"),
        "403": _ref("Your role does not allow this", "Error"),
        "409": _ref("The register changed while importing; nothing was imported", "Error"),
        "413": _ref("File larger than 20 MB", "ValidationError"),
        "422": _ref("The file was refused, or rows have problems", "ValidationError"),
    }}}
