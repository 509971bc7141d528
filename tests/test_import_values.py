"""Reading spreadsheet cells and files for an import: plain tables, no app, no database."""
from __future__ import annotations

import tracemalloc
from datetime import date, datetime
from decimal import Decimal

import pytest

from vendortrack.imports import values
from vendortrack.imports.columns import guess_mapping, normalise
from vendortrack.imports.reading import Refused, _table, read

from .import_files import HEADERS, csv_bytes, row, xlsx_bytes, zip_bomb


@pytest.mark.parametrize("header, field", [
    ("Supplier", "vendor"), ("SUPPLIER NAME", "vendor"), ("Fournisseur", "vendor"),
    ("Owner", "owner_name"), ("Internal owner", "owner_name"),
    ("Owner e-mail", "owner_email"), ("Go-live", "handover_date"),
    ("Handover", "handover_date"), ("Handover date", "handover_date"),
    ("contract  reference", "contract_reference"), ("Référence", "contract_reference"),
    ("Währung", "currency"), ("Engagement", "title"), ("Contract value", "contract_value"),
    ("Début", None), ("Risk level", None),
])
def test_headers_match_case_and_accent_insensitively(header, field):
    assert guess_mapping([header]) == [field]


def test_each_field_is_matched_once_and_exact_labels_win():
    assert guess_mapping(["E-mail", "Owner e-mail", "Supplier", "Vendor"]) == [
        None, "owner_email", None, "vendor"]


def test_normalise_strips_accents_case_and_punctuation():
    assert normalise("  Échéance — Go-Live! ") == "echeance go live"


@pytest.mark.parametrize("raw, order, expected", [
    ("2027-03-31", None, date(2027, 3, 31)),
    ("2027-03-31 00:00:00", None, date(2027, 3, 31)),
    ("31/03/2027", None, date(2027, 3, 31)),
    ("31.03.2027", None, date(2027, 3, 31)),
    ("03.04.2027", None, date(2027, 4, 3)),  # dots: always day first
    ("12/31/2027", None, date(2027, 12, 31)),
    ("03/04/2027", "dmy", date(2027, 4, 3)),
    ("03/04/2027", "mdy", date(2027, 3, 4)),
    ("05/05/27", None, date(2027, 5, 5)),
    ("31 Mar 2027", None, date(2027, 3, 31)),
    (datetime(2027, 3, 31, 0, 0), None, date(2027, 3, 31)),  # an Excel date cell
    (46477, None, date(2027, 3, 31)),  # an Excel serial number in a plain cell
    ("", None, None), (None, None, None),
])
def test_dates(raw, order, expected):
    assert values.to_date(raw, order) == expected


@pytest.mark.parametrize("raw, message", [
    ("31/02/2027", "31/02/2027 is not a date"),
    ("03/04/2027", "could be day first or month first"),
    ("soon", "soon is not a date"),
    ("2027-13-01", "is not a date"),
])
def test_dates_refused_in_words(raw, message):
    with pytest.raises(values.Problem, match=message):
        values.to_date(raw, None)


@pytest.mark.parametrize("column, order", [
    (["03/04/2027", "13/04/2027"], "dmy"),
    (["03/04/2027", "04/13/2027"], "mdy"),
    (["03/04/2027", "05/06/2027"], None),
    (["2027-01-01"], None),
])
def test_column_order_is_only_what_the_values_show(column, order):
    assert values.column_order(column) == order


def test_an_ambiguous_column_asks_and_a_clear_one_does_not():
    assert values.needs_order(["03/04/2027", ""])
    assert not values.needs_order(["13/04/2027", "03/04/2027"])
    assert not values.needs_order(["2027-04-03"])


@pytest.mark.parametrize("raw, amount, currency", [
    ("250000", Decimal("250000"), ""),
    ("250,000", Decimal("250000"), ""),
    ("250.000", Decimal("250000"), ""),
    ("1,250,000.50", Decimal("1250000.50"), ""),
    ("€1.250.000,50", Decimal("1250000.50"), "EUR"),
    ("$ 250,000", Decimal("250000"), "USD"),
    ("£1,000.5", Decimal("1000.5"), "GBP"),
    ("USD 250 000", Decimal("250000"), "USD"),
    ("250 000 CHF", Decimal("250000"), "CHF"),
    ("250'000", Decimal("250000"), ""),
    ("12,5", Decimal("12.5"), ""),
    (250000.5, Decimal("250000.5"), ""),
    (" ", None, ""),
])
def test_amounts(raw, amount, currency):
    assert values.to_amount(raw) == (amount, currency)


@pytest.mark.parametrize("raw, message", [
    ("lots", "is not an amount"), ("-5", "between 0 and"), ("1.234", None),
    ("10.555,123", "more than two decimal places"), ("1e14", "between 0 and"),
])
def test_amounts_refused(raw, message):
    if message is None:  # one separator and three digits: grouped thousands
        assert values.to_amount(raw)[0] == Decimal("1234")
        return
    with pytest.raises(values.Problem, match=message):
        values.to_amount(raw)


