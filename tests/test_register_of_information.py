"""The DORA register-of-information exit slice as pure domain logic: golden CSVs, EBA codes,
the report package and every pre-flight rule, with no app and no database."""
import csv
import io
import json
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from vendortrack.domain import eba_codes as codes
from vendortrack.domain import vocabulary
from vendortrack.domain.identity import lei_problem
from vendortrack.domain.register_of_information import (
    INCOMPLETE,
    REJECTION,
    TEMPLATES,
    Function,
    Provider,
    count,
    default_reference_date,
    in_scope,
    package_files,
    preflight,
    table_csv,
    write_package,
)

from .register_sample import (
    ARRANGEMENTS,
    CORE_HOSTING,
    CREATED_AT,
    DASHBOARD_BUILD,
    FUNCTIONS,
    KESTREL,
    NORTHWIND,
    ORGANISATION,
    PAYMENTS,
    PAYMENTS_API,
    PROVIDERS,
    REFERENCE_DATE,
    REPORTING,
    sample_register,
)

GOLDEN = Path(__file__).parent / "golden" / "register_of_information"


# --- the five templates -----------------------------------------------------------------------

def _columns(first, last):
    return [f"c{n:04d}" for n in range(first, last + 10, 10)]


# Column lists exactly as dora-roi-exit-slice.md §§ 3–7 give them.
@pytest.mark.parametrize("template, header", [
    ("B_02.01", _columns(10, 50)),
    ("B_02.02", _columns(10, 160)),
    ("B_05.01", _columns(10, 120)),
    ("B_06.01", _columns(10, 100)),
    ("B_07.01", _columns(10, 120)),
])
def test_headers(template, header):
    assert TEMPLATES[template].header == header
    assert TEMPLATES[template].file_name == f"{template.lower()}.csv"


@pytest.mark.parametrize("template, keys", [
    ("B_02.01", ("c0010",)),
    ("B_02.02", ("c0010", "c0020", "c0030", "c0050", "c0060", "c0130", "c0150", "c0160")),
    ("B_05.01", ("c0010",)),
    ("B_06.01", ("c0010", "c0040")),
    ("B_07.01", ("c0010", "c0020", "c0040")),
])
def test_primary_keys(template, keys):
    assert TEMPLATES[template].keys == keys


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_golden_csv_byte_for_byte(template):
    expected = (GOLDEN / TEMPLATES[template].file_name).read_bytes()
    assert table_csv(sample_register(), template) == expected


def test_golden_files_are_crlf_utf8_with_eba_codes():
    b_07 = (GOLDEN / "b_07.01.csv").read_bytes()
    assert b_07.count(b"\r\n") == 3 and b"\n" not in b_07.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(b_07.decode("utf-8"))))
    assert rows[1][:5] == ["NW-2023-01", NORTHWIND.lei, "eba_qCO:qx2000", "eba_TA:S17",
                           "eba_ZZ:x960"]


def test_which_engagements_go_in():
    register = sample_register()
    assert [r.cells["c0010"] for r in register.tables["B_02.01"]] == [
        "KC-2025-02", "NW-2023-01", "NW-2024-07"]
    # Only the functions used, only the providers used and their ultimate parents.
    assert [r.cells["c0010"] for r in register.tables["B_06.01"]] == ["F1", "F2"]
    assert {r.cells["c0050"] for r in register.tables["B_05.01"]} == {
        "Northwind Cloud Services Ltd", "Kestrel Consulting GmbH", "Northwind Holdings Inc."}
    # B_07.01 assesses the services supporting the critical function only.
    assert [r.cells["c0010"] for r in register.tables["B_07.01"]] == [
        "NW-2023-01", "NW-2024-07"]


