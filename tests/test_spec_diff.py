"""Spec diffs: field changes and rows added, removed and changed in every section."""
from vendortrack.domain.spec import Metric, to_json
from vendortrack.domain.spec_diff import SECTIONS, diff_specs

from .conftest import complete_spec


def test_identical_specs_have_no_diff():
    spec = to_json(complete_spec())
    assert not diff_specs(spec, spec)


def test_field_changes_keep_old_and_new():
    old = to_json(complete_spec())
    new = to_json(complete_spec(title="Renamed", handover_date=None))
    diff = diff_specs(old, new)
    assert {(c.field, c.old, c.new) for c in diff.fields} == {
        ("title", "Automate support triage", "Renamed"),
        ("handover_date", old["handover_date"], None),
    }
    assert diff.rows == ()


def test_inserted_row_is_one_addition_not_a_cascade():
    m = [Metric(f"M{i}", "", str(i), "", "") for i in range(4)]
    old = to_json(complete_spec(metrics=tuple(m)))
    new = to_json(complete_spec(metrics=(m[0], Metric("New", "", "9", "", ""), *m[1:])))
    rows = diff_specs(old, new).rows_in("metrics")
    assert [(r.change, r.new_position, r.new["name"]) for r in rows] == [("added", 2, "New")]


def test_changed_and_removed_rows():
    m = [Metric(f"M{i}", "", str(i), "", "") for i in range(3)]
    old = to_json(complete_spec(metrics=tuple(m)))
    new = to_json(complete_spec(metrics=(Metric("M0", "", "99", "", ""), m[2])))
    rows = diff_specs(old, new).rows_in("metrics")
    changes = sorted((r.change, r.old["name"] if r.old else None) for r in rows)
    assert changes == [("changed", "M0"), ("removed", "M1")]
    changed = next(r for r in rows if r.change == "changed")
    assert changed.old["target"] == "0" and changed.new["target"] == "99"


def test_every_section_is_compared():
    old = to_json(complete_spec())
    new = to_json(complete_spec(successors=(), upskilling=(), metrics=(), constraints=(),
                                tradeoffs=(), deliverables=()))
    diff = diff_specs(old, new)
    assert {r.section for r in diff.rows} == set(SECTIONS)
    assert all(r.change == "removed" for r in diff.rows)


def test_diff_from_nothing_lists_everything_as_new():
    diff = diff_specs(None, to_json(complete_spec()))
    assert any(c.field == "title" for c in diff.fields)
    assert diff.to_json()[0]["old"] is None
