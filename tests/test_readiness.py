"""Successors attest their own readiness; the internal owner may record it for them; nobody
else may, and the history shows who did."""
import json

import pytest
from sqlalchemy import func, select

from vendortrack.domain import spec as specs
from vendortrack.extensions import db
from vendortrack.models import AuditEvent, Engagement, EngagementPerson, utcnow

from .conftest import TODAY, shown_flash

ALL = ["operate", "maintain", "extend", "explain"]


@pytest.fixture
def team(make_user, make_engagement, users):
    ben = make_user("product_owner", email="ben.okafor@example.org", name="Ben Okafor")
    dana = make_user("leadership", email="dana@example.org", name="Dana Lee")
    owner = make_user("product_owner", email="anna.berg@example.org", name="Anna Berg")
    engagement = make_engagement(successors=(
        specs.Person("Ben Okafor", "BEN.OKAFOR@example.org"),
        specs.Person("Dana Lee", "dana@example.org")))
    ben_row, dana_row = engagement.successors
    return {"ben": ben, "dana": dana, "owner": owner, "engagement": engagement,
            "ben_row": ben_row.id, "dana_row": dana_row.id, **users}


def attest(client, team, row, abilities):
    url = f"/engagements/{team['engagement'].id}/successors/{team[row]}/readiness"
    client.get(f"/engagements/{team['engagement'].id}")
    return client.post(url, {"abilities": abilities})


def person(row_id):
    db.session.expire_all()
    return db.session.get(EngagementPerson, row_id)


def test_successor_attests_their_own_readiness(client, team):
    client.login(team["ben"])
    response = attest(client, team, "ben_row", ALL)
    assert response.status_code == 302
    ben = person(team["ben_row"])
    assert (ben.can_operate, ben.can_maintain, ben.can_extend, ben.can_explain) == (
        True, True, True, True)
    assert ben.attested_on == TODAY and ben.attested_by_id == team["ben"].id
    assert db.session.get(Engagement, team["engagement"].id).successor_ready
    page = client.get(f"/engagements/{team['engagement'].id}").get_data(as_text=True)
    assert "by Ben Okafor." in page and "by Ben Okafor for them" not in page
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "successor.readiness"))
    assert event.user_id == team["ben"].id and event.subject == "Ben Okafor"
    assert json.loads(event.changes)[0]["new"] == ALL


def test_successor_cannot_attest_for_someone_else(client, team):
    client.login(team["ben"])
    assert attest(client, team, "dana_row", ALL).status_code == 403
    dana = person(team["dana_row"])
    assert not dana.can_operate and dana.attested_on is None
    page = client.get(f"/engagements/{team['engagement'].id}").get_data(as_text=True)
    # Ben sees his own form only
    assert page.count('class="readiness-form"') == 1


def test_internal_owner_records_it_for_a_successor_and_history_says_so(client, team):
    client.login(team["owner"])
    assert attest(client, team, "dana_row", ["operate", "explain"]).status_code == 302
    dana = person(team["dana_row"])
    assert (dana.can_operate, dana.can_maintain, dana.can_explain) == (True, False, True)
    assert dana.attested_by_id == team["owner"].id
    assert not db.session.get(Engagement, team["engagement"].id).successor_ready
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "successor.readiness"))
    assert event.user_id == team["owner"].id
    assert event.subject == "Dana Lee (recorded for them)"
    page = client.get(f"/engagements/{team['engagement'].id}").get_data(as_text=True)
    assert "by Anna Berg for them" in page
    assert "recorded the readiness of Dana Lee (recorded for them)" in page  # the history


@pytest.mark.parametrize("who", ["admin", "procurement", "leadership", "product_owner"])
def test_nobody_else_may_attest(client, team, who):
    client.login(team[who])
    assert attest(client, team, "ben_row", ALL).status_code == 403
    assert person(team["ben_row"]).attested_on is None


def test_unknown_or_foreign_successor_is_404(client, team, make_engagement):
    other = make_engagement(title="Other")
    client.login(team["owner"])
    client.get(f"/engagements/{other.id}")
    url = f"/engagements/{other.id}/successors/{team['ben_row']}/readiness"
    assert client.post(url, {"abilities": ALL}).status_code == 404


