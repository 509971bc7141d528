"""The leadership dashboard: figures on a hand-built data set, drill-down, JSON, board pack."""
from __future__ import annotations

import io
import re
from dataclasses import fields, is_dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from sqlalchemy import event, inspect

from tests.conftest import TODAY
from vendortrack.dashboard import figures as dashboard_figures
from vendortrack.dashboard.figures import Count
from vendortrack.domain import spec as specs

SVG = "{http://www.w3.org/2000/svg}"
TOTAL_RE = re.compile(r"data-total>([\d,]+)<")


def day(offset: int):
    return TODAY + timedelta(days=offset)


@pytest.fixture
def portfolio(make_engagement):
    """Eight engagements whose figures are worked out by hand in the tests below."""
    open_kt = (
        specs.Deliverable("runbook", "Runbook", day(-30), "Ops restore", "accepted"),
        specs.Deliverable("training", "Training", day(5), "Team trained", "planned"),
    )
    overdue = (
        specs.Deliverable("runbook", "Runbook", day(-5), "Ops restore", "planned"),
        specs.Deliverable("training", "Training", day(60), "Team trained", "planned"),
    )
    built = {
        # complete: no flag; handover in April 2027
        "clean": make_engagement(title="Clean", vendor="Northwind Analytics"),
        "no_owner": make_engagement(title="No owner", vendor="Northwind Analytics",
                                    internal_owner=None, contract_value=Decimal("100000")),
        "no_handover": make_engagement(title="No handover", vendor="Contoso Consulting",
                                       status="in_handover", handover_date=None,
                                       currency="USD", contract_value=Decimal("50000")),
        "overdue": make_engagement(title="Overdue KT", vendor="Contoso Consulting",
                                   handover_date=day(40), currency="GBP",
                                   deliverables=overdue),
        "low": make_engagement(title="No constraints", vendor="Fabrikam Data Labs",
                               status="draft", constraints=(), contract_value=Decimal("10")),
        "closed": make_engagement(title="Closed", vendor="Northwind Analytics",
                                  status="closed", internal_owner=None),
        "passed": make_engagement(title="Handover passed", vendor="Northwind Analytics",
                                  handover_date=day(-10), deliverables=open_kt,
                                  contract_value=Decimal("1000000")),
        "no_currency": make_engagement(title="No currency", vendor="Contoso Consulting",
                                       internal_owner=None, currency="", contract_value=None),
    }
    return built


def compute(at_risk=0, **args):
    return dashboard_figures.compute(dashboard_figures.scope_from_args(args), TODAY,
                                     at_risk=at_risk)


def counts_in(obj, path="figures"):
    """Every (path, Count) inside the figures, however deeply nested."""
    if isinstance(obj, Count):
        yield path, obj
    elif is_dataclass(obj):
        for f in fields(obj):
            yield from counts_in(getattr(obj, f.name), f"{path}.{f.name}")
    elif isinstance(obj, tuple | list):
        for i, item in enumerate(obj):
            yield from counts_in(item, f"{path}[{i}]")


