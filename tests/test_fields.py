"""The widgets of vendortrack.fields (inputs built without Markup.format, options built once)
render exactly what WTForms renders."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import wtforms
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, widgets
from wtforms import SelectField as PlainSelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from vendortrack import fields
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


# --- inputs: the same attributes, escaping and flags as WTForms' widgets ----------------------

TRICKY = 'a < b & "c" \'d\' > e'


@pytest.mark.parametrize("kwargs", [
    {}, {"class_": "wide", "data_row_id": 3, "aria_describedby": "x-help x-error"},
    {"autofocus": True, "readonly": False, "aria-invalid": "true", "list": "vendor-names"},
    {"title": TRICKY, "placeholder": Markup('say "hi" &amp; go')},
])
def test_html_params_as_wtforms(kwargs):
    assert fields.html_params(**kwargs) == widgets.html_params(**kwargs)
    assert isinstance(fields.html_params(**kwargs), Markup)


def specimen(kinds):
    """A form with one field of each kind, from ``kinds`` (wtforms or vendortrack.fields)."""

    class Specimen(Form):
        text = kinds.StringField(validators=[InputRequired(), Length(max=20)])
        area = kinds.TextAreaField(validators=[Length(min=2, max=9)])
        hidden = kinds.HiddenField()
        password = kinds.PasswordField()
        check = kinds.BooleanField()
        day = kinds.DateField()
        amount = kinds.DecimalField(validators=[NumberRange(min=0, max=10)])

    return Specimen


Theirs, Ours = specimen(wtforms), specimen(fields)


@pytest.mark.parametrize("data", [
    {},
    {"text": TRICKY, "area": f"{TRICKY}\nline two", "hidden": TRICKY, "password": TRICKY,
     "check": True, "day": date(2027, 3, 31), "amount": Decimal("2.50")},
])
@pytest.mark.parametrize("kwargs", [{}, {"aria_describedby": "x-help", "rows": 3,
                                         "autofocus": True, "class_": 'c"d'}])
def test_every_input_renders_as_wtforms(data, kwargs):
    ours, theirs = Ours(data=data), Theirs(data=data)
    for name in ("text", "area", "hidden", "password", "check", "day", "amount"):
        assert type(ours[name]).__name__ == type(theirs[name]).__name__  # templates test it
        assert ours[name](**kwargs) == theirs[name](**kwargs), name


def test_typed_text_comes_back_escaped():
    """What was typed, with <, ", ' and &, comes back in the value attribute and the textarea
    escaped once, as the form posted it."""
    form = Ours(MultiDict({"text": TRICKY, "area": TRICKY}))
    escaped = "a &lt; b &amp; &#34;c&#34; &#39;d&#39; &gt; e"
    assert f'value="{escaped}"' in form.text()
    assert form.area().endswith(f">\r\n{escaped}</textarea>")
    assert 'maxlength="20" name="text" required type="text"' in form.text()
    assert 'maxlength="9" minlength="2" name="area"' in form.area()


def test_a_required_select_with_attributes_renders_as_wtforms():
    form = pair(CHOICES, validators=[InputRequired()])(data={"ours": "c", "theirs": "c"})
    kwargs = {"aria_describedby": "ours-help", "aria-invalid": "true", "title": TRICKY}
    assert form.ours(**kwargs) == form.theirs(**kwargs).replace("theirs", "ours")
    assert " required" in form.ours()