@pytest.mark.parametrize("status, start, end, included", [
    ("draft", date(2025, 1, 1), None, False),
    ("active", date(2026, 1, 1), None, False),            # starts after the reference date
    ("active", date(2025, 12, 31), None, True),           # starts on it
    ("closed", date(2020, 1, 1), date(2024, 12, 31), False),  # ended the day before the year
    ("closed", date(2020, 1, 1), date(2025, 1, 1), True),     # ended on its first day
    ("active", None, None, True),
    ("in_handover", date(2024, 1, 1), date(2027, 1, 1), True),
])
def test_in_scope_is_the_year_ending_on_the_reference_date(status, start, end, included):
    arrangement = replace(CORE_HOSTING, status=status, start_date=start, end_date=end)
    assert in_scope(arrangement, REFERENCE_DATE) is included


def test_no_end_date_is_9999_12_31_and_an_end_date_is_kept():
    rows = {r.cells["c0010"]: r.cells["c0080"] for r in sample_register().tables["B_02.02"]}
    assert rows["NW-2023-01"] == "9999-12-31"
    assert rows["NW-2024-07"] == "2026-06-30"


def test_termination_reason_only_for_ended_arrangements():
    register = sample_register(arrangements=(
        replace(PAYMENTS_API, termination_reason="other"), DASHBOARD_BUILD, CORE_HOSTING))
    reasons = {r.cells["c0010"]: r.cells["c0090"] for r in register.tables["B_02.02"]}
    assert reasons == {"NW-2024-07": "", "KC-2025-02": "eba_CO:x4", "NW-2023-01": ""}


def test_function_identifiers_are_stable():
    without_first = sample_register(arrangements=(DASHBOARD_BUILD,))
    assert [r.cells["c0010"] for r in without_first.tables["B_06.01"]] == ["F2"]
    assert PAYMENTS.identifier == "F1" and REPORTING.identifier == "F2"


def test_several_locations_make_several_rows():
    rows = [r for r in sample_register().tables["B_02.02"] if r.cells["c0010"] == "NW-2023-01"]
    assert [(r.cells["c0130"], r.cells["c0150"], r.cells["c0160"]) for r in rows] == [
        ("eba_GA:IE", "eba_GA:IE", "eba_GA:IE"), ("eba_GA:NL", "eba_GA:IE", "eba_GA:IE")]


def test_provider_total_needs_one_currency():
    register = sample_register(arrangements=(CORE_HOSTING, replace(PAYMENTS_API, currency="USD")))
    northwind = next(r for r in register.tables["B_05.01"] if r.cells["c0010"] == NORTHWIND.lei)
    assert (northwind.cells["c0090"], northwind.cells["c0100"]) == ("", "")
    assert _has(preflight(register), INCOMPLETE, "vendor", "annual_expense")


@pytest.mark.parametrize("today, expected", [
    (date(2026, 11, 29), date(2025, 12, 31)),
    (date(2026, 1, 1), date(2025, 12, 31)),
    (date(2026, 12, 31), date(2025, 12, 31)),
    (date(2024, 2, 29), date(2023, 12, 31)),
])
def test_default_reference_date_is_the_last_31_december(today, expected):
    assert default_reference_date(today) == expected


# --- closed lists -----------------------------------------------------------------------------

# Every code of dora-roi-exit-slice.md §8, typed in again from the reference.
REFERENCE_CODES = {
    "arrangement_type": {"eba_CO:x1", "eba_CO:x2", "eba_CO:x3"},
    "ict_service_type": {f"eba_TA:S{n:02d}" for n in range(1, 20)},
    "termination_reason": {f"eba_CO:x{n}" for n in range(4, 10)},
    "yes_no": {"eba_BT:x28", "eba_BT:x29"},
    "criticality": {"eba_BT:x28", "eba_BT:x29", "eba_BT:x21"},
    "alternatives": {"eba_BT:x28", "eba_BT:x29", "eba_BT:x21"},
    "impact": {"eba_ZZ:x791", "eba_ZZ:x792", "eba_ZZ:x793", "eba_ZZ:x799"},
    "substitutability": {"eba_ZZ:x959", "eba_ZZ:x960", "eba_ZZ:x961", "eba_ZZ:x962"},
    "non_substitutability_reason": {"eba_ZZ:x963", "eba_ZZ:x964", "eba_ZZ:x965"},
    "reintegration": {"eba_ZZ:x798", "eba_ZZ:x966", "eba_ZZ:x967", "eba_ZZ:x0"},
    "person_type": {"eba_CT:x212", "eba_CT:x213"},
    "code_type": {f"eba_qCO:qx{n}" for n in range(2000, 2006)},
}


