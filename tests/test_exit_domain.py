"""Exit readiness as pure rules: LEI and country checks, the six rules on their boundary
days, and the suggested reintegration rating, with no app and no database."""
from datetime import date, timedelta

import pytest

from vendortrack.domain import exit as ex
from vendortrack.domain.identity import (
    country_name,
    is_country,
    is_valid_lei,
    lei_problem,
    normalise_lei,
)

TODAY = date(2026, 11, 26)
D = timedelta(days=1)


# --- LEI (ISO 17442, check digits ISO 7064 MOD 97-10) ---------------------------------------

@pytest.mark.parametrize("lei", [
    "529900D6BF99LW9R2E68",   # real LEIs from the GLEIF register
    "7LTWFZYICNSX8D621K86",
    "HWUPKR0MPOU8FGXBT394",
    "5493001KJTIIGC8Y1R12",
    "5299 00D6 BF99 LW9R 2E68",  # as printed in groups
    "529900d6bf99lw9r2e68",      # typed in lower case
])
def test_valid_leis(lei):
    assert is_valid_lei(lei)
    assert lei_problem(lei) is None


@pytest.mark.parametrize("lei, says", [
    ("529900D6BF99LW9R2E69", "check digits"),   # last digit wrong
    ("529900D6BF99LW9R2E86", "check digits"),   # check digits swapped
    ("7LTWFZYICNSX8D621K87", "check digits"),
    ("529900D6BF99LW9R2F68", "check digits"),   # a letter mistyped
    ("529900D6BF99LW9R2EAB", "check digits"),   # letters where the check digits go
    ("529900D6BF99LW9R2E6", "20 characters"),
    ("529900D6BF99LW9R2E688", "20 characters"),
    ("", "20 characters"),
    ("529900D6BF99LW9R2E-8", "letters A–Z"),
    ("529900D6BF99LW9R2É68", "letters A–Z"),
])
def test_invalid_leis(lei, says):
    assert not is_valid_lei(lei)
    assert says in lei_problem(lei)


def test_check_digits_are_computed_as_iso_7064_says():
    from vendortrack.domain.identity import with_check_digits

    assert with_check_digits("529900D6BF99LW9R2E") == "529900D6BF99LW9R2E68"
    assert with_check_digits("HWUPKR0MPOU8FGXBT3") == "HWUPKR0MPOU8FGXBT394"


def test_normalise_lei():
    assert normalise_lei(" 5299 00d6bf99lw9r2e68 ") == "529900D6BF99LW9R2E68"


@pytest.mark.parametrize("code, valid", [
    ("IE", True), ("DE", True), ("US", True), ("GB", True), ("SS", True),
    ("UK", False),  # reserved, not assigned: the United Kingdom is GB
    ("EU", False), ("XK", False), ("ZZ", False), ("ie", False), ("IRL", False), ("", False),
])
def test_countries(code, valid):
    assert is_country(code) is valid


def test_country_name():
    assert country_name("IE") == "Ireland"
    assert country_name("ZZ") == "ZZ"


# --- the six rules on their boundaries ------------------------------------------------------

@pytest.mark.parametrize("critical, documented, fires", [
    (True, False, True), (True, True, False), (False, False, False), (False, True, False),
])
def test_exit_plan_missing(critical, documented, fires):
    assert ex.exit_plan_missing(critical, documented) is fires


@pytest.mark.parametrize("days_since_test, fires", [
    (0, False), (364, False), (365, False), (366, True), (None, True),
])
def test_exit_plan_untested_boundaries(days_since_test, fires):
    tested = None if days_since_test is None else TODAY - days_since_test * D
    assert ex.exit_plan_untested(True, True, tested, TODAY) is fires


@pytest.mark.parametrize("critical, documented", [(False, True), (True, False)])
def test_exit_plan_untested_only_for_documented_critical_plans(critical, documented):
    assert not ex.exit_plan_untested(critical, documented, None, TODAY)


@pytest.mark.parametrize("review_offset, fires", [
    (-1, True), (0, False), (1, False), (None, False),
])
def test_review_overdue_boundaries(review_offset, fires):
    review = None if review_offset is None else TODAY + review_offset * D
    assert ex.exit_plan_review_overdue(review, TODAY) is fires


@pytest.mark.parametrize("critical, substitutability, alternatives, fires", [
    (True, None, None, True),
    (True, "not_substitutable", "no", True),
    (True, "highly_complex", "not_assessed", True),
    (True, "medium", "no", True),
    (True, "medium", "yes", False),
    (True, "easy", "no", False),
    (False, "not_substitutable", "no", False),
])
def test_no_alternatives(critical, substitutability, alternatives, fires):
    assert ex.no_alternatives(critical, substitutability, alternatives) is fires


