"""The Organisation page's form: who files the register of information."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields import SelectChoice

from ..fields import SelectField
from ..forms import CountryField, choices, currency_field, lei_field
from ..models import OrganisationSettings

SCOPES = {"individual": "Individual register (IND)", "consolidated": "Consolidated register (CON)"}
UNSET = "Not set here: use the setting"


class OrganisationForm(FlaskForm):
    lei = lei_field("The organisation's 20-character Legal Entity Identifier (ISO 17442). It "
                    "keys the register's rows and names the report package.")
    country = CountryField(
        "Country", description="Where the organisation is established; part of the package "
                               "name.")
    consolidated = SelectField(
        "Register", choices=[SelectChoice("", UNSET)] + choices(SCOPES), default="",
        description="The register of one entity, or the group's consolidated register.")
    base_currency = currency_field(
        "Base currency", "ISO 4217 code, such as EUR. Empty: the setting, or EUR.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices[0] = SelectChoice("", UNSET)

    @classmethod
    def for_settings(cls, row: OrganisationSettings | None) -> OrganisationForm:
        """The form filled with what an administrator saved (empty where nothing was)."""
        if row is None:
            return cls()
        scope = {True: "consolidated", False: "individual"}.get(row.consolidated, "")
        return cls(data={"lei": row.lei or "", "country": row.country or "",
                         "consolidated": scope, "base_currency": row.base_currency or ""})

    def values(self) -> dict:
        """The fields as the organisation service stores them (None: use the setting)."""
        return {"lei": self.lei.data or None, "country": self.country.data or None,
                "consolidated": {"consolidated": True, "individual": False}.get(
                    self.consolidated.data),
                "base_currency": self.base_currency.data or None}