def test_withdrawing_an_ability_makes_the_engagement_not_ready_again(client, team):
    client.login(team["ben"])
    attest(client, team, "ben_row", ALL)
    attest(client, team, "ben_row", ["operate", "maintain", "extend"])
    assert not db.session.get(Engagement, team["engagement"].id).successor_ready


def test_suggested_reintegration_improves_with_the_evidence_and_says_why(client, team):
    from vendortrack import services

    url = f"/engagements/{team['engagement'].id}"
    client.login(team["owner"])
    page = client.get(url).get_data(as_text=True)
    assert "The evidence suggests</dt><dd><strong>Highly complex" in page
    assert "at least half of the knowledge-transfer deliverables are accepted (0 of 2" in page
    engagement = db.session.get(Engagement, team["engagement"].id)
    for deliverable in engagement.deliverables:
        services.change_deliverable_status(deliverable, "delivered", team["owner"])
        services.change_deliverable_status(deliverable, "accepted", team["owner"])
    page = client.get(url).get_data(as_text=True)
    assert "The evidence suggests</dt><dd><strong>Difficult" in page
    assert "a successor attests they can operate, maintain, extend and explain it" in page
    attest(client, team, "dana_row", ALL)
    page = client.get(url).get_data(as_text=True)
    assert "The evidence suggests</dt><dd><strong>Easy" in page
    assert "Every piece of evidence for an easy reintegration is there." in page


# --- the attestation is made again when another save of the engagement wins (issue 17) -----

def readiness_events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "successor.readiness"))


def edit_successors(engagement_id, people):
    """Another save of the engagement that gives its successor rows, in order, to
    ``people`` (name, e-mail): an edit keeps rows by position, so row ids change hands."""
    def change(session):
        engagement = session.get(Engagement, engagement_id)
        for row, (name, email) in zip(engagement.successors, people, strict=True):
            row.name, row.email = name, email
        engagement.updated_at = utcnow()

    return change


def test_an_owner_replaced_meanwhile_records_nothing(client, team, saved_meanwhile):
    """The owner's right to record for a successor is checked again on the rows the
    attestation is written with: an edit that named another owner meanwhile refuses it."""
    client.login(team["owner"])
    engagement_id = team["engagement"].id

    def new_owner(session):
        engagement = session.get(Engagement, engagement_id)
        engagement.owner_name, engagement.owner_email = "Carl Moss", "carl@example.org"

    saved_meanwhile(new_owner)
    kind, message = shown_flash(client, attest(client, team, "dana_row", ALL))
    assert kind == "error"
    assert message == "You can no longer record Dana Lee's readiness, so nothing was recorded."
    assert person(team["dana_row"]).attested_on is None and readiness_events() == 0


def test_an_attestation_follows_its_person_when_an_edit_swaps_the_rows(client, team,
                                                                      saved_meanwhile):
    """Ben attests while an edit swaps Ben and Dana: his row id is Dana's now, and the
    attestation lands on Ben's row, never on hers."""
    client.login(team["ben"])
    saved_meanwhile(edit_successors(team["engagement"].id, [
        ("Dana Lee", "dana@example.org"), ("Ben Okafor", "ben.okafor@example.org")]))
    kind, message = shown_flash(client, attest(client, team, "ben_row", ALL))
    assert (kind, message) == ("success", "Recorded: Ben Okafor can operate, maintain, "
                                          "extend, explain.")
    dana, ben = person(team["ben_row"]), person(team["dana_row"])
    assert dana.email == "dana@example.org" and dana.attested_on is None
    assert ben.email == "ben.okafor@example.org" and ben.attested_by_id == team["ben"].id
    assert ben.can_explain and readiness_events() == 1


