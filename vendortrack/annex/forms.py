"""The one form of the annex area: issue the next version."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField


class IssueAnnexForm(FlaskForm):
    # The version the user saw; a second click, or someone else issuing first, is refused.
    number = HiddenField()
    confirm_dependency_trap = BooleanField(
        "I have read the dependency-trap flags above and want to issue this annex anyway")

    def expected_number(self) -> int | None:
        value = (self.number.data or "").strip()
        return int(value) if value.isdigit() else None
