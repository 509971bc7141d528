"""Reading one cell as a field's value, the way people type it in spreadsheets.

Each reader returns the value or raises :class:`Problem` with a sentence in people's words
(the caller adds "row 14, Handover date: "). Nothing here touches Flask or the database.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email

from ..domain.annex import FORMULA_PREFIXES
from ..domain.identity import COUNTRIES, is_currency, not_countries
from ..domain.spec import MAX_MONEY, MONEY_RANGE
from ..domain.text import clean_text, whole_number

SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF",
           "kr": "SEK", "zł": "PLN", "Kč": "CZK"}
TRUE_WORDS = {"yes", "y", "true", "1", "x", "ja", "oui", "si", "sí", "core", "✓", "✔", "wahr"}
FALSE_WORDS = {"no", "n", "false", "0", "nein", "non", "-", "falsch", ""}


class Problem(ValueError):
    """A cell that cannot become the field's value; the message is for the person."""


def shown(raw: object) -> str:
    """A cell as the person saw it, for messages."""
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == time() else raw.isoformat(" ")
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text(raw: object, limit: int) -> str:
    """Text with control characters removed; an export's neutralising apostrophe undone."""
    if raw is None:
        return ""
    value = clean_text(shown(raw) if not isinstance(raw, str) else raw)
    if value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_PREFIXES):
        value = value[1:]
    if len(value) > limit:
        raise Problem(f"is {len(value):,} characters long; at most {limit:,} fit")
    return value


# --- dates ---------------------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")
_NUMERIC = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})")
_WORDS = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y")
EXCEL_EPOCH = date(1899, 12, 30)
DAY_FIRST, MONTH_FIRST = "dmy", "mdy"
ORDERS = {DAY_FIRST: "day first (31/12/2027)", MONTH_FIRST: "month first (12/31/2027)"}


def _year(text_year: str) -> int:
    year = int(text_year)
    return year + 2000 if len(text_year) == 2 else year


def _slashed(raw: object) -> tuple[int, int] | None:
    """The first two numbers of a d/m/y or m/d/y date written with / or -."""
    if not isinstance(raw, str):
        return None
    match = _NUMERIC.fullmatch(raw.strip())
    if not match or match.group(2) == ".":
        return None
    return int(match.group(1)), int(match.group(3))


def column_order(values) -> str | None:
    """The date order a column's slashed dates show: day first when a first number is above 12,
    month first when a second one is; None when no value tells (the person must choose)."""
    day_first = month_first = False
    for raw in values:
        pair = _slashed(raw)
        if pair:
            day_first |= pair[0] > 12
            month_first |= pair[1] > 12
    if day_first != month_first:
        return DAY_FIRST if day_first else MONTH_FIRST
    return None


def needs_order(values) -> bool:
    """True when a column has slashed dates and none of them shows which order is meant."""
    return column_order(values) is None and any(_slashed(v) for v in values)


def to_date(raw: object, order: str | None) -> date | None:
    """A date from an Excel date cell, an Excel serial number, ISO, d.m.y, or d/m/y and m/d/y
    (``order`` says which; without it an ambiguous date is a problem, never a guess)."""
    if is_blank(raw):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:  # Excel serials: 1900-01-01 .. 9999-12-31
            return EXCEL_EPOCH + timedelta(days=int(raw))
        raise Problem(f"{shown(raw)} is not a date")
    value = str(raw).strip()
    try:
        if match := _ISO.fullmatch(value):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _NUMERIC.fullmatch(value):
            first, sep, second, year = match.groups()
            if sep == "." or order == DAY_FIRST:
                return date(_year(year), int(second), int(first))
            if order == MONTH_FIRST:
                return date(_year(year), int(first), int(second))
            if int(first) > 12:
                return date(_year(year), int(second), int(first))
            if int(second) > 12:
                return date(_year(year), int(first), int(second))
            if first == second:
                return date(_year(year), int(first), int(second))
            raise Problem(f"{value} could be day first or month first; choose the date "
                          "order for this column")
    except ValueError as error:
        if isinstance(error, Problem):
            raise
        raise Problem(f"{value} is not a date") from None
    for fmt in _WORDS:
        try:
            return datetime.strptime(value.replace(",", ""), fmt).date()
        except ValueError:
            continue
    raise Problem(f"{value} is not a date")


# --- amounts -------------------------------------------------------------------------------

