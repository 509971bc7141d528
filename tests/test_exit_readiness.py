"""Exit readiness end to end: the form, the API with its 422 paths, the engagement page, the
flags appearing and going, attestations kept across edits, and the dashboard panel."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from vendortrack import services
from vendortrack.dashboard import exit_panel
from vendortrack.extensions import db
from vendortrack.models import BusinessFunction, Engagement
from vendortrack.queries import EngagementFilter

from .conftest import TODAY, complete_spec

D = timedelta(days=1)
ALL = {"operate", "maintain", "extend", "explain"}
PLAN = {"documented": True, "summary": "Move to Globex within 90 days.",
        "scenarios": ["termination", "provider_failure"],
        "last_tested_on": (TODAY - 30 * D).isoformat(), "last_test_result": "passed",
        "next_review_on": (TODAY + 300 * D).isoformat(), "alternatives": "yes",
        "alternative_providers": ["Globex plc"]}
EXIT = {"business_function": "Customer payments",
        "notice_period_days": {"organisation": 90, "provider": 180},
        "transition_period_days": 120,
        "countries": {"service": ["IE", "DE"], "data_storage": ["IE"], "data_processing": []},
        "annual_expense": 120000, "exit_plan": PLAN, "substitutability": "medium",
        "reintegration": "difficult"}


def critical(name="Customer payments", user=None):
    # Requests in between wrote (a token's last use): leave the test's old read snapshot,
    # which SQLite would not let write.
    db.session.rollback()
    function = services.find_function(name)
    values = {"name": name, "criticality": "critical", "criticality_reasons": "",
              "assessed_on": None, "rto_hours": None, "rpo_hours": None, "impact": None}
    return services.save_function(function, values, user)


def codes(api, url):
    return {f["code"] for f in api["admin"].get(url).json["risk"]["flags"]}


def test_the_api_round_trips_the_exit_fields(api):
    created = api["product_owner"].post("/api/v1/engagements", {"title": "Payments", **EXIT})
    assert created.status_code == 201, created.json
    body = api["leadership"].get(created.headers["Location"]).json
    assert {k: body[k] for k in EXIT} == EXIT
    assert body["reintegration_suggested"] == "highly_complex"
    function = db.session.scalar(select(BusinessFunction))
    assert (function.name, function.criticality) == ("Customer payments", "not_assessed")
    # send back what GET returned: accepted, readiness ignored
    body["successors"] = [{"name": "Ben", "email": "ben@example.org",
                           "readiness": {"operate": True}}]
    assert api["product_owner"].put(created.headers["Location"], body).status_code == 200


@pytest.mark.parametrize("field, value, path, message", [
    ("substitutability", "trivial", "substitutability", "Must be one of"),
    ("exit_plan", {**PLAN, "last_test_result": "great"}, "exit_plan.last_test_result",
     "Must be one of"),
    ("exit_plan", {**PLAN, "scenarios": ["asteroid"]}, "exit_plan.scenarios",
     "Must be some of"),
    ("exit_plan", {**PLAN, "last_tested_on": (TODAY + D).isoformat()},
     "exit_plan.last_tested_on", "The last test cannot be in the future."),
    ("exit_plan", {**PLAN, "last_tested_on": (TODAY - 10 * D).isoformat(),
                   "next_review_on": (TODAY - 11 * D).isoformat()},
     "exit_plan.next_review_on", "The next review cannot be before the last test."),
    ("transition_period_days", 3651, "transition_period_days",
     "Enter a whole number of days from 0 to 3,650."),
    ("transition_period_days", -1, "transition_period_days",
     "Enter a whole number of days from 0 to 3,650."),
    ("notice_period_days", {"organisation": 4000}, "notice_period_days.organisation",
     "Enter a whole number of days from 0 to 3,650."),
    ("countries", {"service": ["XX"]}, "countries.service", "“XX” is not a country code"),
    ("transition_period_days", "90", "transition_period_days", "Must be a whole number."),
    ("exit_plan", {"documented": "yes"}, "exit_plan.documented", "Must be true or false."),
])
def test_bad_exit_input_is_a_422_with_its_path_and_nothing_is_saved(api, field, value, path,
                                                                    message):
    response = api["product_owner"].post("/api/v1/engagements",
                                         {"title": "Payments", field: value})
    assert response.status_code == 422, response.json
    assert any(message in m for m in response.json["errors"].get(path, [])), response.json
    assert db.session.scalar(select(Engagement)) is None


def test_bad_exit_input_on_the_page_is_shown_by_the_field(client, users):
    client.login(users["product_owner"])
    body = client.post("/engagements/new", {
        "title": "Payments", "transition_period_days": "99999",
        "exit_plan-last_tested_on": (TODAY + D).isoformat(),
        "countries-service": "IE, XX"}).get_data(as_text=True)
    assert "Enter a whole number of days from 0 to 3,650." in body
    assert 'id="transition_period_days-error"' in body
    assert "The last test cannot be in the future." in body
    assert 'id="exit_plan-last_tested_on-error"' in body
    assert "“XX” is not a country code" in body and 'value="IE, XX"' in body
    assert db.session.scalar(select(Engagement)) is None
    assert "<details class=\"form-details\" open>" in body  # errors open the exit sections


def test_marking_the_function_critical_raises_the_flags_and_the_plan_clears_them(
        api, users, make_engagement):
    """The product owner's walk through: critical function, flags with fixes, plan, test."""
    engagement = make_engagement(business_function="Customer payments")
    url = f"/api/v1/engagements/{engagement.id}"
    assert not codes(api, url) & {"EXIT_PLAN_MISSING", "NO_ALTERNATIVES"}
    critical(user=users["product_owner"])
    assert {"EXIT_PLAN_MISSING", "NO_ALTERNATIVES"} <= codes(api, url)
    trapped = EngagementFilter(trap=True, flag="EXIT_PLAN_MISSING")
    assert db.session.scalar(select(Engagement.id).where(*trapped.conditions(TODAY)))
    body = api["product_owner"].get(url).json
    body.update(exit_plan={**PLAN, "last_tested_on": None, "alternatives": "no"},
                substitutability="medium")
    body = api["product_owner"].put(url, body).json
    assert {"EXIT_PLAN_UNTESTED", "NO_ALTERNATIVES"} <= codes(api, url)
    assert "EXIT_PLAN_MISSING" not in codes(api, url)
    body["exit_plan"] = PLAN
    api["product_owner"].put(url, body)
    assert not codes(api, url) & {"EXIT_PLAN_MISSING", "EXIT_PLAN_UNTESTED", "NO_ALTERNATIVES"}


