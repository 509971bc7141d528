"""One description of the spec's fields: every place that names them names the same set.

A field added to the table but forgotten in the dataclass, the form, the API schema, the
OpenAPI document, the labels, the database or a template's sections fails here instead of
being dropped without a word.
"""
import re
from dataclasses import fields
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect

from vendortrack import forms, services
from vendortrack.api import openapi, schema
from vendortrack.domain import spec as specs
from vendortrack.domain.vocabulary import (
    FIELD_LABELS,
    FORM_LABELS,
    HISTORY_LABELS,
    ROW_LABELS,
    SECTION_LABELS,
)
from vendortrack.forms import SECTIONS as FORM_SECTIONS
from vendortrack.forms import EngagementForm
from vendortrack.models import Engagement

from .conftest import complete_spec

TEMPLATES = Path(__file__).parent.parent / "templates"
NAMES = {f.name for f in specs.SCALAR_FIELDS}
ALL = NAMES | set(specs.SECTIONS)


def form_names(spec_field):
    return {"owner_name", "owner_email"} if spec_field.kind == "person" else {spec_field.name}


def test_the_dataclass_names_exactly_the_table_and_the_sections():
    assert {f.name for f in fields(specs.Spec)} == ALL
    assert set(specs.SPEC_FIELDS) == ALL and len(specs.SPEC_FIELDS) == len(ALL)
    assert set(FORM_SECTIONS) == set(specs.SECTIONS)


def test_the_form_has_a_field_for_each(app):
    with app.test_request_context():
        form = EngagementForm(meta={"csrf": False})
        scalar_fields = {f.name for f in form if f.type not in ("RowList", "HiddenField")}
    assert scalar_fields == set().union(*(form_names(f) for f in specs.SCALAR_FIELDS))


def test_the_api_accepts_and_documents_the_same_fields():
    for name in ("create", "update"):
        accepted = set(schema.VALIDATORS[name].schema["properties"]) - set(openapi.READ_ONLY)
        assert accepted == ALL, name
    document = openapi.document()["components"]["schemas"]
    assert set(document["Engagement"]["properties"]) - set(openapi.READ_ONLY) == ALL
    assert set(specs.to_json(complete_spec())) == ALL


def test_every_field_and_section_has_its_words():
    assert set(FIELD_LABELS) >= NAMES
    assert set(SECTION_LABELS) == set(ROW_LABELS) == set(specs.SECTIONS)
    assert set(FORM_LABELS) <= NAMES
    assert set(HISTORY_LABELS) >= ALL - set(specs.SECTIONS)
    for spec_field in specs.SCALAR_FIELDS:
        for part in spec_field.parts:
            assert f"{spec_field.name}.{part}" in FIELD_LABELS
        for code in spec_field.choices:
            assert spec_field.choices[code], code


def test_every_field_has_its_columns():
    columns = {c.key for c in inspect(Engagement).columns}
    for spec_field in specs.SCALAR_FIELDS:
        if spec_field.kind not in specs.LINK_KINDS:
            wanted = set(specs.columns_of(spec_field, spec_field.empty))
            assert wanted <= columns, spec_field.name


@pytest.mark.parametrize("template, macro", [
    ("engagements/form.html", "form_fields"),
    ("engagements/show.html", "fact_rows"),
    ("annex/_document.html", "annex_rows"),
])
def test_every_section_of_the_table_is_rendered(template, macro):
    """Fields without ``by_hand`` are rendered from the table by section; a section that no
    template renders would hide its fields."""
    source = (TEMPLATES / template).read_text()
    for included in re.findall(r'{% include "([^"]+)" %}', source):  # one level deep
        source += (TEMPLATES / included).read_text()
    rendered = set()
    for call in re.findall(macro + r"\([^)]*\)", source):
        rendered |= set(re.findall(r"'(\w+)'", call))
    assert {f.section for f in specs.SCALAR_FIELDS} <= rendered