@pytest.mark.parametrize("raw, expected", [
    ("=SUM(A1:A3)", "=SUM(A1:A3)"),  # stays text
    ("'=SUM(A1:A3)", "=SUM(A1:A3)"),  # our export's neutralising apostrophe is undone
    ("'quoted'", "'quoted'"),
    ("  a\x00b ", "ab"),
    (2027.0, "2027"),
])
def test_text(raw, expected):
    assert values.text(raw, 100) == expected


def test_text_too_long():
    with pytest.raises(values.Problem, match="at most 5"):
        values.text("abcdef", 5)


@pytest.mark.parametrize("raw, expected", [
    ("Yes", True), ("x", True), ("TRUE", True), (True, True), (1, True),
    ("no", False), ("", False), (None, False), (0, False),
])
def test_yes_no(raw, expected):
    assert values.to_bool(raw) is expected


def test_choices_accept_codes_and_labels():
    statuses = {"draft": "Draft", "in_handover": "In handover"}
    assert values.to_choice("In Handover", statuses, "draft") == "in_handover"
    assert values.to_choice("in_handover", statuses, "draft") == "in_handover"
    assert values.to_choice("", statuses, "draft") == "draft"
    with pytest.raises(values.Problem, match="is not one of: Draft, In handover"):
        values.to_choice("Done", statuses, "draft")


@pytest.mark.parametrize("encoding, delimiter", [
    ("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("latin-1", "\t"), ("utf-16", ","),
])
def test_csv_encodings_and_delimiters(encoding, delimiter):
    data = csv_bytes([row(vendor="Société Générale Ingénierie", value="1.250.000,50")],
                     delimiter=delimiter, encoding=encoding)
    upload = read(data, "register.csv")
    assert upload.main.headers == HEADERS
    assert upload.main.rows[0][1][2] == "Société Générale Ingénierie"


def test_empty_rows_and_trailing_blank_columns_are_ignored():
    data = csv_bytes([row(), ["", "", ""], row(ref="C-2") + ["", ""]], headers=HEADERS + ["", ""])
    upload = read(data, "register.csv")
    assert upload.main.headers == HEADERS
    assert [number for number, _ in upload.main.rows] == [2, 4]


def test_xlsx_formulas_are_found():
    data = xlsx_bytes([row(value="=1+1")])
    upload = read(data, "register.xlsx")
    assert (2, HEADERS.index("Contract value")) in upload.main.formulas


def test_xlsx_cells_read_as_stock_openpyxl_reads_them():
    """The import's sheet parser (inline strings read as plain text) gives openpyxl's values."""
    import io

    from openpyxl import Workbook, load_workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    book = Workbook()
    sheet = book.active
    sheet.title = "Engagements"
    sheet.append(["Title", "Vendor", "Start date", "Contract value", "Core capability"])
    sheet.append(["  spaced  ", CellRichText("Bold ", TextBlock(InlineFont(b=True), "North"),
                                             "wind"), date(2027, 1, 4), 1250.5, True])
    sheet.append([None, None, None, None, None])
    sheet.append(["Ünïcödé & <tags>", "", datetime(2027, 3, 1, 12, 30), "=2*3", False])
    sheet["G6"] = "far away"
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()

    stock = load_workbook(io.BytesIO(data), read_only=True, data_only=True)["Engagements"]
    expected = _table("Engagements", stock.iter_rows(values_only=True))
    upload = read(data, "register.xlsx")
    assert (upload.main.headers, upload.main.rows) == (expected.headers, expected.rows)
    assert len(upload.main.rows) == 3
    assert upload.main.rows[0][1][:2] == ["  spaced  ", "Bold Northwind"]
    assert upload.main.formulas == {(4, 3)}


@pytest.mark.parametrize("data, name, message", [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500, "register.csv", "is not text"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "register.csv", "is not text"),
    (b"just text, not a zip", "register.xlsx", "not an Excel workbook"),
    (b"PK\x03\x04broken", "register.xlsx", "not a real .xlsx"),
    (b"a,b\n", "register.pdf", "Choose an Excel workbook"),
    (b"", "register.csv", "empty"),
    (b"\xd0\xcf\x11\xe0", "register.xls", "save it as .xlsx"),
])
def test_files_that_are_not_spreadsheets_are_refused(data, name, message):
    with pytest.raises(Refused, match=message):
        read(data, name)


def test_files_over_20_mb_are_refused():
    with pytest.raises(Refused, match="up to 20 MB"):
        read(b"a" * (20 * 1024 * 1024 + 1), "register.csv")