@pytest.mark.parametrize("name", list(REFERENCE_CODES))
def test_each_closed_list_maps_one_to_one_onto_the_reference(name):
    mapping = codes.CLOSED_LISTS[name]
    assert set(mapping.values()) == REFERENCE_CODES[name]
    assert len(set(mapping.values())) == len(mapping)


# Each closed list people choose from: its labels (the keys are what the app stores), the
# record whose field holds the choice (with what else the column needs to be filled), where
# the export writes it and the closed list of the reference the cell must belong to.
CHOICES_PEOPLE_MAKE = [
    (vocabulary.ARRANGEMENT_TYPES, CORE_HOSTING, "arrangement_type", {}, "B_02.01", "c0020",
     "arrangement_type"),
    (vocabulary.ICT_SERVICE_TYPES, CORE_HOSTING, "ict_service_type", {}, "B_02.02", "c0060",
     "ict_service_type"),
    (vocabulary.ICT_SERVICE_TYPES, CORE_HOSTING, "ict_service_type", {}, "B_07.01", "c0040",
     "ict_service_type"),
    (vocabulary.TERMINATION_REASONS, DASHBOARD_BUILD, "termination_reason", {}, "B_02.02",
     "c0090", "termination_reason"),
    (vocabulary.SUBSTITUTABILITY, CORE_HOSTING, "substitutability", {}, "B_07.01", "c0050",
     "substitutability"),
    (vocabulary.NON_SUBSTITUTABILITY_REASONS, CORE_HOSTING, "non_substitutability_reason",
     {"substitutability": "not_substitutable"}, "B_07.01", "c0060",
     "non_substitutability_reason"),
    (vocabulary.REINTEGRATION, CORE_HOSTING, "reintegration", {}, "B_07.01", "c0090",
     "reintegration"),
    (vocabulary.SERVICE_IMPACTS, CORE_HOSTING, "discontinuation_impact", {}, "B_07.01",
     "c0100", "impact"),
    (vocabulary.ALTERNATIVES, CORE_HOSTING, "alternatives", {}, "B_07.01", "c0110",
     "alternatives"),
    (vocabulary.PERSON_TYPES, KESTREL, "person_type", {}, "B_05.01", "c0070", "person_type"),
    (vocabulary.CODE_TYPES, KESTREL, "other_code_type", {}, "B_05.01", "c0020", "code_type"),
    (vocabulary.CODE_TYPES, NORTHWIND, "other_code_type", {}, "B_05.01", "c0040", "code_type"),
    (vocabulary.CODE_TYPES, NORTHWIND, "parent_code_type", {}, "B_05.01", "c0120",
     "code_type"),
    (vocabulary.CRITICALITY, PAYMENTS, "criticality", {}, "B_06.01", "c0050", "criticality"),
    (vocabulary.IMPACTS, PAYMENTS, "impact", {}, "B_06.01", "c0100", "impact"),
    # Stored as the EBA code itself, chosen by the EBA's label.
    (codes.LICENSED_ACTIVITIES, PAYMENTS, "licensed_activity", {}, "B_06.01", "c0020",
     "licensed_activity"),
]
# §8.15 gives the licensed activities as ranges (x133–x147 with gaps): a superset of them.
LICENSED_ACTIVITY_RANGES = {
    "eba_TA:x28", "eba_TA:x104", "eba_TA:qx277", "eba_TA:qx278",
    *(f"eba_TA:x{n}" for n in (*range(133, 148), *range(162, 277)))}


