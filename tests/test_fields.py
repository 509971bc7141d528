"""The select widget that builds each option once renders exactly what WTForms renders."""
from __future__ import annotations

import pytest
from wtforms import Form, widgets
from wtforms import SelectField as PlainSelectField
from wtforms.fields import SelectChoice

from vendortrack.fields import SelectField
from vendortrack.forms import COUNTRY_CHOICES, CountryField

CHOICES = [SelectChoice("", "Not recorded"), SelectChoice("a&b", "A & <b>"), SelectChoice("c", "C")]


def pair(choices, **kwargs):
    class Both(Form):
        ours = SelectField(choices=choices, **kwargs)
        theirs = PlainSelectField(choices=choices, **kwargs)
    return Both


@pytest.mark.parametrize("choices, data", [
    (CHOICES, None), (CHOICES, "a&b"), (CHOICES, "c"),
    ([SelectChoice("x", "X", render_kw={"disabled": True}), SelectChoice("y", "Y")], "y"),
    ([SelectChoice(1, "One"), SelectChoice(2, "Two")], 2),
])
def test_the_same_html_as_wtforms(choices, data):
    coerce = int if isinstance(choices[0].value, int) else str
    form = pair(choices, coerce=coerce)(data={"ours": data, "theirs": data})
    for _ in range(2):  # the second render comes from the built options
        assert form.ours(class_="x") == form.theirs(class_="x").replace("theirs", "ours")


def test_an_option_is_selected_only_where_the_data_says():
    form = pair(CHOICES)(data={"ours": "c", "theirs": "c"})
    html = str(form.ours())
    assert '<option selected value="c">C</option>' in html
    assert html.count("selected") == 1
    form = pair(CHOICES)(data={"ours": "a&b", "theirs": "a&b"})
    assert '<option value="c">C</option>' in str(form.ours())
    assert '<option selected value="a&amp;b">A &amp; &lt;b&gt;</option>' in str(form.ours())


def test_the_country_list_renders_as_wtforms_would():
    class Country(Form):
        country = CountryField()

    form = Country(data={"country": "IE"})
    plain = widgets.Select()(form.country)
    assert form.country() == plain
    assert plain.count("<option") == len(COUNTRY_CHOICES)
    assert '<option selected value="IE">Ireland (IE)</option>' in plain
