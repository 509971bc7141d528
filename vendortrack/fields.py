"""Form fields that render exactly what WTForms renders, in a fraction of its time.

WTForms builds every attribute of every input with ``Markup.format`` (a string formatter
written in Python) and escapes and formats every ``<option>`` on every render; the spec form
has about 100 inputs and 370 options (250 countries), which made rendering them most of the
edit form's time. Here attributes are joined with plain string formatting, escaped by the
same ``markupsafe.escape``, and an option's HTML, which depends only on its value, label and
whether it is selected, is built once per process. ``tests/test_fields.py`` compares every
widget's output with WTForms' own.
"""
from __future__ import annotations

from functools import lru_cache

import wtforms
from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.fields.choices import Choice
from wtforms.widgets.core import clean_key


@lru_cache(maxsize=512)
def _attribute_name(key: str) -> str:
    return str(escape(clean_key(key)))


def html_params(**kwargs) -> Markup:
    """What :func:`wtforms.widgets.html_params` returns (attributes sorted by name, ``True``
    alone, ``False`` left out, names and values escaped), without a ``Markup.format`` each."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            params.append(_attribute_name(key))
        elif value is not False:
            # Only a value that is already Markup can still hold a double quote here.
            value = str(escape(value)).replace('"', "&quot;")
            params.append(f'{_attribute_name(key)}="{value}"')
    return Markup(" ".join(params))


def _flag_attributes(field, names: list[str], kwargs: dict, *, call: bool = False) -> None:
    """The field's validation flags among ``names`` not given in ``kwargs`` (as WTForms'
    widgets add them; they look them up with ``dir()``, which costs more than the rest)."""
    flags = getattr(field, "flags", None)
    flags = vars(flags) if flags is not None else {}
    for name in names:
        if name in flags and name not in kwargs:
            value = flags[name]
            kwargs[name] = value() if call and callable(value) else value


class Input(widgets.Input):
    """WTForms' ``<input>`` built with :func:`html_params`."""

    html_params = staticmethod(html_params)

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("type", self.input_type)
        if "value" not in kwargs:
            kwargs["value"] = field._value()
        datalist = getattr(field, "_datalist", None)
        if datalist is not None and "list" not in kwargs:
            kwargs["list"] = datalist if isinstance(datalist, str) else datalist.id
        _flag_attributes(field, self.validation_attrs, kwargs, call=True)
        return Markup(f"<input {html_params(name=field.name, **kwargs)}>")


# WTForms' own input widgets first (each sets its type, value or ``checked`` and then calls
# the next class's ``__call__``), Input above last: it builds the tag.
class TextInput(widgets.TextInput, Input):
    pass


class HiddenInput(widgets.HiddenInput, Input):
    pass


class PasswordInput(widgets.PasswordInput, Input):
    pass


class CheckboxInput(widgets.CheckboxInput, Input):
    pass


class DateInput(widgets.DateInput, Input):
    pass


class NumberInput(widgets.NumberInput, Input):
    pass


class TextArea(widgets.TextArea):
    """WTForms' ``<textarea>`` built with :func:`html_params`."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        _flag_attributes(field, self.validation_attrs, kwargs)
        return Markup(f"<textarea {html_params(name=field.name, **kwargs)}>\r\n"
                      f"{escape(field._value())}</textarea>")


@lru_cache(maxsize=8192)
def _option(value: str | int, label: str, selected: bool) -> Markup:
    return widgets.Select.render_option(Choice(value, label, selected, None))


class Select(widgets.Select):
    """WTForms' ``<select>`` with each plain option (no extra attributes) built once."""

    def __call__(self, field, **kwargs):
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        _flag_attributes(field, self.validation_attrs, kwargs)
        render = self.render_option
        return Markup("".join((f"<select {html_params(name=field.name, **kwargs)}>",
                               *(render(choice) for choice in field._iter_choices_normalized()),
                               "</select>")))

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or type(choice.label) is not str \
                or type(choice.value) not in (str, int):
            return super().render_option(choice, **kwargs)
        return _option(choice.value, choice.label, choice.selected)


class StringField(wtforms.StringField):
    widget = TextInput()


class TextAreaField(wtforms.TextAreaField):
    widget = TextArea()


class HiddenField(wtforms.HiddenField):
    widget = HiddenInput()


class PasswordField(wtforms.PasswordField):
    widget = PasswordInput()


class BooleanField(wtforms.BooleanField):
    widget = CheckboxInput()


class DateField(wtforms.DateField):
    widget = DateInput()


class DecimalField(wtforms.DecimalField):
    widget = NumberInput(step="any")


class SelectField(wtforms.SelectField):
    widget = Select()