def _key_of(record) -> str:
    """The record's value in column c0010 of its rows."""
    if isinstance(record, Provider):
        return record.code
    if isinstance(record, Function):
        return record.identifier
    return record.reference


@pytest.mark.parametrize(
    "labels, record, field, needs, template, column, closed_list", CHOICES_PEOPLE_MAKE,
    ids=[f"{row[4]}.{row[5]}-{row[2]}" for row in CHOICES_PEOPLE_MAKE])
def test_every_choice_people_can_make_is_exported_as_its_own_eba_code(
        labels, record, field, needs, template, column, closed_list):
    kind = {Provider: "provider", Function: "function"}.get(type(record), "arrangement")
    written = {}
    for value, label in labels.items():
        assert label.strip(), value  # people pick it by its label
        register = _register_with(**{kind: replace(record, **{field: value, **needs})})
        rows = csv.DictReader(io.StringIO(table_csv(register, template).decode("utf-8")))
        [written[value]] = {row[column] for row in rows if row["c0010"] == _key_of(record)}
    reference = REFERENCE_CODES.get(closed_list, LICENSED_ACTIVITY_RANGES)
    assert set(written.values()) <= reference, written
    assert len(set(written.values())) == len(labels), written  # no two filed alike


# --- the report package -----------------------------------------------------------------------

STEM = "5299000J2N45DDNE4Y28.IND_IE_DORA010100_DORA_2025-12-31_20260115093005123"


def test_package_layout_and_name():
    name, data = write_package(sample_register(), CREATED_AT)
    assert name == f"{STEM}.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == [f"{STEM}/{path}" for path in (
        "META-INF/reportPackage.json", "reports/report.json", "reports/parameters.csv",
        "reports/FilingIndicators.csv", "reports/b_02.01.csv", "reports/b_02.02.csv",
        "reports/b_05.01.csv", "reports/b_06.01.csv", "reports/b_07.01.csv")]
    read = lambda path: archive.read(f"{STEM}/{path}")  # noqa: E731
    assert json.loads(read("META-INF/reportPackage.json")) == {
        "documentInfo": {"documentType": "https://xbrl.org/report-package/2023"}}
    assert json.loads(read("reports/report.json")) == {"documentInfo": {
        "documentType": "https://xbrl.org/2021/xbrl-csv",
        "extends": ["http://www.eba.europa.eu/eu/fr/xbrl/crr/fws/dora/4.0/mod/dora.json"]}}
    assert read("reports/parameters.csv") == (
        b"name,value\r\nentityID,rs:5299000J2N45DDNE4Y28.IND\r\nrefPeriod,2025-12-31\r\n"
        b"baseCurrency,iso4217:EUR\r\ndecimalsInteger,0\r\ndecimalsMonetary,-3\r\n")
    for template in TEMPLATES.values():
        assert read(f"reports/{template.file_name}") == (
            GOLDEN / template.file_name).read_bytes()


def test_filing_indicators_true_only_for_templates_with_rows():
    register = sample_register(arrangements=(DASHBOARD_BUILD,))  # no critical function
    indicators = package_files(register)["reports/FilingIndicators.csv"]
    assert indicators == (b"templateID,reported\r\nB_02.01,true\r\nB_02.02,true\r\n"
                          b"B_05.01,true\r\nB_06.01,true\r\nB_07.01,false\r\n")
    assert table_csv(register, "B_07.01") == (GOLDEN / "b_07.01.csv").read_bytes().split(
        b"\r\n")[0] + b"\r\n"


def test_package_is_reproducible_and_consolidated_scope():
    assert write_package(sample_register(), CREATED_AT) == write_package(
        sample_register(), CREATED_AT)
    group = sample_register(organisation=replace(ORGANISATION, consolidated=True))
    name, _ = write_package(group, CREATED_AT)
    assert name.startswith("5299000J2N45DDNE4Y28.CON_IE_")
    assert b"rs:5299000J2N45DDNE4Y28.CON" in package_files(group)["reports/parameters.csv"]