def test_the_engagement_page_shows_the_exit_section(client, users, make_engagement):
    critical(user=users["admin"])
    engagement = make_engagement(business_function="Customer payments",
                                 exit_plan={**{k: v for k, v in PLAN.items()},
                                            "last_tested_on": TODAY - 30 * D,
                                            "next_review_on": TODAY + 300 * D,
                                            "scenarios": ("termination",),
                                            "alternative_providers": ("Globex plc",)},
                                 reintegration="easy")
    client.login(users["leadership"])
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert "Exit readiness" in page and "Critical or important" in page
    assert "Globex plc" in page and "Termination of the contract" in page
    assert "REINTEGRATION_OVERSTATED" in page or "more optimistic than the evidence" in page


def test_an_attestation_stays_with_its_successor_across_edits(users, make_engagement, ben):
    engagement = make_engagement()
    services.record_readiness(engagement.successors[0], ALL, ben, TODAY)
    spec = services.engagement_spec(engagement)
    services.update_engagement(engagement, spec, users["admin"],
                               expected_version=engagement.version)
    db.session.expire_all()
    engagement = db.session.get(Engagement, engagement.id)
    assert engagement.successor_ready and engagement.successors[0].can_explain
    from vendortrack.domain.spec import Person
    services.update_engagement(engagement, complete_spec(
        successors=(Person("Dana Lee", "dana@example.org"),)), users["admin"],
        expected_version=engagement.version)
    db.session.expire_all()
    engagement = db.session.get(Engagement, engagement.id)
    assert not engagement.successor_ready and engagement.successors[0].attested_on is None


def test_dashboard_panel_counts_a_hand_built_portfolio_and_drills_down(client, users,
                                                                        make_engagement):
    critical(user=users["admin"])
    plan_ok = {**{k: v for k, v in PLAN.items()}, "last_tested_on": TODAY - 30 * D,
               "next_review_on": TODAY + 300 * D, "scenarios": (), "alternative_providers": ()}
    build = {
        "no plan": dict(exit_plan=None),
        "stale": dict(exit_plan={**plan_ok, "last_tested_on": TODAY - 366 * D}),
        "fresh": dict(exit_plan={**plan_ok, "last_tested_on": TODAY - 365 * D},
                      substitutability="easy", reintegration="easy"),
        "handover soon": dict(exit_plan=plan_ok, handover_date=TODAY + 30 * D),
        "closed": dict(exit_plan=None, status="closed"),
    }
    for title, fields in build.items():
        make_engagement(title=title, business_function="Customer payments", **fields)
    make_engagement(title="not critical", exit_plan=None)
    panel = exit_panel.compute(EngagementFilter(status="open"), TODAY)
    assert panel.critical.value == 4
    assert {f.code: f.value for f in panel.of_which} == {
        "no_plan": 1, "untested": 1, "successors_not_ready": 1}
    assert {s.code: s.value for s in panel.substitutability}["easy"] == 1
    rows = {row.code: {c.code: c.value for c in cells} for row, cells in panel.reintegration}
    assert rows["easy"]["highly_complex"] == 1  # rated easy, the evidence says otherwise
    client.login(users["leadership"])
    figures = [panel.critical, *panel.of_which, *panel.substitutability,
               *(row for row, _ in panel.reintegration),
               *(c for _, cells in panel.reintegration for c in cells)]
    for figure in figures:
        query = "&".join(f"{k}={v}" for k, v in figure.args().items())
        page = client.get(f"/engagements?{query}").get_data(as_text=True)
        assert f"<strong data-total>{figure.value}</strong>" in page, (figure.code, query)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Exit readiness" in dashboard and "criticality=critical" in dashboard


def test_the_annual_expense_is_shown_in_the_contract_currency(client, users, make_engagement):
    from decimal import Decimal

    engagement = make_engagement(currency="EUR", annual_expense=Decimal("113000"))
    client.login(users["procurement"])
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    annex = client.get(f"/engagements/{engagement.id}/annex").get_data(as_text=True)
    for html in (page, annex):
        assert "€113,000.00" in html
