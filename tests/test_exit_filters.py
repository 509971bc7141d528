"""The engagement list filters by business function, its criticality and the exit assessments."""
import pytest

from vendortrack import services
from vendortrack.extensions import db

from .conftest import TODAY


@pytest.fixture
def landscape(app, users, make_engagement):
    def function(name, criticality):
        return services.save_function(None, {
            "name": name, "criticality": criticality, "criticality_reasons": "",
            "assessed_on": TODAY, "rto_hours": None, "rpo_hours": None, "impact": None},
            users["admin"])

    payments, canteen = function("Payments", "critical"), function("Canteen", "not_critical")
    rows = {
        "pay": make_engagement(title="Card gateway"),
        "pay2": make_engagement(title="Fraud scoring"),
        "food": make_engagement(title="Menu app"),
        "none": make_engagement(title="Unlinked"),
    }
    for key, fn in (("pay", payments), ("pay2", payments), ("food", canteen)):
        rows[key].business_function_id = fn.id
        rows[key].supports_critical_function = fn.criticality == "critical"
    rows["pay"].substitutability, rows["pay"].reintegration = "easy", "easy"
    rows["pay"].reintegration_suggested = "difficult"
    db.session.commit()
    return {"payments": payments, "canteen": canteen, **rows}


def titles(client, query):
    body = client.get(f"/engagements?{query}").get_data(as_text=True)
    return {t for t in ("Card gateway", "Fraud scoring", "Menu app", "Unlinked") if t in body}


@pytest.mark.parametrize("query, expected", [
    ("criticality=critical", {"Card gateway", "Fraud scoring"}),
    ("criticality=not_critical", {"Menu app"}),
    ("criticality=not_assessed", set()),
    ("substitutability=easy", {"Card gateway"}),
    ("substitutability=none", {"Fraud scoring", "Menu app", "Unlinked"}),
    ("reintegration=easy&suggested=difficult", {"Card gateway"}),
    ("suggested=highly_complex", {"Fraud scoring", "Menu app", "Unlinked"}),
    ("criticality=nonsense", {"Card gateway", "Fraud scoring", "Menu app", "Unlinked"}),
])
def test_list_filters(client, users, landscape, query, expected):
    client.login(users["leadership"])
    assert titles(client, query) == expected


def test_filter_by_function(client, users, landscape):
    client.login(users["leadership"])
    assert titles(client, f"function={landscape['canteen'].id}") == {"Menu app"}
    page = client.get("/engagements").get_data(as_text=True)
    assert f'<option value="{landscape["payments"].id}">Payments</option>' in page
