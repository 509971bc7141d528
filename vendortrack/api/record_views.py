"""GET/POST/PUT /api/v1/functions and /api/v1/vendors: the records engagements refer to.

They attach to the API blueprint of ``api.views``."""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import services
from ..errors import http_error, json_body, json_error
from ..extensions import db
from ..forms import BusinessFunctionForm, VendorForm
from ..models import BusinessFunction, Vendor
from ..permissions import can_manage_functions, can_manage_vendors
from ..queries import page_number
from .records import FUNCTION, VENDOR, Record, form_errors, formdata, shape_errors, to_json
from .views import bp

MAX_PER_PAGE = 100


def _page(statement, record: Record):
    page, per_page = page_number(request.args.get("page")), page_number(
        request.args.get("per_page", "50"))
    problems = {}
    if page is None:
        problems["page"] = ["Must be a whole number from 1 upwards."]
    if per_page is None or per_page > MAX_PER_PAGE:
        problems["per_page"] = [f"Must be a whole number from 1 to {MAX_PER_PAGE}."]
    if problems:
        return jsonify({"errors": problems}), 422
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False, count=True)
    return jsonify({"items": [to_json(record, row) for row in result.items],
                    "page": result.page, "per_page": result.per_page, "total": result.total})


def _validated(record: Record, form_class, row, *, creating: bool):
    """The validated form for the JSON body, or the 4xx response saying why not."""
    data = json_body()
    errors = shape_errors(record.schema(required=("name",) if creating else ()), data)
    if errors:
        return None, (jsonify({"errors": errors}), 422)
    form = form_class(formdata=formdata(data), obj=row, meta={"csrf": False})
    if not form.validate():
        return None, (jsonify({"errors": form_errors(form)}), 422)
    return form, None


def _saved(record: Record, row, status: int, endpoint: str, **ids):
    response = jsonify(to_json(record, row))
    response.status_code = status
    if status == 201:
        response.headers["Location"] = url_for(endpoint, **ids)
    return response


def _name_taken() -> tuple:
    return jsonify({"errors": {"name": ["Another record already has this name."]}}), 422


# --- business functions ----------------------------------------------------------------------

def _function_or_404(function_id: int) -> BusinessFunction:
    function = db.session.get(BusinessFunction, function_id)
    if function is None:
        raise http_error(404, f"There is no business function {function_id}.")
    return function


@bp.get("/functions")
def list_functions():
    statement = select(BusinessFunction).order_by(BusinessFunction.name_key)
    criticality = request.args.get("criticality")
    if criticality:
        statement = statement.where(BusinessFunction.criticality == criticality)
    return _page(statement, FUNCTION)


@bp.get("/functions/<int:function_id>")
def get_function(function_id: int):
    return jsonify(to_json(FUNCTION, _function_or_404(function_id)))


def _save_function(function: BusinessFunction | None):
    if not can_manage_functions(current_user):
        raise http_error(403, "Only product owners, procurement and administrators change "
                              "business functions.")
    form, failure = _validated(FUNCTION, BusinessFunctionForm, function,
                               creating=function is None)
    if failure:
        return failure
    if services.function_name_taken(form.name.data, function.id if function else None):
        return _name_taken()
    try:
        saved = services.save_function(function, form.values(), current_user)
    except services.EditConflict:
        return json_error(409, "Edit conflict", "Engagements supporting this function were "
                          "being saved at the same moment; nothing was saved. Send it again.")
    return _saved(FUNCTION, saved, 201 if function is None else 200,
                  "api.get_function", function_id=saved.id)


@bp.post("/functions")
def create_function():
    return _save_function(None)


@bp.put("/functions/<int:function_id>")
def update_function(function_id: int):
    return _save_function(_function_or_404(function_id))


# --- vendors -------------------------------------------------------------------------------

def _vendor_or_404(vendor_id: int) -> Vendor:
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None:
        raise http_error(404, f"There is no vendor {vendor_id}.")
    return vendor


@bp.get("/vendors")
def list_vendors():
    return _page(select(Vendor).order_by(Vendor.name_key), VENDOR)


@bp.get("/vendors/<int:vendor_id>")
def get_vendor(vendor_id: int):
    return jsonify(to_json(VENDOR, _vendor_or_404(vendor_id)))


def _save_vendor(vendor: Vendor | None):
    if not can_manage_vendors(current_user):
        raise http_error(403, "Only product owners, procurement and administrators change "
                              "vendors.")
    form, failure = _validated(VENDOR, VendorForm, vendor, creating=vendor is None)
    if failure:
        return failure
    if services.vendor_name_taken(form.name.data, vendor.id if vendor else None):
        return _name_taken()
    saved = services.save_vendor(vendor, **form.values(), user=current_user)
    return _saved(VENDOR, saved, 201 if vendor is None else 200, "api.get_vendor",
                  vendor_id=saved.id)


@bp.post("/vendors")
def create_vendor():
    return _save_vendor(None)


@bp.put("/vendors/<int:vendor_id>")
def update_vendor(vendor_id: int):
    return _save_vendor(_vendor_or_404(vendor_id))
