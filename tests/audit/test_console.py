"""The privacy officer's console: who accessed this person, what did this user access."""

from __future__ import annotations

import csv
import io

import pytest

from audit.models import AccessEvent
from tests.caseroom.conftest import World
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def test_who_accessed_this_person(world: World) -> None:
    verified_client(world.politie).get(f"/api/v1/cases/{world.case.pk}/")
    verified_client(world.ggz).get(f"/api/v1/persons/{world.person.pk}/")
    body = (
        verified_client(world.privacy).get(f"/api/v1/audit/events/?person={world.person.pk}").json()
    )
    who = {(e["actor_username"], e["action"], e["object_type"]) for e in body["results"]}
    assert ("politie", "view", "caseroom.case") in who
    assert ("ggz", "view", "persons.person") in who
    assert all(str(world.person.pk) in e["person_ids"] for e in body["results"])
    # Metadata only: no names, no case content.
    text = str(body)
    assert "Haidari" not in text and "Vechtpartij" not in text


def test_what_did_this_user_access_in_a_period(world: World) -> None:
    verified_client(world.politie).get("/api/v1/cases/")
    url = f"/api/v1/audit/events/?user={world.politie.pk}&action=list&from=2000-01-01&to=2999-12-31"
    body = verified_client(world.privacy).get(url).json()
    assert body["count"] >= 1
    assert {e["actor_username"] for e in body["results"]} == {"politie"}
    empty = verified_client(world.privacy).get(
        f"/api/v1/audit/events/?user={world.politie.pk}&to=2000-01-01"
    )
    assert empty.json()["count"] == 0


def test_bad_filters_are_clear_errors(world: World) -> None:
    response = verified_client(world.privacy).get("/api/v1/audit/events/?from=gisteren")
    assert response.status_code == 400
    assert "JJJJ-MM-DD" in response.json()["error"]["fields"]["from"][0]["message"]


def test_the_console_exists_only_for_the_privacy_officer(world: World) -> None:
    for user in (world.politie, world.regisseur, world.outsider):
        assert verified_client(user).get("/api/v1/audit/events/").status_code == 404
        assert verified_client(user).get("/api/v1/audit/events/export/").status_code == 404


def test_using_the_console_and_exporting_are_logged(world: World) -> None:
    client = verified_client(world.privacy)
    client.get(f"/api/v1/audit/events/?person={world.person.pk}")
    response = client.get(f"/api/v1/audit/events/export/?person={world.person.pk}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "seq" and len(rows) >= 2
    own = AccessEvent.objects.filter(actor_id=world.privacy.pk).order_by("seq")
    assert [e.action for e in own] == ["search", "export"]
    assert all(e.person_ids == [str(world.person.pk)] for e in own)


def test_break_the_glass_is_an_item_of_the_review_queue_at_once(world: World) -> None:
    verified_client(world.outsider).post(
        "/api/v1/break-glass/",
        {
            "case_number": world.case.number,
            "reason": "Acute dreiging; betrokkene onvindbaar voor de wijkagent.",
        },
        content_type="application/json",
    )
    client = verified_client(world.privacy)
    uses = client.get("/api/v1/break-glass-reviews/").json()["results"]
    assert [(u["case"], u["user"], u["review_status"]) for u in uses] == [
        (world.case.number, "buiten", "open")
    ]
    queue = client.get("/api/v1/audit/reviews/?status=open").json()["results"]
    assert [(i["rule"], i["actor_username"], i["id"]) for i in queue] == [
        ("break_glass", "buiten", uses[0]["review"])
    ]
    url = f"/api/v1/audit/reviews/{queue[0]['id']}/"
    refused = client.patch(url, {"status": "gegrond"}, content_type="application/json")
    assert refused.status_code == 400  # closing needs findings
    assert refused.json()["error"]["fields"]["findings"]
    done = client.patch(
        url,
        {"status": "ongegrond", "findings": "Terecht: acute crisis, gemeld aan de wijkagent."},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "ongegrond"
    # The break-the-glass list shows the outcome; others do not see the queue at all.
    assert client.get("/api/v1/break-glass-reviews/").json()["results"][0]["review_status"] == (
        "ongegrond"
    )
    for user in (world.politie, world.outsider, world.regisseur):
        assert verified_client(user).get(url).status_code == 404
        assert (
            verified_client(user).patch(url, {}, content_type="application/json").status_code == 404
        )


def test_events_export_in_the_shape_of_logboek_dataverwerkingen(world: World) -> None:
    response = verified_client(world.politie).get(f"/api/v1/cases/{world.case.pk}/")
    body = (
        verified_client(world.privacy)
        .get(f"/api/v1/audit/events/logboek/?person={world.person.pk}")
        .json()
    )
    mine = [r for r in body["records"] if r["trace_id"] == response["X-Request-ID"]]
    assert len(mine) == 1
    record = mine[0]
    assert record["name"] == "view caseroom.case"
    assert record["status_code"] == "STATUS_CODE_OK"
    subject = record["attributes"]["dpl.core.data_subject_id"]
    assert len(subject) == 32 and str(world.person.pk) not in str(body)
    # The same person always gets the same pseudonym.
    again = (
        verified_client(world.privacy)
        .get(f"/api/v1/audit/events/logboek/?person={world.person.pk}")
        .json()
    )
    assert {r["attributes"]["dpl.core.data_subject_id"] for r in again["records"]} == {subject}