def test_zip_bomb_is_refused_without_unpacking():
    bomb = zip_bomb(300)
    assert len(bomb) < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(Refused, match="unpack to far more"):
            read(bomb, "register.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


@pytest.mark.parametrize("raw, expected", [
    ("Anna.Berg@Example.org", "anna.berg@example.org"),  # the fast path
    ("anna@bücher.example", "anna@bücher.example"),  # the full check
    ("", ""),
])
def test_emails(raw, expected):
    assert values.to_email(raw) == expected


@pytest.mark.parametrize("raw", ["anna", "anna@", "a..b@example.org", "anna@-x.org"])
def test_emails_refused(raw):
    with pytest.raises(values.Problem, match="is not an e-mail address"):
        values.to_email(raw)


# --- exit-readiness kinds ------------------------------------------------------------------

SCENARIOS = {"termination": "Termination of the contract",
             "provider_failure": "Failure of the provider"}


@pytest.mark.parametrize("raw, expected", [
    (90, 90), (90.0, 90), ("180", 180), (" 0 ", 0), ("3650", 3650), (None, None), ("", None),
])
def test_whole_numbers_of_days(raw, expected):
    assert values.to_whole_number(raw, 3650, "days") == expected


@pytest.mark.parametrize("raw, message", [
    ("ninety", "ninety is not a whole number of days from 0 to 3,650"),
    (3651, "3651 is not a whole number of days from 0 to 3,650"),
    (-1, "-1 is not a whole number of days from 0 to 3,650"),
    (12.5, "12.5 is not a whole number of days from 0 to 3,650"),
    ("²", "² is not a whole number of days from 0 to 3,650"),
])
def test_bad_whole_numbers_say_the_range(raw, message):
    with pytest.raises(values.Problem, match=f"^{message}$"):
        values.to_whole_number(raw, 3650, "days")


@pytest.mark.parametrize("raw, expected", [
    ("IE", "IE"), ("ie", "IE"), ("Germany", "DE"), ("germany", "DE"), ("", ""), (None, ""),
])
def test_a_country_by_code_or_name(raw, expected):
    assert values.to_country(raw) == expected


def test_an_unknown_country_is_named():
    with pytest.raises(values.Problem, match="^“XX” is not a country: use the two-letter"):
        values.to_country("XX")


@pytest.mark.parametrize("raw, expected", [
    ("IE; DE", ("IE", "DE")), ("ie,de", ("IE", "DE")), ("IE DE", ("IE", "DE")),
    ("Ireland, Germany; IE", ("IE", "DE")), ("", ()), (None, ()),
])
def test_countries_separated_by_semicolons_commas_or_spaces(raw, expected):
    assert values.to_countries(raw) == expected


def test_countries_name_the_unknown_code():
    with pytest.raises(values.Problem, match="^“ZZ” is not a country"):
        values.to_countries("IE; ZZ")


@pytest.mark.parametrize("raw, expected", [
    ("Termination of the contract; provider failure", ("termination", "provider_failure")),
    ("TERMINATION, termination", ("termination",)), ("", ()),
])
def test_codes_by_code_or_label(raw, expected):
    assert values.to_codes(raw, SCENARIOS) == expected


def test_an_unknown_code_lists_the_allowed_labels():
    with pytest.raises(values.Problem, match="^Flood is not one of: Termination of the "
                                             "contract, Failure of the provider$"):
        values.to_codes("termination; Flood", SCENARIOS)


def test_names_keep_commas_and_split_on_semicolons_and_lines():
    assert values.to_names("Acme, Inc.; Contoso\nFabrikam ;", 200) == (
        "Acme, Inc.", "Contoso", "Fabrikam")
    with pytest.raises(values.Problem, match="at most 5 fit"):
        values.to_names("Contoso Ltd", 5)


def test_an_empty_cell_of_an_optional_choice_is_none():
    assert values.to_choice("", SCENARIOS, None) is None
    assert values.to_choice("failure of the PROVIDER", SCENARIOS, None) == "provider_failure"


@pytest.mark.parametrize("header, field", [
    ("Business function", "business_function"), ("Function", "business_function"),
    ("Substitutability", "substitutability"), ("Notice we must give (days)",
                                                "notice_period_days.organisation"),
    ("Last tested on", "exit_plan.last_tested_on"), ("Governing law", "governing_law_country"),
    ("exit_plan.scenarios", "exit_plan.scenarios"),
])
def test_exit_readiness_headers_are_recognised(header, field):
    assert guess_mapping([header]) == [field]


def test_the_form_and_the_import_word_an_unknown_country_alike():
    from vendortrack.domain.identity import not_countries

    assert not_countries(["XX"]) == ("“XX” is not a country code: use the two-letter "
                                     "ISO 3166-1 code, such as IE, DE or US")
    assert not_countries(["XX", "QQ"]) == ("“XX”, “QQ” are not country codes: use two-letter "
                                           "ISO 3166-1 codes, such as IE, DE or US")
    with pytest.raises(values.Problem) as problem:
        values.to_country("Atlantis")
    assert str(problem.value) == ("“Atlantis” is not a country: use the two-letter ISO 3166-1 "
                                  "code or the country's name, such as IE, DE or US")


def test_every_unknown_country_of_a_list_is_named_at_once():
    with pytest.raises(values.Problem) as problem:
        values.to_countries("IE; QQ; Germany, ZZ DE; Atlantis Land")
    assert str(problem.value) == (
        "“QQ”, “ZZ”, “Atlantis Land” are not countries: use two-letter ISO 3166-1 codes or "
        "the countries' names, such as IE, DE or US")