def to_amount(raw: object) -> tuple[Decimal | None, str]:
    """An amount and the currency its symbol names ("" if none): "€1.250.000,50",
    "1,250,000.50", "USD 250 000", "250'000". A single separator followed by exactly three
    digits groups thousands; otherwise it is the decimal point."""
    if is_blank(raw):
        return None, ""
    if isinstance(raw, bool):
        raise Problem(f"{shown(raw)} is not an amount")
    currency = ""
    if isinstance(raw, int | float | Decimal):
        value = Decimal(str(raw))
    else:
        body = str(raw).strip()
        for symbol, code in SYMBOLS.items():
            if symbol in body:
                body, currency = body.replace(symbol, ""), code
        code = re.match(r"^\s*([A-Za-z]{3})\b|\b([A-Za-z]{3})\s*$", body)
        if code and is_currency((code.group(1) or code.group(2)).upper()):
            currency = (code.group(1) or code.group(2)).upper()
            body = body[:code.start()] + body[code.end():]
        body = re.sub(r"[\s\u00a0\u202f'’_]", "", body)
        commas, dots = body.count(","), body.count(".")
        if commas and dots:
            decimal_mark = "." if body.rfind(".") > body.rfind(",") else ","
            grouping = "," if decimal_mark == "." else "."
            body = body.replace(grouping, "").replace(decimal_mark, ".")
        elif commas + dots > 1 or re.fullmatch(r"\d{1,3}[.,]\d{3}", body):
            body = body.replace(",", "").replace(".", "")
        else:
            body = body.replace(",", ".")
        try:
            value = Decimal(body)
        except InvalidOperation:
            raise Problem(f"{shown(raw)} is not an amount") from None
    if not value.is_finite():
        raise Problem(f"{shown(raw)} is not an amount")
    if value < 0 or value > MAX_MONEY:
        raise Problem(f"{shown(raw)} is not {MONEY_RANGE}")
    if value != value.quantize(Decimal("0.01")):
        raise Problem(f"{shown(raw)} has more than two decimal places")
    return value.normalize() if value == value.to_integral_value() else value, currency


def to_currency(raw: object) -> str:
    value = text(raw, 10).upper()
    if value and not is_currency(value):
        raise Problem(f"{value} is not a three-letter ISO 4217 currency code such as EUR")
    return value


def to_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    value = shown(raw).casefold() if raw is not None else ""
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise Problem(f"{shown(raw)} is neither yes nor no")


def to_choice(raw: object, vocabulary: dict[str, str], default: str | None) -> str | None:
    """A code from its code or its label, any case ("In handover", "in_handover");
    ``default`` for an empty cell."""
    if is_blank(raw):
        return default
    value = " ".join(shown(raw).replace("_", " ").split()).casefold()
    for code, name in vocabulary.items():
        if value in (code.replace("_", " ").casefold(), name.casefold()):
            return code
    allowed = ", ".join(vocabulary.values())
    raise Problem(f"{shown(raw)} is not one of: {allowed}")


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")


def to_email(raw: object) -> str:
    value = text(raw, 254)
    if not value:
        return ""
    if _PLAIN_EMAIL.fullmatch(value):  # most addresses: skip the full (slower) check
        return value.lower()
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise Problem(f"{value} is not an e-mail address") from None
    return value.lower()


# --- exit-readiness kinds: whole numbers, countries, lists ---------------------------------

_COUNTRY_NAMES = {name.casefold(): code for code, name in COUNTRIES.items()}


def to_whole_number(raw: object, hi: int, unit: str = "") -> int | None:
    """A whole number from 0 to ``hi`` (a number cell or digits), or None for an empty cell."""
    if is_blank(raw):
        return None
    number = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        number = int(raw) if float(raw).is_integer() and 0 <= raw <= hi else None
    elif isinstance(raw, str):
        number = whole_number(raw, 0, hi)
    if number is None:
        unit = f" {unit}" if unit else ""
        raise Problem(f"{shown(raw)} is not a whole number of{unit} from 0 to {hi:,}")
    return number


def _country_code(value: str) -> str | None:
    """The code of a country given by its code or its name, any case; None if it is neither."""
    if value.upper() in COUNTRIES:
        return value.upper()
    return _COUNTRY_NAMES.get(value.casefold())


def to_country(raw: object) -> str:
    """An ISO 3166-1 alpha-2 code from the code or the country's name, any case."""
    value = " ".join(shown(raw).split()) if not is_blank(raw) else ""
    if not value:
        return ""
    code = _country_code(value)
    if code is None:
        raise Problem(not_countries([value], names_too=True))
    return code


def _items(raw: object, separators: str) -> list[str]:
    if is_blank(raw):
        return []
    return [item.strip() for item in re.split(f"[{separators}]", shown(raw)) if item.strip()]


def to_codes(raw: object, vocabulary: dict[str, str]) -> tuple[str, ...]:
    """Codes of ``vocabulary`` (each its code or label) separated by ; or ,."""
    return tuple(dict.fromkeys(to_choice(item, vocabulary, None)
                               for item in _items(raw, ";,\n")))


def to_countries(raw: object) -> tuple[str, ...]:
    """Countries separated by ; or , (codes may also be separated by spaces: "IE DE"); every
    value that is not a country is named."""
    codes, unknown = [], []
    for item in _items(raw, ";,\n"):
        parts = [item] if _country_code(item) else item.split()
        if not any(map(_country_code, parts)):
            parts = [item]  # "Atlantis Land" is one unknown name, not two
        for part in parts:
            code = _country_code(part)
            (codes if code else unknown).append(code or part)
    if unknown:
        raise Problem(not_countries(unknown, names_too=True))
    return tuple(dict.fromkeys(codes))


def to_names(raw: object, limit: int) -> tuple[str, ...]:
    """Names separated by ; or line breaks (a comma stays: "Acme, Inc." is one name)."""
    names = tuple(text(item, limit) for item in _items(raw, ";\n"))
    return tuple(name for name in names if name)
