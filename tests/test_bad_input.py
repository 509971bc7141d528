"""Arbitrary input through the form and the API: never a 5xx, nothing half-saved, every
refusal explained; script payloads always escaped."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from vendortrack import services
from vendortrack.extensions import db
from vendortrack.models import Deliverable, Engagement, Metric, Vendor
from vendortrack.tokens import create_token

from .conftest import complete_spec

anything = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec=None, categories=["Cc", "Cs", "Zs", "So"]),
            max_size=20),
    st.text(min_size=150, max_size=400),
    st.sampled_from(["2027-02-30", "31/12/2026", "-1", "1e400", "NaN", "１２３", "0x10",
                     "9" * 40, "<script>alert(1)</script>", "' OR 1=1 --", ""]),
)
FIELDS = ["title", "vendor", "contract_reference", "contract_value", "currency", "status",
          "start_date", "end_date", "handover_date", "problem_statement", "owner_name",
          "owner_email", "metrics-0-name", "metrics-0-target", "metrics-0-name",
          "metrics-7-baseline", "deliverables-0-due_date", "deliverables-0-kind",
          "deliverables-0-title", "deliverables-3-id", "successors-0-email", "constraints-0-text",
          "tradeoffs-0-rule", "version"]
SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (Engagement, Vendor, Metric, Deliverable))


# A browser cannot send lone surrogates in a form (it sends U+FFFD); JSON can, tested below.
form_text = anything.map(lambda s: s.encode("utf-8", "replace").decode())


@SETTINGS
@given(data=st.lists(st.tuples(st.sampled_from(FIELDS), form_text), max_size=12))
def test_form_never_fails_and_never_half_saves(app, client, users, data):
    if client.token is None:
        client.login(users["product_owner"])
    before = counts()
    response = client.open("POST", "/engagements/new",
                           data=MultiDict([*data, ("csrf_token", client.token)]))
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    after = counts()
    if response.status_code == 200:  # refused: explained, nothing saved
        body = response.get_data(as_text=True)
        assert "error-summary" in body or "row_action" in body
        assert after == before
    else:
        assert response.status_code == 302 and after[0] == before[0] + 1


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), anything),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8)
keys = st.sampled_from(["title", "vendor", "contract_value", "currency", "status", "start_date",
                        "end_date", "internal_owner", "metrics", "constraints", "deliverables",
                        "successors", "tradeoffs", "core_capability", "bogus"])


@SETTINGS
@given(body=st.one_of(json_values, st.dictionaries(keys, json_values, max_size=6)),
       title=st.one_of(st.none(), anything))
def test_api_never_fails_and_never_half_saves(app, users, body, title):
    if isinstance(body, dict) and title is not None:
        body["title"] = title
    token = app.config.setdefault("BAD_INPUT_TOKEN", create_token(users["product_owner"], "h"))
    before = counts()
    with app.app_context():
        response = app.test_client().post("/api/v1/engagements", data=json.dumps(body),
                                          headers={"Authorization": f"Bearer {token}",
                                                   "Content-Type": "application/json"})
    db.session.rollback()
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code == 201:
        assert counts()[0] == before[0] + 1
    else:
        assert response.status_code in (400, 422) and response.is_json
        assert response.json.get("errors") or response.json.get("error")
        assert counts() == before


def test_duplicate_and_missing_rows(client, users):
    client.login(users["product_owner"])
    data = [("title", "Dupes"), ("metrics-0-name", "A"), ("metrics-0-name", "B"),
            ("metrics-5-name", "C"), ("deliverables-2-title", "Only row 2")]
    response = client.open("POST", "/engagements/new",
                           data=MultiDict([*data, ("csrf_token", client.token)]))
    assert response.status_code == 302
    engagement = db.session.scalar(select(Engagement))
    assert [m.name for m in engagement.metrics] == ["A", "C"]
    assert [d.title for d in engagement.deliverables] == ["Only row 2"]


PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_script_payloads_are_escaped_on_every_page(client, users):
    from vendortrack.domain.spec import Deliverable as Row
    from vendortrack.domain.spec import Metric as MetricRow
    from vendortrack.domain.spec import Person, Tradeoff

    spec = complete_spec(
        title=PAYLOAD, vendor=PAYLOAD, contract_reference=PAYLOAD[:90],
        problem_statement=PAYLOAD, internal_owner=Person(PAYLOAD, ""),
        successors=(Person(PAYLOAD, ""),), upskilling=(Person(PAYLOAD, ""),),
        metrics=(MetricRow(PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD),),
        constraints=(PAYLOAD,), tradeoffs=(Tradeoff(PAYLOAD, PAYLOAD),),
        deliverables=(Row("runbook", PAYLOAD, None, PAYLOAD, "planned"),))
    engagement = services.create_engagement(spec, users["admin"])
    client.login(users["admin"])
    pages = [f"/engagements/{engagement.id}", f"/engagements/{engagement.id}/edit",
             "/engagements", f"/engagements?q={PAYLOAD}", "/vendors/",
             f"/vendors/{engagement.vendor_id}", "/admin/history"]
    for url in pages:
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, url
    show = client.get(pages[0]).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in show


ODD_NUMBERS = ["%C2%B2", "99999999999999999999", "9" * 5000, "-1", "1.5"]


def test_odd_numbers_and_dates_in_urls_never_give_500(client, users, make_engagement):
    engagement = make_engagement()
    client.login(users["admin"])
    urls = []
    for odd in ODD_NUMBERS:
        urls += [f"/engagements?page={odd}", f"/engagements?vendor={odd}",
                 f"/engagements?handover_within={odd}", f"/dashboard?vendor={odd}",
                 f"/api/v1/dashboard?vendor={odd}", f"/engagements/register.csv?vendor={odd}",
                 f"/engagements/{engagement.id}/annexes/compare?from={odd}",
                 f"/vendors/?page={odd}", f"/admin/history?user={odd}",
                 f"/engagements/{engagement.id}/history?page={odd}",
                 f"/api/v1/engagements?page={odd}"]
    urls += ["/engagements?handover_month=9999-12", "/api/v1/engagements?handover_month=9999-12",
             "/engagements/register.csv?handover_month=9999-12", "/admin/history?to=9999-12-31",
             "/admin/history?from=0001-01-01"]
    for url in urls:
        assert client.get(url).status_code < 500, url


def test_odd_numbers_in_forms_never_give_500(client, users, make_engagement):
    engagement = make_engagement(creator=users["admin"])
    client.login(users["admin"])
    edit = f"/engagements/{engagement.id}/edit"
    for odd in ("²", "9" * 30, "9" * 5000):
        for data in ({"title": "T", "version": odd}, {"title": "T", "deliverables-0-id": odd,
                                                     "deliverables-0-title": "D"},
                     {"title": "T", f"metrics-{odd}-name": "M"}):
            assert client.post(edit, data).status_code < 500, data
            assert client.post("/engagements/new", data).status_code < 500, data
        response = client.post(f"/engagements/{engagement.id}/annexes", {"number": odd})
        assert response.status_code < 500


def test_a_deliverable_id_sent_twice_does_not_copy_its_acceptance(client, users,
                                                                  make_engagement):
    engagement = make_engagement(creator=users["admin"])
    first = engagement.deliverables[0]
    services.change_deliverable_status(first, "delivered", users["admin"])
    services.change_deliverable_status(first, "accepted", users["admin"])
    client.login(users["admin"])
    version = str(db.session.get(Engagement, engagement.id).version)
    client.post(f"/engagements/{engagement.id}/edit", {
        "title": "T", "version": version,
        "deliverables-0-id": str(first.id), "deliverables-0-title": "Runbook",
        "deliverables-1-id": str(first.id), "deliverables-1-title": "Never delivered"})
    db.session.expire_all()
    rows = {d.title: d.status for d in db.session.get(Engagement, engagement.id).deliverables}
    assert rows == {"Runbook": "accepted", "Never delivered": "planned"}
