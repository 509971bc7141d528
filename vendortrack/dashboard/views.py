"""The leadership risk dashboard: tiles, charts and the board pack (its JSON for BI tools is
:mod:`vendortrack.api.dashboard`)."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for

from ..clock import today
from ..pdf import pdf_rate_limit, render_html_pdf
from . import cache, charts, figures

bp = Blueprint("dashboard", __name__)


def list_links(external: bool = False):
    """``link(args)``: the engagement list URL for filter arguments (built once, then joined:
    a dashboard has a few hundred links)."""
    base = url_for("engagements.index", _external=external)
    return lambda args: f"{base}?{urlencode(args)}" if args else base


def cached_figures(scope, on):
    """The figures for ``scope`` on ``on``, computed once per data version for the page, its
    board pack and the JSON alike."""
    return cache.remember(("figures", cache.scope_key(scope), on),
                          lambda: figures.compute(scope, on))


def _page_context(external: bool = False, at_risk: int = 0, menus: bool = False) -> dict:
    scope = figures.scope_from_args(request.args)
    on = today()
    link = list_links(external)

    def build():
        data = cached_figures(scope, on)
        return data, charts.build(data, link), figures.filter_choices() if menus else None

    # The charts hold links, so the list's address is part of the key.
    data, chart_markup, choices = cache.remember(
        ("page", cache.scope_key(scope), on, menus, link({})), build)
    if at_risk:
        # Read anew on every view: the list shows titles and owners, whose edits do not move
        # the data version (only the columns the figures read do: cache.ENGAGEMENT_COLUMNS).
        data = replace(data, top_at_risk=figures.top_at_risk(scope, on, at_risk))

    def engagement_url(engagement_id: int) -> str:
        return url_for("engagements.show", engagement_id=engagement_id, _external=external)

    context = {"figures": data, "scope": scope, "list_url": link,
               "engagement_url": engagement_url, "charts": chart_markup,
               "scope_args": _scope_args(scope)}
    if menus:
        context["vendors"], context["owners"] = choices
    return context


def _scope_args(scope) -> dict:
    """The dashboard's own query arguments for its links (``status=all`` kept explicit)."""
    args = {k: v for k, v in scope.args().items() if k in ("status", "vendor", "owner")}
    if not scope.status:
        args["status"] = "all"
    elif scope.status == figures.DEFAULT_STATUS:
        args.pop("status")
    return args


@bp.route("/dashboard")
def index():
    return render_template("dashboard/index.html", top_at_risk=figures.TOP_AT_RISK,
                           **_page_context(menus=True))


@bp.route("/dashboard/board-pack.pdf")
@pdf_rate_limit
def board_pack():
    context = _page_context(external=True, at_risk=figures.TOP_AT_RISK)

    def render() -> bytes:
        # The charts go with the page as files of their own (see render_html_pdf).
        pdf = render_html_pdf(render_template("dashboard/board_pack.html", **context),
                              attached={f"{name}.svg": str(chart)
                                        for name, chart in context["charts"].items()})
        current_app.logger.info("board pack rendered: %s bytes", len(pdf))
        return pdf

    # Rendered again once anything it shows has changed: the figures (the data version) or a
    # row of its list of engagements at highest risk (part of the key).
    pdf = cache.remember(("board pack", cache.scope_key(context["scope"]), today(),
                          request.host_url,
                          context["figures"].top_at_risk), render)
    name = f"board-pack-{today().isoformat()}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