def list_total(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return int(TOTAL_RE.search(response.get_data(as_text=True)).group(1).replace(",", ""))


def test_tiles_on_a_hand_built_portfolio(app, portfolio):
    f = compute()
    assert f.in_scope.value == 7  # the closed one is out of view by default
    assert (f.headline_status, f.headline.value) == ("active", 5)
    assert f.trap.value == 4  # no owner, no handover, handover passed, no currency
    assert {lc.level.code: lc.engagements.value for lc in f.levels} == {
        "high": 4, "medium": 1, "low": 1, "none": 1}
    assert f.handovers_due.value == 1  # only "Overdue KT", 40 days away
    assert f.kt_overdue.value == 1
    assert f.no_owner.value == 2  # the closed engagement without owner carries no flag


def test_contract_value_in_a_trap_is_kept_per_currency(app, portfolio):
    f = compute()
    totals = {t.currency: (t.amount, t.engagements.value) for t in f.trap_value}
    assert totals == {"EUR": (Decimal("1100000"), 2), "USD": (Decimal("50000"), 1),
                      "": (Decimal("0"), 1)}
    assert [t.currency for t in f.trap_value] == ["EUR", "USD", ""]


def test_currencies_are_never_added_together_on_the_page(client, users, portfolio):
    client.login(users["leadership"])
    html = client.get("/dashboard").get_data(as_text=True)
    assert "€1,100,000.00" in html and "US$50,000.00" in html
    assert "1,150,000" not in html and "1150000" not in html


def test_flag_chart_figures(app, portfolio):
    counts = {f.code: f.engagements.value for f in compute().flags}
    assert counts == {
        "DEPENDENCY_TRAP_NO_OWNER": 2, "DEPENDENCY_TRAP_NO_HANDOVER": 1,
        "HANDOVER_PASSED_OPEN_KT": 1, "KT_OVERDUE": 1, "SPEC_NO_CONSTRAINTS": 1,
        "HANDOVER_AFTER_END": 0, "KT_NOT_A_DELIVERABLE": 0, "KT_BACKLOADED": 0,
        "SPEC_NO_PROBLEM": 0, "SPEC_NO_METRICS": 0, "SPEC_NO_TRADEOFFS": 0,
        "NO_SUCCESSORS": 0, "CORE_WITHOUT_UPSKILLING": 0, "SUCCESSORS_NOT_READY": 1,
        "EXIT_PLAN_MISSING": 0, "EXIT_PLAN_UNTESTED": 0, "EXIT_PLAN_REVIEW_OVERDUE": 0,
        "NO_ALTERNATIVES": 0, "REINTEGRATION_OVERSTATED": 0}
    assert list(counts)[0] == "DEPENDENCY_TRAP_NO_OWNER"  # most common first


def test_vendor_chart_figures(app, portfolio):
    f = compute()
    got = [(v.name, v.engagements.value,
            {lc.level.code: lc.engagements.value for lc in v.levels}) for v in f.vendors]
    assert got == [
        ("Contoso Consulting", 3, {"high": 2, "medium": 1, "low": 0, "none": 0}),
        ("Northwind Analytics", 3, {"high": 2, "medium": 0, "low": 0, "none": 1}),
        ("Fabrikam Data Labs", 1, {"high": 0, "medium": 0, "low": 1, "none": 0}),
    ]
    assert f.vendor_count == 3
    top_two = dashboard_figures.compute(f.scope, TODAY, top_vendors=2)
    assert [v.name for v in top_two.vendors] == ["Contoso Consulting", "Northwind Analytics"]
    assert top_two.vendor_count == 3


def test_handover_month_figures(app, portfolio):
    f = compute()
    months = {m.month: (m.engagements.value, m.with_open_kt.value, m.open_deliverables)
              for m in f.handover_months}
    assert list(months)[0] == "2026-11" and list(months)[-1] == "2027-10"
    assert len(months) == 12
    assert months["2026-11"] == (1, 1, 1)  # handover passed on 16 Nov, training still open
    assert months["2027-01"] == (1, 1, 2)  # "Overdue KT", both deliverables open
    assert months["2027-04"] == (4, 4, 8)  # the default handover, 150 days out
    assert sum(v[0] for v in months.values()) == 6


def test_top_at_risk_lists_highest_first_with_flags(app, portfolio):
    top = compute(at_risk=20).top_at_risk
    assert [e.level.code for e in top] == ["high"] * 4 + ["medium", "low"]
    by_title = {e.title: e for e in top}
    # nobody attested readiness, and the handover has passed
    assert by_title["Handover passed"].flag_codes == ("HANDOVER_PASSED_OPEN_KT",
                                                      "SUCCESSORS_NOT_READY")
    assert by_title["Overdue KT"].flag_codes == ("KT_OVERDUE",)
    assert "Clean" not in by_title and "Closed" not in by_title
    assert top[0].handover_date is not None  # within a level, traps then nearest handover


def test_status_vendor_and_owner_filters_move_every_figure(app, portfolio):
    northwind = portfolio["clean"].vendor_id
    f = compute(vendor=str(northwind))
    assert (f.in_scope.value, f.trap.value, f.no_owner.value) == (3, 2, 1)
    assert [v.name for v in f.vendors] == ["Northwind Analytics"]
    everything = compute(status="all")
    assert everything.in_scope.value == 8
    assert {lc.level.code: lc.engagements.value for lc in everything.levels}["none"] == 2
    draft = compute(status="draft")
    assert (draft.headline_status, draft.headline.value, draft.in_scope.value) == ("draft", 1, 1)
    owned = compute(owner="ANNA.BERG@example.org")
    assert owned.in_scope.value == 5  # every engagement with the default owner, not closed


def test_every_number_drills_down_to_a_list_with_the_same_count(client, users, portfolio):
    client.login(users["leadership"])
    northwind = portfolio["clean"].vendor_id
    for args in ({}, {"status": "all"}, {"vendor": str(northwind)}, {"status": "active"}):
        f = compute(**args)
        checked = 0
        for path, count in counts_in(f):
            assert list_total(client, "/engagements?" + "&".join(
                f"{k}={v}" for k, v in count.args().items())) == count.value, (args, path)
            checked += 1
        assert checked > 40


def test_dashboard_links_are_the_drill_downs(client, users, portfolio):
    client.login(users["leadership"])
    html = client.get("/dashboard").get_data(as_text=True)
    trap = re.search(r'<a class="tile-link" href="([^"]+)"><span class="tile-number">4</span> '
                     r'<span class="tile-label">engagements in dependency trap</span>', html)
    assert trap, "the trap tile is a link naming the number"
    href = trap.group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(href).query) == {"trap": ["1"]}
    assert list_total(client, href) == 4
    hrefs = {h.replace("&amp;", "&") for h in re.findall(r'href="(/engagements\?[^"]+)"', html)}
    assert len(hrefs) > 40
    for href in hrefs:
        assert client.get(href).status_code == 200


