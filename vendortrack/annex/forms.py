"""The one form of the annex area: issue the next version."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField

from ..domain.text import whole_number


class IssueAnnexForm(FlaskForm):
    # The version the user saw; a second click, or someone else issuing first, is refused.
    number = HiddenField()
    # The spec version the user previewed: issuing freezes exactly what they read.
    spec_version = HiddenField()
    confirm_dependency_trap = BooleanField(
        "I have read the dependency-trap flags above and want to issue this annex anyway")

    def expected_version(self) -> int | None:
        return whole_number(self.spec_version.data, 1)

    def expected_number(self) -> int | None:
        value = (self.number.data or "").strip()
        return whole_number(value, 1)
