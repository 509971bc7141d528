"""Who a provider is: the Legal Entity Identifier (ISO 17442) and ISO 3166-1 country codes;
and ISO 4217 currency codes."""
from __future__ import annotations

import string

import pycountry
from babel.numbers import list_currencies

LEI_LENGTH = 20
_LEI_CHARACTERS = frozenset(string.ascii_uppercase + string.digits)

# ISO 3166-1 alpha-2, from the iso-codes data pycountry ships (kept up to date upstream).
COUNTRIES: dict[str, str] = {c.alpha_2: c.name for c in pycountry.countries}
# ISO 4217, current and withdrawn codes, as CLDR (Babel) knows them.
CURRENCIES = frozenset(list_currencies())


def normalise_lei(value: str) -> str:
    """The LEI as printed: upper case, spaces removed."""
    return "".join(value.split()).upper()


def _mod97(characters: str) -> int:
    # ISO 7064 MOD 97-10: letters count as 10..35, digits as themselves.
    return int("".join(str(int(c, 36)) for c in characters)) % 97


def with_check_digits(prefix: str) -> str:
    """The LEI whose first 18 characters are ``prefix`` (ISO 7064 MOD 97-10 check digits)."""
    return f"{prefix}{98 - _mod97(prefix + '00'):02d}"


def lei_problem(value: str) -> str | None:
    """Why ``value`` is not a valid LEI, in the user's words; None when it is valid."""
    lei = normalise_lei(value)
    if len(lei) != LEI_LENGTH:
        return f"An LEI has 20 characters; this one has {len(lei)}."
    if not set(lei) <= _LEI_CHARACTERS:
        return "An LEI holds only the letters A–Z and the digits 0–9."
    if not lei[-2:].isdigit() or _mod97(lei) != 1:
        return ("The check digits of this LEI do not match (ISO 17442). "
                "Copy it again from the GLEIF record.")
    return None


def is_valid_lei(value: str) -> bool:
    """True for a 20-character LEI whose check digits are right."""
    return lei_problem(value) is None


def code_problems(code: str, code_type: str | None) -> dict[str, str]:
    """Problems with an identification code and its type (a key of ``CODE_TYPES``), keyed
    ``code`` or ``type``; an LEI's check digits are checked. Empty when both fit."""
    if code and not code_type:
        return {"type": "Choose what kind of code this is, e.g. EUID or VAT number."}
    if code_type and not code:
        return {"code": "Enter the code, or clear its type."}
    if code_type == "lei":
        problem = lei_problem(code)
        if problem:
            return {"code": problem}
    return {}


def is_country(code: str) -> bool:
    """True for an assigned ISO 3166-1 alpha-2 code (upper case, e.g. ``IE``)."""
    return code in COUNTRIES


def not_countries(values: list[str], *, names_too: bool = False) -> str:
    """What is wrong with ``values`` that are not countries, in the words the form, the API
    and the import all use (``names_too``: where a country's name is accepted as well)."""
    one = len(values) == 1
    if names_too:
        what = "is not a country" if one else "are not countries"
    else:
        what = "is not a country code" if one else "are not country codes"
    how = "the two-letter ISO 3166-1 code" if one else "two-letter ISO 3166-1 codes"
    if names_too:
        how += " or the country's name" if one else " or the countries' names"
    named = ", ".join(f"“{value}”" for value in values)
    return f"{named} {what}: use {how}, such as IE, DE or US"


def is_currency(code: str) -> bool:
    """True for an ISO 4217 currency code (upper case, e.g. ``EUR``)."""
    return code in CURRENCIES


def country_name(code: str) -> str:
    """The English short name of ``code``, or the code itself when it is not a country."""
    return COUNTRIES.get(code, code)