def test_risk_levels_wear_the_same_badge_as_on_the_list(client, users, portfolio):
    from vendortrack.templating import risk_badge

    client.login(users["leadership"])
    dashboard = client.get("/dashboard").get_data(as_text=True)
    listed = client.get("/engagements?risk=high").get_data(as_text=True)
    for level in range(4):
        assert str(risk_badge(level)) in dashboard, level
    assert str(risk_badge(3)) in listed


def test_dashboard_filters_carry_into_drill_downs(client, users, portfolio):
    client.login(users["leadership"])
    northwind = portfolio["clean"].vendor_id
    html = client.get(f"/dashboard?vendor={northwind}").get_data(as_text=True)
    assert f'href="/engagements?vendor={northwind}&amp;trap=1"' in html
    assert f'href="/engagements?status=open&amp;vendor={northwind}"' in html  # in view
    assert f'/dashboard/board-pack.pdf?vendor={northwind}' in html


def test_svg_charts_are_valid_xml_with_titles_axes_and_links(client, users, portfolio):
    client.login(users["leadership"])
    html = client.get("/dashboard").get_data(as_text=True)
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        root = ElementTree.fromstring(svg)
        assert root.find(f"{SVG}title").text
        texts = [t.text for t in root.iter(f"{SVG}text")]
        assert {"Engagements", "Handovers"} & set(texts)  # the value axis is labelled
        links = list(root.iter(f"{SVG}a"))
        assert links and all(a.get("href").startswith("/engagements") for a in links)
        assert all(a.find(f"{SVG}title") is not None for a in links)
    flags = ElementTree.fromstring(svgs[0])
    assert "2" in [t.text for t in flags.iter(f"{SVG}text")]  # numbers as text
    assert any(p.get("id", "").endswith("-high") for p in flags.iter(f"{SVG}pattern"))


def test_charts_escape_names(app, make_engagement):
    make_engagement(vendor='Evil <script>alert("x")</script> & Co')
    from vendortrack.dashboard import charts

    built = charts.build(compute(), lambda args: "/engagements?x=1&y=2")
    vendors = str(built["vendors"])
    ElementTree.fromstring(vendors)
    assert "<script>" not in vendors and "&lt;script&gt;" in vendors
    assert 'href="/engagements?x=1&amp;y=2"' in vendors


def test_json_has_the_same_figures_and_follows_filters(client, users, portfolio):
    client.login(users["leadership"])
    data = client.get("/api/v1/dashboard").get_json()
    assert data["dependency_trap"]["count"] == 4
    assert data["dependency_trap"]["filter"] == {"trap": "1"}
    assert data["dependency_trap"]["list_url"] == "/engagements?trap=1"
    assert data["risk_levels"]["none"]["filter"] == {"status": "open", "risk": "none"}
    assert [(c["currency"], c["amount"], c["count"]) for c in
            data["dependency_trap"]["contract_value"]] == [
        ("EUR", "1100000.00", 2), ("USD", "50000.00", 1), (None, "0", 1)]
    assert data["risk_levels"]["high"]["count"] == 4
    assert data["handovers_due"]["count"] == 1
    assert data["no_internal_owner"]["count"] == 2
    assert data["kt_overdue"]["count"] == 1
    assert len(data["handover_months"]) == 12
    northwind = portfolio["clean"].vendor_id
    filtered = client.get(f"/api/v1/dashboard?vendor={northwind}").get_json()
    assert filtered["engagements_in_scope"]["count"] == 3
    assert filtered["filters"] == {"status": "open", "vendor": northwind}