# --- pre-flight -------------------------------------------------------------------------------

def _has(findings, category, kind, field):
    return any(f.category == category and f.entity.kind == kind and f.field == field
               for f in findings)


def _register_with(*, arrangement=None, provider=None, function=None, organisation=None,
                   extra=()):
    """The sample with one record replaced (matched by id) or added."""
    def swap(records, new):
        if new is None:
            return records
        return tuple(new if r.id == new.id else r for r in records)
    return sample_register(arrangements=swap(ARRANGEMENTS, arrangement) + tuple(extra),
                           providers=swap(PROVIDERS, provider),
                           functions=swap(FUNCTIONS, function),
                           organisation=organisation or ORGANISATION)


def test_the_sample_is_clean():
    findings = preflight(sample_register())
    assert findings == [] and count(findings) == {REJECTION: 0, INCOMPLETE: 0}


@pytest.mark.parametrize("change, category, kind, field", [
    # empty key
    (dict(arrangement=replace(CORE_HOSTING, reference="")), REJECTION, "engagement",
     "contract_reference"),
    (dict(arrangement=replace(CORE_HOSTING, ict_service_type=None)), REJECTION, "engagement",
     "ict_service_type"),
    (dict(arrangement=replace(CORE_HOSTING, function_id=None)), REJECTION, "engagement",
     "business_function"),
    (dict(arrangement=replace(CORE_HOSTING, provider_id=None)), REJECTION, "engagement",
     "vendor"),
    (dict(provider=replace(KESTREL, other_code="")), REJECTION, "vendor", "lei"),
    (dict(organisation=replace(ORGANISATION, lei="")), REJECTION, "organisation", "lei"),
    # duplicate key
    (dict(extra=(replace(DASHBOARD_BUILD, id=9, title="Second build"),)), REJECTION,
     "engagement", "contract_reference"),
    # a row holding nothing but its keys
    (dict(arrangement=replace(DASHBOARD_BUILD, arrangement_type=None, currency="",
                              annual_expense=None)), REJECTION, "engagement",
     "contract_reference"),
    # foreign key with no row: the overarching agreement, the ultimate parent
    (dict(arrangement=replace(PAYMENTS_API, overarching_reference="NW-2019-99")), REJECTION,
     "engagement", "overarching_reference"),
    (dict(provider=replace(NORTHWIND, parent_code="549300GKFG0RYRRQ1414")), REJECTION,
     "vendor", "parent_code"),
    # LEIs failing ISO 17442
    (dict(provider=replace(NORTHWIND, lei="529900D6BF99LW9R2E69")), REJECTION, "vendor", "lei"),
    (dict(provider=replace(NORTHWIND, lei="529900d6bf99lw9r2e68")), REJECTION, "vendor", "lei"),
    (dict(provider=replace(KESTREL, other_code="DUMMYLEI123456789012", other_code_type="lei")),
     REJECTION, "vendor", "lei"),
    (dict(provider=replace(NORTHWIND, parent_code="HWUPKR0MPOU8FGXBT395")), REJECTION,
     "vendor", "parent_code"),
    (dict(organisation=replace(ORGANISATION, lei="DUMMYLEI123456789012")), REJECTION,
     "organisation", "lei"),
    # the package name needs the organisation's country
    (dict(organisation=replace(ORGANISATION, country="")), REJECTION, "organisation",
     "country"),
    (dict(organisation=replace(ORGANISATION, country="XX")), REJECTION, "organisation",
     "country"),
    # ... and parameters.csv its base currency (the unit of every amount)
    (dict(organisation=replace(ORGANISATION, base_currency="")), REJECTION, "organisation",
     "base_currency"),
    (dict(organisation=replace(ORGANISATION, base_currency="EURO")), REJECTION,
     "organisation", "base_currency"),
    # missing mandatory values
    (dict(arrangement=replace(CORE_HOSTING, arrangement_type=None)), INCOMPLETE, "engagement",
     "arrangement_type"),
    (dict(arrangement=replace(CORE_HOSTING, start_date=None)), INCOMPLETE, "engagement",
     "start_date"),
    (dict(arrangement=replace(CORE_HOSTING, annual_expense=None)), INCOMPLETE, "engagement",
     "annual_expense"),
    (dict(arrangement=replace(CORE_HOSTING, last_audit_on=None)), INCOMPLETE, "engagement",
     "last_audit_on"),
    (dict(arrangement=replace(CORE_HOSTING, substitutability=None)), INCOMPLETE, "engagement",
     "substitutability"),
    (dict(arrangement=replace(CORE_HOSTING, reintegration=None)), INCOMPLETE, "engagement",
     "reintegration"),
    (dict(arrangement=replace(CORE_HOSTING, discontinuation_impact=None)), INCOMPLETE,
     "engagement", "discontinuation_impact"),
    (dict(arrangement=replace(CORE_HOSTING, alternatives=None)), INCOMPLETE, "engagement",
     "exit_plan_alternatives"),
    (dict(provider=replace(KESTREL, legal_name="")), INCOMPLETE, "vendor", "legal_name"),
    (dict(provider=replace(KESTREL, person_type=None)), INCOMPLETE, "vendor", "person_type"),
    (dict(provider=replace(KESTREL, country="")), INCOMPLETE, "vendor", "country"),
    (dict(provider=replace(NORTHWIND, parent_code_type=None)), INCOMPLETE, "vendor",
     "parent_code_type"),
    (dict(function=replace(PAYMENTS, rto_hours=None)), INCOMPLETE, "function", "rto_hours"),
    (dict(function=replace(PAYMENTS, assessed_on=None)), INCOMPLETE, "function", "assessed_on"),
    (dict(function=replace(PAYMENTS, impact=None)), INCOMPLETE, "function", "impact"),
    # conditionally mandatory values
    (dict(arrangement=replace(PAYMENTS_API, overarching_reference="")), INCOMPLETE,
     "engagement", "overarching_reference"),
    (dict(arrangement=replace(DASHBOARD_BUILD, termination_reason=None)), INCOMPLETE,
     "engagement", "termination_reason"),
    (dict(arrangement=replace(DASHBOARD_BUILD, end_date=None)), INCOMPLETE, "engagement",
     "end_date"),
    (dict(arrangement=replace(CORE_HOSTING, notice_days_provider=None)), INCOMPLETE,
     "engagement", "notice_period_days_provider"),
    (dict(arrangement=replace(CORE_HOSTING, governing_law_country="")), INCOMPLETE,
     "engagement", "governing_law_country"),
    (dict(arrangement=replace(CORE_HOSTING, service_countries=())), INCOMPLETE, "engagement",
     "countries_service"),
    (dict(arrangement=replace(CORE_HOSTING, storage_countries=(), stores_data=True)),
     INCOMPLETE, "engagement", "countries_data_storage"),
    (dict(arrangement=replace(CORE_HOSTING, non_substitutability_reason=None)), INCOMPLETE,
     "engagement", "non_substitutability_reason"),
    (dict(provider=replace(NORTHWIND, other_code_type=None)), INCOMPLETE, "vendor",
     "other_code_type"),
])
def test_each_rule_trips(change, category, kind, field):
    assert not _has(preflight(sample_register()), category, kind, field)
    assert _has(preflight(_register_with(**change)), category, kind, field)