def sample(spec_field):
    """A value, other than the empty one, for a field of this kind."""
    if spec_field.kind == "choice":
        return list(spec_field.choices)[-1]
    if spec_field.kind == "object":
        return {part.name: sample(part) for part in spec_field.subfields()}
    if spec_field.kind == "codes":
        return tuple(spec_field.choices)[:2]
    return {
        "text": f"x-{spec_field.name}", "longtext": f"Long\ntext {spec_field.name}",
        "vendor": "Sample Vendor Ltd", "currency": "CHF", "money": Decimal("1234.50"),
        "date": date(2026, 5, 17), "bool": not spec_field.empty, "integer": 7,
        "person": specs.Person("Pat Doe", "pat@example.org"),
        "function": "Sample payments", "names": ("Acme Ltd", "Globex plc"),
        "countries": ("IE", "DE"), "country": "IE",
    }[spec_field.kind]


def test_every_field_survives_the_database_the_form_and_the_api(app, users):
    values = {f.name: sample(f) for f in specs.SCALAR_FIELDS}
    values["substitutability"] = "highly_complex"  # "easy" needs no reason it is hard
    values["stores_data"] = "yes"  # storage countries are listed
    spec = complete_spec(**values)
    engagement = services.create_engagement(spec, users["product_owner"])
    saved = services.engagement_spec(engagement)
    assert {n: getattr(saved, n) for n in values} == values
    with app.test_request_context():
        form = EngagementForm(data=EngagementForm.data_for(saved, [None, None]),
                              meta={"csrf": False})
        typed = form.to_spec()
    assert {n: getattr(typed, n) for n in values} == values
    parsed, _ = schema.parse_engagement(specs.to_json(spec))
    assert {n: getattr(parsed, n) for n in values} == values


NOTICE = specs.SpecField("notice_period_days", "object", limit=None,
                         parts=("organisation", "provider"))
FUNCTION = specs.SpecField("business_function", "choice", limit=None,
                           choices={"": "Not said", "critical": "Critical or important"})


def test_a_nested_field_is_described_by_its_parts():
    """What a future nested field (e.g. notice periods on both sides) gets from the table."""
    described = openapi._field_schema(NOTICE)
    assert described["nullable"] and described["additionalProperties"] is False
    assert set(described["properties"]) == {"organisation", "provider"}
    assert described["properties"]["provider"]["type"] == "integer"
    assert specs.columns_of(NOTICE, {"organisation": 30, "provider": None}) == {
        "notice_period_days_organisation": 30, "notice_period_days_provider": None}
    columns = {"notice_period_days_organisation": None, "notice_period_days_provider": 90}
    assert specs.value_from_columns(NOTICE, columns.get) == {"organisation": None,
                                                             "provider": 90}
    assert specs.value_from_columns(NOTICE, dict.fromkeys(columns).get) is None
    assert schema_formdata(NOTICE, {"organisation": 30, "provider": None}) == [
        ("notice_period_days-organisation", "30")]
    assert schema._json_path("notice_period_days-provider") == "notice_period_days.provider"


def test_a_choice_field_offers_its_vocabulary(monkeypatch):
    monkeypatch.setitem(forms.FIELD_LABELS, "business_function", "Business function")
    assert openapi._field_schema(FUNCTION)["enum"] == ["", "critical", None]
    assert FUNCTION.empty == ""
    field = forms._form_field(FUNCTION).bind(forms.Form(), "business_function")
    assert [(c.value, c.label) for c in field.choices] == [("", "Not said"),
                                                           ("critical", "Critical or important")]


def schema_formdata(spec_field, value):
    return schema._scalar_formdata(spec_field, value)


def test_an_annex_prints_the_recorded_fields_and_names_the_others():
    exit_plan = specs.FIELDS_BY_NAME["exit_plan"]
    empty_plan = {part.name: part.empty for part in exit_plan.subfields()}
    snapshot = specs.to_json(complete_spec(annual_expense=Decimal("113000")))
    snapshot["exit_plan"] = empty_plan  # every part empty: says nothing
    snapshot.pop("governing_law_country")  # an older snapshot, before the field existed
    recorded, missing = specs.annex_fields(snapshot, ["terms", "exit"])
    assert "annual_expense" in [f.name for f in recorded]
    assert {"exit_plan", "governing_law_country"} <= {f.name for f in missing}
    assert not {f.name for f in recorded} & {f.name for f in missing}
    assert len(recorded) + len(missing) == len(
        [f for s in ("terms", "exit") for f in specs.fields_in(s) if not f.progress])
    snapshot["exit_plan"] = {**empty_plan, "documented": True}
    assert "exit_plan" in [f.name for f in specs.annex_fields(snapshot, ["exit"])[0]]