@pytest.mark.parametrize("days_ahead, ready, fires", [
    (31, False, False), (30, False, True), (29, False, True), (0, False, True),
    (-10, False, True),   # handover passed
    (29, True, False), (-10, True, False),
    (None, False, False),  # no handover date: DEPENDENCY_TRAP_NO_HANDOVER says so already
])
def test_successors_not_ready_boundaries(days_ahead, ready, fires):
    handover = None if days_ahead is None else TODAY + days_ahead * D
    assert ex.successors_not_ready(handover, ready, TODAY) is fires


@pytest.mark.parametrize("people, suggested, fires", [
    (None, "highly_complex", False),
    ("easy", "highly_complex", True),
    ("easy", "difficult", True),
    ("difficult", "highly_complex", True),
    ("difficult", "difficult", False),
    ("highly_complex", "easy", False),  # more cautious than the evidence is fine
    ("easy", "easy", False),
])
def test_reintegration_overstated(people, suggested, fires):
    assert ex.reintegration_overstated(people, suggested) is fires


def test_boundary_helpers_name_the_days():
    assert ex.untested_before(TODAY) == TODAY - 365 * D
    assert ex.successors_due_by(TODAY) == TODAY + 30 * D


# --- the suggested reintegration rating -----------------------------------------------------

def evidence(**overrides):
    base = dict(has_owner=True, successors=1, successors_ready=1, deliverables=4,
                deliverables_accepted=4, core_capability=True, upskilling=1)
    return ex.Evidence(**{**base, **overrides})


@pytest.mark.parametrize("overrides, rating, missing", [
    ({}, "easy", ()),
    ({"core_capability": False, "upskilling": 0}, "easy", ()),
    ({"upskilling": 0}, "difficult", ("upskilling alongside",)),
    ({"successors_ready": 0}, "difficult", ("attests they can operate",)),
    ({"deliverables_accepted": 3}, "difficult", ("every knowledge-transfer", "3 of 4")),
    ({"deliverables_accepted": 2, "successors_ready": 0}, "difficult",
     ("attests", "2 of 4")),
    ({"deliverables_accepted": 1}, "highly_complex", ("at least half", "1 of 4")),
    ({"deliverables": 3, "deliverables_accepted": 1}, "highly_complex", ("1 of 3",)),
    ({"deliverables": 3, "deliverables_accepted": 2}, "difficult", ("2 of 3",)),
    ({"has_owner": False}, "highly_complex", ("internal owner",)),
    ({"successors": 0, "successors_ready": 0}, "highly_complex", ("successor is named",)),
    ({"deliverables": 0, "deliverables_accepted": 0}, "highly_complex",
     ("deliverables are agreed",)),
    ({"has_owner": False, "successors": 0, "successors_ready": 0, "deliverables_accepted": 0},
     "highly_complex", ("internal owner", "successor is named", "0 of 4")),
])
def test_suggested_reintegration(overrides, rating, missing):
    suggestion = ex.suggest_reintegration(evidence(**overrides))
    assert suggestion.rating == rating
    text = " | ".join(suggestion.missing)
    for words in missing:
        assert words in text
    assert bool(suggestion.missing) is (rating != "easy")
    assert suggestion.next_rating == {"easy": None, "difficult": "easy",
                                      "highly_complex": "difficult"}[rating]


def test_readiness_needs_all_four_abilities():
    assert ex.Readiness(True, True, True, True).complete
    for missing in ("operate", "maintain", "extend", "explain"):
        abilities = {a: a != missing for a in ("operate", "maintain", "extend", "explain")}
        assert not ex.Readiness(**abilities).complete


@pytest.mark.parametrize("tested, review, problems", [
    (TODAY, TODAY + 365 * D, set()),
    (TODAY + D, None, {"last_tested_on"}),
    (TODAY - 10 * D, TODAY - 11 * D, {"next_review_on"}),
    (None, TODAY - 11 * D, set()),
])
def test_exit_date_problems(tested, review, problems):
    assert set(ex.exit_test_problem(tested, review, TODAY)) == problems


@pytest.mark.parametrize("days, ok", [(None, True), (0, True), (3650, True), (3651, False),
                                      (-1, False)])
def test_days_problem(days, ok):
    assert (ex.days_problem(days) is None) is ok