@pytest.mark.parametrize("change", [
    # the same gaps where the rule does not ask for the value
    dict(arrangement=replace(DASHBOARD_BUILD, notice_days_provider=None,
                             governing_law_country="", service_countries=())),  # not critical
    dict(arrangement=replace(PAYMENTS_API, termination_reason=None)),  # not ended
    dict(arrangement=replace(CORE_HOSTING, arrangement_type="standalone",
                             overarching_reference="")),
    dict(arrangement=replace(PAYMENTS_API, non_substitutability_reason=None)),  # medium
    dict(arrangement=replace(DASHBOARD_BUILD, last_audit_on=None, substitutability=None)),
    dict(arrangement=replace(PAYMENTS_API, storage_countries=(), stores_data=False)),
    dict(provider=replace(NORTHWIND, parent_code="", parent_code_type=None)),  # own parent
    dict(provider=replace(KESTREL, lei="", other_code="DE129273398")),
    dict(function=replace(REPORTING, criticality_reasons="")),
    dict(function=replace(PAYMENTS, licensed_activity="")),  # outside the slice: optional
])
def test_rules_do_not_trip_where_they_do_not_apply(change):
    assert preflight(_register_with(**change)) == preflight(sample_register())


@pytest.mark.parametrize("lei", ["", "DUMMYLEI123456789012", ORGANISATION.lei])
def test_a_duplicate_is_found_whatever_the_organisation_lei(lei):
    """The organisation's LEI keys every B_02.02 row alike: missing or not, a duplicate
    reference is found in both templates, and the LEI's own problem is told once."""
    register = _register_with(organisation=replace(ORGANISATION, lei=lei),
                              extra=(replace(DASHBOARD_BUILD, id=9, title="Second build"),))
    findings = preflight(register)
    [duplicate] = [f for f in findings if f.entity.name == "Second build"]
    assert duplicate.rejection and duplicate.field == "contract_reference"
    assert duplicate.columns == ("B_02.01 c0010", "B_02.02 c0010")
    assert "“KC-2025-02” as “Reporting dashboard build”" in duplicate.problem
    about_lei = [f for f in findings if f.entity.kind == "organisation" and f.field == "lei"]
    assert len(about_lei) == (0 if lei == ORGANISATION.lei else 1)


