"""The API's dashboard route: the leadership dashboard's figures as JSON for BI tools."""
from __future__ import annotations

from flask import jsonify, request

from ..clock import today
from ..dashboard import cache, figures
from ..dashboard.views import list_links
from .views import bp


@bp.get("/dashboard")
def dashboard():
    scope = figures.scope_from_args(request.args)
    on = today()
    data = cache.remember(("figures", cache.scope_key(scope), on),
                          lambda: figures.compute(scope, on))
    return jsonify(data.to_json(link=list_links()))
