"""An engagement created in bulk (an import) is stored exactly as one saved through the form
path (``services.create_engagement``): every column, every row, the risk facts, the flags
and the history entry, compared table by table so that new columns are compared too."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from vendortrack import models, services
from vendortrack.domain import spec as specs
from vendortrack.domain.exit import Readiness
from vendortrack.extensions import db
from vendortrack.imports import service
from vendortrack.models import AuditEvent, Engagement

from .conftest import TODAY, complete_spec
from .import_files import HEADERS, row, xlsx_bytes

ROW_TABLES = (models.Metric, models.HardConstraint, models.TradeoffRule,
              models.EngagementPerson, models.Deliverable, models.EngagementFlag)
WHEN = {"created_at", "updated_at", "decided_at", "at"}  # set at save time: compared as set


def stored(engagement_id: int) -> dict:
    """Everything the database holds for one engagement, ids and timestamps aside."""

    def plain(values) -> dict:
        return {k: (v is not None if k in WHEN else v) for k, v in values.items()
                if k not in ("id", "engagement_id")}

    table = Engagement.__table__
    out = {"engagement": plain(db.session.execute(
        select(table).where(table.c.id == engagement_id)).mappings().one())}
    for model in ROW_TABLES:
        table = model.__table__
        order = table.c.position if "position" in table.c else table.c.code
        out[table.name] = [plain(r) for r in db.session.execute(
            select(table).where(table.c.engagement_id == engagement_id).order_by(order)
        ).mappings()]
    table = AuditEvent.__table__
    out["history"] = [plain(r) for r in db.session.execute(
        select(table).where(table.c.engagement_id == engagement_id).order_by(table.c.id)
    ).mappings()]
    return out


SPECS = {
    "complete": complete_spec(),
    "gaps that raise flags": complete_spec(
        internal_owner=None, successors=(), metrics=(), problem_statement="",
        handover_date=None, vendor="A vendor nobody knows yet"),
    "decided deliverables": complete_spec(deliverables=(
        specs.Deliverable("runbook", "Runbook", TODAY - timedelta(days=3), "", "accepted"),
        specs.Deliverable("training", "Training", TODAY - timedelta(days=1), "", "rejected"),
        specs.Deliverable("code", "Code", TODAY - timedelta(days=9), "Tests pass", ""),
        specs.Deliverable("documentation", "Docs", None, "", "delivered"),
    )),
    "several people of each kind": complete_spec(
        successors=(specs.Person("Ben", "ben@example.org"), specs.Person("Dee", "")),
        upskilling=(specs.Person("Chloe", ""), specs.Person("Eve", "eve@example.org"))),
    "only a title": specs.Spec(title="Just a title"),
}


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS)
def test_bulk_create_stores_what_the_form_path_stores(app, users, spec):
    user = users["procurement"]
    by_form = services.create_engagement(spec, user).id
    [in_bulk] = services.stage_create_engagements([spec], user)
    services.commit()
    db.session.expire_all()
    assert stored(in_bulk) == stored(by_form)
    assert (services.engagement_spec(db.session.get(Engagement, in_bulk))
            == services.engagement_spec(db.session.get(Engagement, by_form)))


def test_every_scalar_field_is_compared():
    """The comparison covers each column SCALAR_FIELDS drives (a new field is compared too)."""
    columns = set(Engagement.__table__.c.keys())
    for spec_field in specs.SCALAR_FIELDS:
        if spec_field.kind not in specs.LINK_KINDS:
            assert set(specs.columns_of(spec_field, spec_field.empty)) <= columns


def test_an_imported_workbook_row_equals_the_same_engagement_saved_by_form(app, users):
    data = xlsx_bytes([row("C-7", title="Billing platform", vendor="Acme")], HEADERS, sheets={
        "Metrics": [["Contract reference", "Metric", "Baseline", "Target"],
                    ["C-7", "Invoice errors", "40", "5"]],
        "Constraints": [["Contract reference", "Constraint"], ["C-7", "No customer data"]],
        "Trade-offs": [["Contract reference", "Rule", "Who decides"],
                       ["C-7", "Correct beats fast", "Owner"]],
        "Deliverables": [["Contract reference", "Kind", "Title", "Due date", "Status"],
                         ["C-7", "Runbook", "Runbook", "2026-12-01", "Accepted"],
                         ["C-7", "Training", "Training", "2027-02-01", ""]],
        "People": [["Contract reference", "Role", "Name"], ["C-7", "Successor", "Ben"],
                   ["C-7", "Upskilling", "Chloe"]],
    })
    user = users["procurement"]
    plan = service.confirm(data, "r.xlsx", user, mapping=None, orders=None,
                           skip_problems=False)
    assert plan.counts["create"] == 1
    imported = db.session.scalar(select(Engagement.id).where(
        Engagement.contract_reference == "C-7"))
    spec = services.engagement_spec(db.session.get(Engagement, imported))
    assert [d.status for d in spec.deliverables] == ["accepted", "planned"]
    by_form = services.create_engagement(replace(spec, contract_reference="C-8"), user).id
    db.session.expire_all()
    imported_rows, form_rows = stored(imported), stored(by_form)
    assert imported_rows["engagement"].pop("contract_reference") == "C-7"
    assert form_rows["engagement"].pop("contract_reference") == "C-8"
    for entry in imported_rows["history"] + form_rows["history"]:
        entry["changes"] = entry["changes"].replace('"C-7"', '"C-8"')
    assert imported_rows == form_rows


def test_an_imported_update_equals_the_same_update_saved_by_form(app, users):
    user = users["procurement"]
    first = services.create_engagement(complete_spec(contract_reference="C-1"), user)
    second = services.create_engagement(complete_spec(contract_reference="C-2"), user)
    data = xlsx_bytes([row("C-1", title="Renamed by import", vendor="Acme", value="300000")])
    plan = service.confirm(data, "r.xlsx", user, mapping=None, orders=None,
                           skip_problems=False)
    assert plan.counts["update"] == 1
    db.session.expire_all()
    imported = services.engagement_spec(db.session.get(Engagement, first.id))
    second = db.session.get(Engagement, second.id)
    services.update_engagement(second, replace(imported, contract_reference="C-2"), user,
                               expected_version=second.version)
    db.session.expire_all()
    imported_rows, form_rows = stored(first.id), stored(second.id)
    assert imported_rows["engagement"].pop("contract_reference") == "C-1"
    assert form_rows["engagement"].pop("contract_reference") == "C-2"
    for entry in imported_rows["history"] + form_rows["history"]:
        entry["changes"] = entry["changes"].replace('"C-1"', '"C-2"')
    assert [e["engagement_version"] for e in imported_rows["history"]] == [1, 2]
    assert imported_rows == form_rows


EXIT_PLAN = {"documented": True, "summary": "Move to Globex within 90 days.",
             "scenarios": ("termination", "provider_failure"),
             "last_tested_on": TODAY - timedelta(days=30), "last_test_result": "passed",
             "next_review_on": TODAY + timedelta(days=300), "alternatives": "yes",
             "alternative_providers": ("Globex plc",)}
EXIT_SPECS = {
    "critical function with an exit plan": complete_spec(
        business_function="Customer payments", exit_plan=EXIT_PLAN,
        substitutability="medium", reintegration="easy", transition_period_days=120),
    "critical function without a plan": complete_spec(business_function="Customer payments",
                                                      reintegration="difficult"),
    "a function nobody knows yet": complete_spec(business_function="Brand new function"),
}


def critical_function(user) -> None:
    services.save_function(None, {
        "name": "Customer payments", "criticality": "critical", "criticality_reasons": "",
        "assessed_on": None, "rto_hours": None, "rpo_hours": None, "impact": None}, user)


@pytest.mark.parametrize("spec", EXIT_SPECS.values(), ids=EXIT_SPECS)
def test_bulk_create_stores_the_exit_facts_the_form_path_stores(app, users, spec):
    user = users["procurement"]
    critical_function(users["admin"])
    by_form = services.create_engagement(spec, user).id
    [in_bulk] = services.stage_create_engagements([spec], user)
    services.commit()
    db.session.expire_all()
    bulk = stored(in_bulk)
    assert bulk == stored(by_form)
    assert bulk["engagement"]["business_function_id"] is not None
    assert bulk["engagement"]["supports_critical_function"] == (
        spec.business_function == "Customer payments")
    assert (services.engagement_spec(db.session.get(Engagement, in_bulk))
            == services.engagement_spec(db.session.get(Engagement, by_form)))


def test_bulk_insert_with_an_attested_successor_stores_what_an_attestation_stores(app, users,
                                                                                ben):
    """Demo data inserts successors' attestations with the engagement: the columns equal an
    engagement saved by form whose successor then attested (history and who recorded it
    aside: demo data has neither)."""
    user = users["procurement"]
    critical_function(users["admin"])
    spec = EXIT_SPECS["critical function with an exit plan"]
    by_form = services.create_engagement(spec, user)
    services.record_readiness(by_form.successors[0], {"operate", "maintain", "extend",
                                                      "explain"}, ben, TODAY)
    [in_bulk] = services.insert_engagements(
        [spec], [by_form.vendor_id], [by_form.business_function_id], [True],
        created_by_id=user.id, now=models.utcnow(),
        readiness=[[Readiness(True, True, True, True, TODAY)]])
    services.commit()
    db.session.expire_all()
    bulk, form = stored(in_bulk), stored(by_form.id)
    for rows in (bulk, form):
        assert rows.pop("history") is not None
        rows["engagement"].pop("version")
        for person in rows["engagement_person"]:
            person.pop("attested_by_id")
    assert bulk["engagement"]["successor_ready"] and bulk["engagement"][
        "supports_critical_function"]
    assert bulk["engagement_person"][0]["can_explain"]
    assert bulk["engagement_person"][0]["attested_on"] == TODAY
    assert bulk == form
