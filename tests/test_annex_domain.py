"""Pure annex rules: what an annex states, what changed, safe CSV cells."""
import pytest

from vendortrack.domain.annex import (
    annex_size_problems,
    annex_terms,
    neutralise_cell,
    next_number,
    spec_changed,
    terms_diff,
)
from vendortrack.domain.spec import Deliverable, Metric, Person, Tradeoff, to_json

from .conftest import TODAY, complete_spec


def test_progress_is_not_a_term_of_the_annex():
    issued = to_json(complete_spec())
    later = to_json(complete_spec(status="in_handover", deliverables=tuple(
        Deliverable(d.kind, d.title, d.due_date, d.acceptance_criteria, "accepted")
        for d in complete_spec().deliverables)))
    assert issued != later
    assert annex_terms(issued) == annex_terms(later)
    assert not spec_changed(issued, later)
    assert not terms_diff(issued, later)
    assert "status" not in annex_terms(issued)
    assert all("status" not in d for d in annex_terms(issued)["deliverables"])


def test_no_issued_annex_means_nothing_changed_since():
    assert not spec_changed(None, to_json(complete_spec()))


def test_a_changed_term_is_a_change():
    issued = to_json(complete_spec())
    assert spec_changed(issued, to_json(complete_spec(title="Renamed")))


def test_rows_added_removed_and_changed_in_every_section():
    base = complete_spec(
        successors=(Person("A", "a@x.org"), Person("B", "b@x.org")),
        upskilling=(Person("C", "c@x.org"), Person("D", "d@x.org")),
        metrics=(Metric("M1", "1", "2", "h", ""), Metric("M2", "1", "2", "h", "")),
        constraints=("C1", "C2"),
        tradeoffs=(Tradeoff("T1", "PO"), Tradeoff("T2", "PO")),
        deliverables=(Deliverable("runbook", "D1", TODAY, "ok"),
                      Deliverable("training", "D2", TODAY, "ok")),
    )
    changed = complete_spec(
        successors=(Person("A", "a2@x.org"), Person("E", "e@x.org"), Person("F", "f@x.org")),
        upskilling=(Person("C", "c@x.org"),),
        metrics=(Metric("M1", "1", "3", "h", ""), Metric("M2", "1", "2", "h", ""),
                 Metric("M3", "0", "1", "h", "")),
        constraints=("C1",),
        tradeoffs=(Tradeoff("T1", "CTO"), Tradeoff("T2", "PO")),
        deliverables=(Deliverable("runbook", "D1", TODAY, "ok"),
                      Deliverable("training", "D2", TODAY, "ok"),
                      Deliverable("shadowing", "D3", TODAY, "two weeks")),
    )
    diff = terms_diff(to_json(base), to_json(changed))
    summary = {s: sorted(r.change for r in diff.rows_in(s)) for s in
               ("successors", "upskilling", "metrics", "constraints", "tradeoffs",
                "deliverables")}
    assert summary == {
        "successors": ["added", "changed", "changed"],
        "upskilling": ["removed"],
        "metrics": ["added", "changed"],
        "constraints": ["removed"],
        "tradeoffs": ["changed"],
        "deliverables": ["added"],
    }
    metric = diff.rows_in("metrics")[0]
    assert (metric.change, metric.old["target"], metric.new["target"]) == ("changed", "2", "3")
    assert diff.fields == ()


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"),
    ("+SUM(A1)", "'+SUM(A1)"),
    ("-2+3", "'-2+3"),
    ("@cmd", "'@cmd"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("Plain title", "Plain title"),
    ("a=b", "a=b"),
    ("", ""),
    (None, ""),
    (12, 12),
])
def test_csv_cells_never_start_a_formula(value, expected):
    assert neutralise_cell(value) == expected


@pytest.mark.parametrize("latest, expected", [(None, 1), (1, 2), (9, 10)])
def test_versions_count_from_one(latest, expected):
    assert next_number(latest) == expected


@pytest.mark.parametrize("snapshot, limit, expected", [
    ({"title": "abc", "deliverables": [{"title": "de", "acceptance_criteria": "fgh"}]}, 8, {}),
    ({"title": "abc", "deliverables": [{"title": "de", "acceptance_criteria": "fgh"}]}, 7,
     {"deliverables": "this one would hold 8. This part has 5: shorten it by at least 1 "}),
    ({"title": "a" * 10, "problem_statement": "b" * 11, "metrics": []}, 20,
     {"problem_statement": "at most 20 characters of text; this one would hold 21"}),
    ({"internal_owner": {"name": "x" * 5, "email": "y"}, "contract_value": 10**9}, 5,
     {"internal_owner": "would hold 6"}),
])
def test_annex_size_problems_name_the_largest_part(snapshot, limit, expected):
    problems = annex_size_problems(snapshot, limit)
    assert set(problems) == set(expected)
    for path, fragment in expected.items():
        assert len(problems[path]) == 1 and fragment in problems[path][0]


def test_an_annex_issued_before_a_field_existed_compares_with_new_snapshots():
    from vendortrack.domain.annex import not_recorded

    new_fields = ("business_function", "notice_period_days", "transition_period_days",
                  "countries", "annual_expense", "exit_plan", "substitutability",
                  "reintegration")
    old = {k: v for k, v in to_json(complete_spec()).items()  # issued before they existed
           if k not in new_fields}
    empty = {**to_json(complete_spec()),
             "countries": {"service": [], "data_storage": []}, "successors": [
                 {**row, "readiness": {"operate": True}} for row in old["successors"]]}
    assert not spec_changed(old, empty)
    assert not terms_diff(old, empty)
    filled = {**empty, "transition_period_days": 90}
    assert spec_changed(old, filled)
    [change] = terms_diff(old, filled).fields
    assert (change.field, change.old, change.new) == ("transition_period_days", None, 90)
    assert "transition_period_days" in not_recorded(old, filled)
    assert not not_recorded(filled, filled)