def test_a_successor_removed_meanwhile_records_nothing(client, team, saved_meanwhile):
    """An edit replaced Ben by Erin on his row meanwhile: Ben's attestation touches no row."""
    client.login(team["ben"])
    saved_meanwhile(edit_successors(team["engagement"].id, [
        ("Erin Holt", "erin@example.org"), ("Dana Lee", "dana@example.org")]))
    kind, message = shown_flash(client, attest(client, team, "ben_row", ALL))
    assert kind == "error"
    assert message == ("Ben Okafor is no longer a successor of this engagement, so nothing "
                       "was recorded.")
    erin = person(team["ben_row"])
    assert erin.email == "erin@example.org" and erin.attested_on is None
    assert readiness_events() == 0


# --- the API ---------------------------------------------------------------------------------

@pytest.fixture
def bearer(app, team):
    """Call the API as one of the team (tokens made before any request)."""
    from vendortrack.tokens import create_token

    headers = {who: {"Authorization": f"Bearer {create_token(team[who], 'tests')}"}
               for who in ("ben", "owner", "admin")}

    def call(method, who, url, body=None):
        with app.app_context():
            return getattr(app.test_client(), method)(url, json=body, headers=headers[who])
    return call


def stored(row_id):
    db.session.rollback()  # the API answered on a session of its own: read what it committed
    return person(row_id)


def api_attest(bearer, who, team, row, body):
    url = f"/api/v1/engagements/{team['engagement'].id}/successors/{team[row]}/readiness"
    return bearer("post", who, url, body)


def test_a_successor_records_their_readiness_through_the_api(bearer, team):
    url = f"/api/v1/engagements/{team['engagement'].id}"
    ben = bearer("get", "ben", url).get_json()["successors"][0]
    assert ben["id"] == team["ben_row"] and ben["readiness"] is None
    response = api_attest(bearer, "ben", team, "ben_row", {"abilities": ALL})
    assert response.status_code == 200
    assert response.get_json() == {"id": team["ben_row"], "name": "Ben Okafor", "readiness": {
        "operate": True, "maintain": True, "extend": True, "explain": True,
        "attested_on": TODAY.isoformat(), "recorded_by": "Ben Okafor"}}
    assert stored(team["ben_row"]).attested_by_id == team["ben"].id
    document = bearer("get", "admin", url).get_json()
    assert document["successors"][0]["readiness"]["operate"] is True
    # What GET returned goes back with PUT as it is (the ids and readiness are ignored).
    saved = bearer("put", "admin", url, document)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["successors"][0]["readiness"]["operate"] is True


def test_the_api_keeps_the_same_rules_as_the_page(bearer, team):
    assert api_attest(bearer, "ben", team, "dana_row", {"abilities": ALL}).status_code == 403
    # Not even an administrator: an attestation is the person's own word.
    assert api_attest(bearer, "admin", team, "dana_row", {"abilities": ALL}).status_code == 403
    owner = api_attest(bearer, "owner", team, "dana_row", {"abilities": ["operate"]})
    assert owner.status_code == 200
    assert owner.get_json()["readiness"]["recorded_by"] == "Anna Berg"
    dana = stored(team["dana_row"])
    assert (dana.can_operate, dana.can_maintain) == (True, False)


@pytest.mark.parametrize("body", [{}, {"abilities": "operate"}, {"abilities": ["fly"]},
                                  {"abilities": [1]}, ["operate"]])
def test_the_api_explains_a_bad_list_of_abilities_and_records_nothing(bearer, team, body):
    response = api_attest(bearer, "ben", team, "ben_row", body)
    assert response.status_code == 422
    assert "operate, maintain, extend, explain" in response.get_json()["errors"]["abilities"][0]
    assert stored(team["ben_row"]).attested_on is None


def test_the_api_answers_404_for_a_row_that_is_no_successor_here(bearer, team,
                                                                  make_engagement):
    other = make_engagement(successors=(specs.Person("Ben Okafor", "ben.okafor@example.org"),))
    response = api_attest(bearer, "ben", {**team, "elsewhere": other.successors[0].id},
                          "elsewhere", {"abilities": ALL})
    assert response.status_code == 404
    assert "no such successor" in response.get_json()["error"]["detail"]