@pytest.mark.parametrize("query", [
    "vendor=abc", "vendor=-3", "status=bogus", "owner=" + "x" * 600, "vendor=99999999",
    "status=closed", "owner=%00", "owner=a%00b", "q=%00",
])
def test_bad_filters_are_ignored_not_a_500(client, users, portfolio, query):
    client.login(users["leadership"])
    assert client.get(f"/dashboard?{query}").status_code == 200
    assert client.get(f"/api/v1/dashboard?{query}").status_code == 200
    assert client.get(f"/engagements?{query}").status_code == 200


def test_every_role_sees_the_dashboard_and_leadership_lands_on_it(make_client, users):
    for role, landing in (("leadership", "/dashboard"), ("product_owner", "/my-work"),
                          ("procurement", "/engagements"), ("admin", "/engagements")):
        c = make_client()
        c.get("/login")
        response = c.post("/login", {"email": users[role].email,
                                     "password": "correct horse battery staple"})
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/", role
        assert urlsplit(c.get("/").headers["Location"]).path == landing, role
        assert c.get("/dashboard").status_code == 200, role


def test_dashboard_needs_sign_in(client):
    client.http.application.extensions["vendortrack"] = {"users_exist": True}
    assert client.get("/dashboard").status_code == 302
    assert client.get("/api/v1/dashboard").status_code == 401


def test_empty_dashboard_says_so(client, users):
    client.login(users["leadership"])
    html = client.get("/dashboard").get_data(as_text=True)
    assert "No open engagements yet" in html


def _queries_for_dashboard(client) -> int:
    engine = inspect(client.app.extensions["sqlalchemy"].engine).engine
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/dashboard").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_query_count_does_not_grow_with_engagements(app, client, users):
    from vendortrack import demo

    client.login(users["leadership"])
    _queries_for_dashboard(client)  # once per process: the cache looks for its triggers
    demo.seed(20, TODAY, seed_value=3)
    at_20 = _queries_for_dashboard(client)
    demo.seed(480, TODAY, seed_value=4)
    at_500 = _queries_for_dashboard(client)
    assert at_20 == at_500
    assert at_20 <= 15


def test_drill_down_on_demo_data(client, users):
    from vendortrack import demo

    demo.seed(150, TODAY, seed_value=11)
    client.login(users["leadership"])
    f = compute()
    assert f.trap.value > 0 and f.kt_overdue.value > 0 and f.handovers_due.value > 0
    for path, count in counts_in(f):
        assert list_total(client, "/engagements?" + "&".join(
            f"{k}={v}" for k, v in count.args().items())) == count.value, path


def test_board_pack_pdf_holds_the_tiles_numbers(client, users, portfolio):
    from pypdf import PdfReader

    client.login(users["leadership"])
    response = client.get("/dashboard/board-pack.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    # The big number and its label sit on separate lines: extraction may drop the space.
    assert re.search(r"\b4 ?engagements in dependency trap", text), text
    assert "€1,100,000.00" in text and "US$50,000.00" in text
    assert re.search(r"\b1 ?handover due in the next 90 days", text)
    assert re.search(r"\b2 ?engagements with no internal owner", text)
    assert re.search(r"\b5 ?active engagements", text)
    assert "Handover passed" in text and "HANDOVER_PASSED_OPEN_KT" in text
    assert "Which risk flags are most common" in text
    assert "Month of handover" in text  # the charts are drawn with their text
    for alt in ("Risk flags by code", "Risk level by vendor", "Handovers per month"):
        assert alt not in text  # an image's alternative text is printed only if it is missing
    assert "Exit readiness" in text and "Substitutability of the provider" in text


def test_figures_equal_a_plain_count_for_every_scope_and_day_in_one_process(app, users):
    # The scan's statement is built once per scope and day: figures for one must never be
    # read with another's statement.
    from sqlalchemy import func, select

    from vendortrack import demo
    from vendortrack.extensions import db
    from vendortrack.models import Engagement

    demo.seed(120, TODAY, seed_value=5)
    vendor = db.session.scalar(select(Engagement.vendor_id).where(
        Engagement.vendor_id.is_not(None)).limit(1))
    for day in (TODAY, TODAY + timedelta(days=45), TODAY - timedelta(days=400)):
        for args in ({}, {"status": "all"}, {"status": "active"}, {"vendor": str(vendor)}):
            f = dashboard_figures.compute(dashboard_figures.scope_from_args(args), day)
            for path, count in counts_in(f):
                plain = db.session.scalar(select(func.count()).select_from(Engagement)
                                          .where(*count.filter.conditions(day)))
                assert count.value == plain, (day, args, path)
