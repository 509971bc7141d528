"""The load run in short (gunicorn, 2 workers, a few users for a few seconds) and its checks."""
import os
from pathlib import Path

import pytest

from tests.conftest import complete_spec
from tests.load.loadrun import Forms, Write, forms_where, lost_writes, percentiles, run
from vendortrack import services
from vendortrack.extensions import db


def test_short_load_run_has_no_errors_and_loses_no_writes():
    report = run(users=4, seconds=5, engagements=300, log=lambda *args: None)
    assert report.errors == [], report.text()
    assert report.lost == [], report.text()
    assert report.server_log_problems == [], report.text()
    assert report.writes > 0, report.text()
    assert {"login", "list", "engagement"} <= set(report.latencies)
    assert report.requests > 20 and report.rate > 0


@pytest.fixture
def sqlite_file(app) -> Path:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the load run checks an SQLite file")
    return Path(db.engine.url.database)


def test_lost_edits_are_found(sqlite_file, make_engagement, users):
    engagement = make_engagement()
    services.update_engagement(engagement, complete_spec(title="Saved under load"),
                               users["product_owner"], expected_version=1)
    saved = Write(("title", engagement.id), "Saved under load", 0.0, 1.0, version=2)
    assert lost_writes(sqlite_file, [saved]) == []

    never_stored = Write(("title", engagement.id), "Acknowledged, never stored", 2.0, 3.0,
                         version=3)
    problems = lost_writes(sqlite_file, [saved, never_stored])
    assert len(problems) == 2
    assert "missing from its history" in problems[0]
    assert "'Saved under load'" in problems[1] and "(v3)" in problems[1]


def test_lost_status_changes_are_found(sqlite_file, make_engagement, users):
    deliverable = make_engagement().deliverables[0]
    services.change_deliverable_status(deliverable, "delivered", users["product_owner"])
    key = ("status", deliverable.id)
    delivered = Write(key, "delivered", 0.0, 1.0)
    assert lost_writes(sqlite_file, [delivered]) == []
    # Overlapping in time, either may have committed last.
    assert lost_writes(sqlite_file, [delivered, Write(key, "accepted", 0.5, 1.5)]) == [
        f"deliverable {deliverable.id}: 1 changes to accepted acknowledged, 0 in its history"]
    # Sent after the first was answered: it must be what is stored.
    problems = lost_writes(sqlite_file, [delivered, Write(key, "accepted", 2.0, 3.0)])
    assert problems[-1] == (f"deliverable {deliverable.id}: status is 'delivered', the last "
                            "acknowledged change set ['accepted']")


def test_forms_are_read_as_a_browser_sends_them():
    page = """<form action="/x" id="f"><input type="hidden" name="csrf_token" value="t&amp;1">
      <textarea name="problem">
Line one</textarea>
      <select name="status"><option value="draft">Draft</option>
        <option selected value="active">Active</option></select>
      <select name="kind"><option value="runbook">Runbook</option></select>
      <input type="checkbox" name="core" checked><input type="checkbox" name="off">
      <button type="submit" name="then" value="show">Save</button></form>"""
    (form,) = Forms(page).forms
    assert form["action"] == "/x"
    assert form["fields"] == [["csrf_token", "t&1"], ["problem", "Line one"],
                              ["status", "active"], ["kind", "runbook"], ["core", "y"]]


def test_forms_skip_comments_and_scripts_and_read_every_attribute_quoting():
    page = """<FORM action='/a?x=1&amp;y=2'><!-- <input name="old" value="1"> -->
      <input name=plain value=one><input name="gt" value='a>b'><Input NAME="upper" value="U">
      <input-group name="custom" value="not an input"></input-group>
      <script>var html = '<input name="fake" value="2">';</script>
      <TEXTAREA name="t">\r\n&lt;b&gt; <input name="inside"></textarea >
      <select name="s"><option value="">None</option><option value=x SELECTED>X</option></select>
      </form><input name="outside" value="3">"""
    (form,) = Forms(page).forms
    assert form["action"] == "/a?x=1&y=2"
    assert form["fields"] == [["plain", "one"], ["gt", "a>b"], ["upper", "U"],
                              ["t", '<b> <input name="inside">'], ["s", "x"]]


def test_percentiles_are_nearest_rank():
    values = [i / 100 for i in range(1, 101)]
    assert percentiles(values) == {50: 0.5, 95: 0.95, 99: 0.99}
    assert percentiles([]) == {50: 0.0, 95: 0.0, 99: 0.0}


CLUSTER_DATABASE = os.environ.get("TEST_DATABASE_URL", "")
CLUSTER_REDIS = os.environ.get("TEST_REDIS_URL")  # a Redis database of its own: it is emptied
needs_cluster = pytest.mark.skipif(
    not (CLUSTER_DATABASE.startswith("postgresql") and CLUSTER_REDIS),
    reason="several servers need TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL")


@needs_cluster
def test_two_servers_share_sessions_conflicts_the_login_limit_and_reminders():
    report = run(users=4, seconds=4, engagements=200, log=lambda *args: None, servers=2,
                 database_url=CLUSTER_DATABASE, redis_url=CLUSTER_REDIS)
    assert report.ok, report.text()
    assert report.server_log_problems == [], report.text()
    assert [passed for _, passed, _ in report.checks] == [True] * 4, report.text()


def test_only_the_wanted_forms_are_read():
    page = ('<form action="/search"><input name="q" value="x"></form><p>text</p>'
            '<FORM method="post" action="/e/1/deliverables/2/status" class="inline-form">'
            '<input name="status" value="accepted"><textarea name="note">\na</textarea></FORM>'
            '<form id="spec-form"><select name="c"><option value="1">'
            '<option value="2" selected></select></form>')
    [status] = forms_where(page, lambda tag: '/status"' in tag)
    assert status["action"] == "/e/1/deliverables/2/status"
    assert status["fields"] == [["status", "accepted"], ["note", "a"]]
    [spec] = forms_where(page, lambda tag: 'id="spec-form"' in tag)
    assert spec["fields"] == [["c", "2"]]
    assert forms_where(page, lambda tag: True) == Forms(page).forms