def test_each_distinct_lei_is_checked_once(monkeypatch):
    """A provider's LEI stands in many rows (B_02.02, B_05.01, B_07.01) and may be another's
    ultimate parent: its check digits are worked out once per pre-flight."""
    from collections import Counter

    from vendortrack.domain import register_of_information as roi

    checked = Counter()

    def counting(value):
        checked[value] += 1
        return lei_problem(value)

    monkeypatch.setattr(roi, "lei_problem", counting)
    bad = replace(NORTHWIND, lei="529900D6BF99LW9R2E69")
    findings = preflight(_register_with(provider=bad))
    assert _has(findings, REJECTION, "vendor", "lei")  # still found
    assert checked[bad.lei] == 1 and checked[NORTHWIND.parent_code] == 1, checked
    assert set(checked.values()) == {1}


def test_a_finding_names_the_record_the_columns_and_what_to_do():
    findings = preflight(_register_with(provider=replace(KESTREL, other_code="")))
    [finding] = [f for f in findings if f.entity.name == "Kestrel"]
    assert finding.rejection and finding.field == "lei"
    # One line per fix, listing every register column the gap empties.
    assert finding.columns == ("B_02.02 c0030", "B_05.01 c0010")
    assert finding.line == (
        "Vendor “Kestrel”: Identification code of the ICT third-party service provider is "
        "empty (B_02.02 c0030, B_05.01 c0010). Enter the vendor's LEI, or another identification "
        "code and its type.")


def test_overarching_reference_that_does_not_exist():
    findings = preflight(_register_with(
        arrangement=replace(PAYMENTS_API, overarching_reference="NW-2019-99")))
    [finding] = [f for f in findings if f.rejection]
    assert finding.entity.name == "Payments API platform"
    assert "overarching agreement “NW-2019-99” is not an arrangement" in finding.line


def test_a_question_column_is_not_answered_rather_than_missing():
    findings = preflight(_register_with(arrangement=replace(CORE_HOSTING, alternatives=None)))
    [finding] = findings
    assert finding.problem == ("“Are there alternative ICT third-party service providers "
                               "identified?” is not answered")
