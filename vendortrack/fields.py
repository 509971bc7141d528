"""A select field whose options are escaped once per process.

WTForms escapes and formats every ``<option>`` on every render; the spec form alone has about
370 of them (250 countries), which made option rendering most of the form's time. An option's
HTML depends only on its value, label and whether it is selected, so each is built once.
"""
from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup
from wtforms import SelectField as WTFormsSelectField
from wtforms import widgets
from wtforms.fields.choices import Choice


@lru_cache(maxsize=8192)
def _option(value: str | int, label: str, selected: bool) -> Markup:
    return widgets.Select.render_option(Choice(value, label, selected, None))


class Select(widgets.Select):
    """WTForms' ``<select>`` with each plain option (no extra attributes) built once."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or type(choice.label) is not str \
                or type(choice.value) not in (str, int):
            return super().render_option(choice, **kwargs)
        return _option(choice.value, choice.label, choice.selected)


class SelectField(WTFormsSelectField):
    widget = Select()
