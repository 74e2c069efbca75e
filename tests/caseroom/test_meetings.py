"""The casusoverleg: one agenda, a view per partner, minutes with optimistic locking,
actions and the plan."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessEvent
from caseroom import services
from caseroom.models import Action, ActionEvent, Meeting, MeetingType, MinutesVersion
from caseroom.tasks import notify_meeting_invitation, notify_new_action, send_due_reminders
from partners.models import User
from partners.roles import Role
from persons.services import person_create
from tests.caseroom.conftest import World, open_case
from tests.conftest import verified_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def plan_meeting(world: World, code: str = "casusoverleg") -> Meeting:
    (meeting,) = services.meeting_create(
        house=world.house,
        meeting_type=MeetingType.objects.get(code=code),
        starts_at=timezone.now() + timedelta(days=7),
        location="Stadhuis, kamer 3",
        by=world.regisseur,
    )
    return meeting


@pytest.fixture
def meeting(world: World) -> Meeting:
    meeting = plan_meeting(world)
    services.agenda_item_add(
        meeting=meeting, case=world.case, question="Wie neemt regie?", by=world.regisseur
    )
    for user in (world.politie, world.ggz, world.woning):
        services.attendee_invite(
            meeting=meeting, organisation=user.organisation, by=world.regisseur
        )
    return meeting


def view(user: User, meeting: Meeting) -> dict[str, object]:
    response = verified_client(user).get(f"/api/v1/meetings/{meeting.pk}/view/")
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def categories(body: dict[str, object]) -> set[str]:
    return {c["category"] for item in body["items"] for c in item["contributions"]}  # type: ignore[index, union-attr]


def test_each_partner_sees_its_own_selection_of_one_agenda(world: World, meeting: Meeting) -> None:
    assert categories(view(world.politie, meeting)) == {"politie", "justitie"}
    assert categories(view(world.ggz, meeting)) == {"zorg"}
    woning = view(world.woning, meeting)
    assert categories(woning) == {"wonen"}
    assert [p["name"] for p in woning["items"][0]["persons"]] == ["Farid Haidari"]  # type: ignore[index]
    regisseur = categories(view(world.regisseur, meeting))
    assert {"politie", "justitie", "zorg", "wonen"} <= regisseur
    event = AccessEvent.objects.filter(object_type="caseroom.meeting").latest("pk")
    assert str(world.person.pk) in event.person_ids


def test_an_organisation_not_invited_sees_no_meeting(world: World, meeting: Meeting) -> None:
    assert (
        verified_client(world.outsider).get(f"/api/v1/meetings/{meeting.pk}/view/").status_code
        == 404
    )
    assert (
        verified_client(world.veilig_thuis).get(f"/api/v1/meetings/{meeting.pk}/").status_code
        == 404
    )


def test_the_agenda_view_runs_a_constant_number_of_queries(world: World, meeting: Meeting) -> None:
    def count() -> int:
        client = verified_client(world.politie)
        client.get(f"/api/v1/meetings/{meeting.pk}/view/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/meetings/{meeting.pk}/view/").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for i in range(4):
        person = person_create(surname=f"Agenda {i}", birth_date=datetime.date(1990, 2, 1 + i))
        case = open_case(
            house=world.house, regisseur=world.regisseur, referrer=world.politie, persons=[person]
        )
        services.participation_set_categories(
            participation=case.participations.get(organisation=world.politie.organisation),
            categories=services.categories_by_code(["basis", "politie"]),
            by=world.regisseur,
        )
        services.agenda_item_add(meeting=meeting, case=case, by=world.regisseur)
        services.contribution_add(
            case=case,
            by=world.politie,
            category=services.categories_by_code(["politie"])[0],
            text=f"Melding {i}",
        )
    assert len(view(world.politie, meeting)["items"]) == 5  # type: ignore[arg-type]
    assert count() == one


def test_a_justitieel_casusoverleg_admits_only_om_politie_and_the_jeugd_partner(
    world: World,
) -> None:
    meeting = plan_meeting(world, "justitieel-casusoverleg")
    response = verified_client(world.regisseur).post(
        f"/api/v1/meetings/{meeting.pk}/attendees/",
        {"organisation": world.woning.organisation_id},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "kind_not_allowed"
    ok = verified_client(world.regisseur).post(
        f"/api/v1/meetings/{meeting.pk}/attendees/",
        {"organisation": world.politie.organisation_id},
        content_type="application/json",
    )
    assert ok.status_code == 201


def test_an_ad_hoc_attendee_sees_nothing_before_signing(world: World, meeting: Meeting) -> None:
    services.attendee_invite(
        meeting=meeting,
        organisation=world.veilig_thuis.organisation,
        ad_hoc=True,
        by=world.regisseur,
    )
    client = verified_client(world.veilig_thuis)
    assert client.get(f"/api/v1/meetings/{meeting.pk}/view/").status_code == 403
    assert client.post(f"/api/v1/meetings/{meeting.pk}/sign/").status_code == 200
    assert client.get(f"/api/v1/meetings/{meeting.pk}/view/").status_code == 200


def test_a_meeting_series_every_two_weeks(world: World) -> None:
    response = verified_client(world.regisseur).post(
        "/api/v1/meetings/",
        {
            "meeting_type": "casusoverleg",
            "starts_at": "2027-01-05T10:00:00+01:00",
            "repeat_every_days": 14,
            "repeat_count": 4,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    days = [m["starts_at"][:10] for m in response.json()]
    assert days == ["2027-01-05", "2027-01-19", "2027-02-02", "2027-02-16"]
    assert len({m["series"] for m in response.json()}) == 1
    assert (
        verified_client(world.politie)
        .post(
            "/api/v1/meetings/",
            {"meeting_type": "casusoverleg", "starts_at": "2027-01-05T10:00:00+01:00"},
            content_type="application/json",
        )
        .status_code
        == 403
    )


# --- minutes --------------------------------------------------------------------------------


def put_minutes(user: User, item_id: str, text: str, version: int) -> object:
    return verified_client(user).put(
        f"/api/v1/minutes/{item_id}/",
        {"text": text, "decisions": "", "version": version},
        content_type="application/json",
    )


def test_a_stale_save_gets_a_conflict_and_both_texts_survive(
    world: World, meeting: Meeting
) -> None:
    second = UserFactory(
        username="regisseur2",
        organisation=world.regisseur.organisation,
        roles=[Role.PROCESREGISSEUR],
    )
    item_id = str(meeting.agenda_items.get().pk)
    assert put_minutes(world.regisseur, item_id, "Eerste opzet.", 0).json() == {
        "version": 1,
        "status": "concept",
    }  # type: ignore[attr-defined]
    # Both read version 1; the first saves, the second is stale.
    assert put_minutes(world.regisseur, item_id, "Versie van Petra.", 1).status_code == 200  # type: ignore[attr-defined]
    conflict = put_minutes(second, item_id, "Versie van de collega.", 1)
    assert conflict.status_code == 409  # type: ignore[attr-defined]
    body = conflict.json()["error"]  # type: ignore[attr-defined]
    assert body["code"] == "conflict" and body["current"]["text"] == "Versie van Petra."
    texts = {v.text for v in MinutesVersion.objects.filter(minutes__agenda_item_id=item_id)}
    assert {"Versie van Petra.", "Versie van de collega."} <= texts
    conflicted = [
        v.text
        for v in MinutesVersion.objects.filter(minutes__agenda_item_id=item_id, conflicted=True)
    ]
    assert conflicted == ["Versie van de collega."]


def test_approved_minutes_change_only_by_amendment_with_a_reason(
    world: World, meeting: Meeting
) -> None:
    item_id = str(meeting.agenda_items.get().pk)
    put_minutes(world.regisseur, item_id, "Besproken.", 0)
    client = verified_client(world.regisseur)
    assert client.post(f"/api/v1/minutes/{item_id}/approve/").json()["status"] == "vastgesteld"
    refused = put_minutes(world.regisseur, item_id, "Stiekem aangepast.", 1)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "approved"  # type: ignore[attr-defined]
    no_reason = client.post(
        f"/api/v1/minutes/{item_id}/amend/",
        {"text": "Correctie.", "version": 1},
        content_type="application/json",
    )
    assert no_reason.status_code == 400
    amended = client.post(
        f"/api/v1/minutes/{item_id}/amend/",
        {"text": "Correctie.", "version": 1, "reason": "Datum verkeerd genoteerd."},
        content_type="application/json",
    )
    assert amended.json() == {"version": 2, "status": "vastgesteld"}
    assert MinutesVersion.objects.filter(minutes__agenda_item_id=item_id).count() == 2


def test_partners_cannot_write_minutes(world: World, meeting: Meeting) -> None:
    item_id = str(meeting.agenda_items.get().pk)
    assert put_minutes(world.politie, item_id, "Iets", 0).status_code == 403  # type: ignore[attr-defined]
    assert put_minutes(world.outsider, item_id, "Iets", 0).status_code == 404  # type: ignore[attr-defined]


# --- actions, plan, mails -------------------------------------------------------------------


def make_action(world: World, user: User, days: int = 14) -> Action:
    return services.action_create(
        case=world.case,
        by=world.regisseur,
        description="Huisbezoek met twee medewerkers.",
        owner_organisation=user.organisation,
        due_date=timezone.localdate() + timedelta(days=days),
    )


def test_partners_update_their_own_actions_with_history(world: World) -> None:
    action = make_action(world, world.woning)
    url = f"/api/v1/actions/{action.pk}/status/"
    other = verified_client(world.politie).post(
        url, {"status": "afgerond"}, content_type="application/json"
    )
    assert other.status_code == 403
    refused = verified_client(world.woning).post(
        url, {"status": "geweigerd"}, content_type="application/json"
    )
    assert refused.status_code == 400  # a refusal needs a reason
    done = verified_client(world.woning).post(
        url,
        {"status": "geweigerd", "note": "Geen capaciteit.", "obstacle": "onmacht"},
        content_type="application/json",
    )
    assert done.json()["status"] == "geweigerd"
    assert [e.new_status for e in ActionEvent.objects.filter(action=action)] == [
        "open",
        "geweigerd",
    ]
    mine = verified_client(world.woning).get("/api/v1/actions/?mine=1").json()["results"]
    assert [a["id"] for a in mine] == [str(action.pk)]
    assert verified_client(world.outsider).get("/api/v1/actions/").json()["count"] == 0


def test_an_action_is_for_a_participating_organisation(world: World) -> None:
    with pytest.raises(services.ServiceError):
        make_action(world, world.outsider)


def test_goals_per_life_domain_and_agreement_of_each_partner(world: World) -> None:
    client = verified_client(world.regisseur)
    response = client.post(
        f"/api/v1/cases/{world.case.pk}/goals/",
        {"domain": "huisvesting", "description": "Ontruiming voorkomen."},
        content_type="application/json",
    )
    assert response.status_code == 201
    agreed = verified_client(world.woning).post(f"/api/v1/cases/{world.case.pk}/goals/agree/")
    assert agreed.status_code == 200
    assert (
        verified_client(world.outsider)
        .post(f"/api/v1/cases/{world.case.pk}/goals/agree/")
        .status_code
        == 404
    )


def test_mails_carry_no_personal_data_and_are_sent_once(
    world: World, meeting: Meeting, mailoutbox: list[object]
) -> None:
    for user in (world.woning, world.politie):
        user.email = f"{user.username}@partner.invalid"
        user.save()
    attendee = meeting.attendees.get(organisation=world.woning.organisation)
    assert notify_meeting_invitation(attendee.pk) == 1
    assert notify_meeting_invitation(attendee.pk) == 0
    action = make_action(world, world.woning, days=0)
    assert notify_new_action(str(action.pk)) == 1
    assert send_due_reminders() == 1
    assert send_due_reminders() == 0
    assert len(mailoutbox) == 3
    secrets = ["Haidari", "Farid", "111222333", "Huisbezoek", "Wie neemt regie", "Kanaalweg"]
    for mail in mailoutbox:
        text = mail.subject + mail.body  # type: ignore[attr-defined]
        assert not any(secret in text for secret in secrets), text
    assert world.case.number in mailoutbox[1].subject  # type: ignore[attr-defined]


def test_the_procesregisseur_records_who_was_present(world: World, meeting: Meeting) -> None:
    attendee = meeting.attendees.get(organisation=world.politie.organisation)
    services.attendee_set_present(attendee=attendee, present=True, by=world.regisseur)
    attendee.refresh_from_db()
    assert attendee.present
    with pytest.raises(services.ServiceError):
        services.attendee_set_present(attendee=attendee, present=False, by=world.politie)


def test_the_plan_links_goals_to_the_actions_that_serve_them(world: World) -> None:
    goal = services.goal_add(
        case=world.case,
        domain=services.LifeDomain.objects.get(code="huisvesting"),
        description="Ontruiming voorkomen.",
        by=world.regisseur,
    )
    response = verified_client(world.regisseur).post(
        "/api/v1/actions/",
        {
            "case": world.case.pk,
            "description": "Betalingsregeling huur.",
            "owner_organisation": world.woning.organisation_id,
            "due_date": str(timezone.localdate() + timedelta(days=30)),
            "goal": str(goal.pk),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    plan = verified_client(world.woning).get(f"/api/v1/cases/{world.case.pk}/goals/").json()
    assert [(g["domain"], [a["description"] for a in g["actions"]]) for g in plan["goals"]] == [
        ("huisvesting", ["Betalingsregeling huur."])
    ]
    assert (
        verified_client(world.outsider).get(f"/api/v1/cases/{world.case.pk}/goals/").status_code
        == 404
    )


def test_partners_agree_to_the_plan_on_the_case_page(world: World) -> None:
    client = verified_client(world.regisseur)
    response = client.post(
        f"/casussen/{world.case.pk}/plan/doel/",
        {
            "doel-domain": services.LifeDomain.objects.get(code="veiligheid").pk,
            "doel-description": "Veilig thuis voor Layla.",
        },
    )
    assert response.status_code == 302
    page = verified_client(world.ggz).get(f"/casussen/{world.case.pk}/").content.decode()
    assert "Veilig thuis voor Layla." in page and "Instemmen namens GGZ Rivierenland" in page
    assert (
        verified_client(world.ggz).post(f"/casussen/{world.case.pk}/plan/akkoord/").status_code
        == 302
    )
    page = verified_client(world.ggz).get(f"/casussen/{world.case.pk}/").content.decode()
    assert "Instemmen namens" not in page and "GGZ Rivierenland" in page.split("Ingestemd:")[1]
    # A partner cannot add goals.
    verified_client(world.ggz).post(
        f"/casussen/{world.case.pk}/plan/doel/",
        {
            "doel-domain": services.LifeDomain.objects.get(code="veiligheid").pk,
            "doel-description": "Eigen doel",
        },
    )
    assert (
        "Eigen doel"
        not in verified_client(world.ggz).get(f"/casussen/{world.case.pk}/").content.decode()
    )


def test_minutes_show_only_to_those_who_may_see_their_category(
    world: World, meeting: Meeting
) -> None:
    item_id = str(meeting.agenda_items.get().pk)
    client = verified_client(world.regisseur)
    saved = client.put(
        f"/api/v1/minutes/{item_id}/",
        {"text": "Besproken: de diagnose.", "decisions": "", "version": 0, "category": "zorg"},
        content_type="application/json",
    )
    assert saved.status_code == 200
    assert view(world.ggz, meeting)["items"][0]["minutes"]["text"] == "Besproken: de diagnose."  # type: ignore[index]
    assert view(world.woning, meeting)["items"][0]["minutes"] is None  # type: ignore[index]
    assert view(world.politie, meeting)["items"][0]["minutes"] is None  # type: ignore[index]
    client.put(
        f"/api/v1/minutes/{item_id}/",
        {"text": "Algemeen verslag.", "decisions": "", "version": 1, "category": "basis"},
        content_type="application/json",
    )
    assert view(world.woning, meeting)["items"][0]["minutes"]["text"] == "Algemeen verslag."  # type: ignore[index]


def test_a_conflict_does_not_show_minutes_the_writer_may_not_see(
    world: World, meeting: Meeting
) -> None:
    item = meeting.agenda_items.get()
    services.minutes_save(
        agenda_item=item,
        by=world.regisseur,
        text="Vertrouwelijke zorgtekst.",
        decisions="",
        expected_version=0,
        category=services.categories_by_code(["zorg"])[0],
    )
    house = world.case.participations.get(organisation=world.house.organisation)
    services.participation_set_categories(
        participation=house, categories=services.categories_by_code(["basis"]), by=world.regisseur
    )
    response = verified_client(world.regisseur).put(
        f"/api/v1/minutes/{item.pk}/",
        {"text": "Nieuw", "decisions": "", "version": 0},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "zorgtekst" not in response.content.decode()
    assert response.json()["error"]["current"] == {"version": 1}
    refused = verified_client(world.regisseur).put(
        f"/api/v1/minutes/{item.pk}/",
        {"text": "Nieuw", "decisions": "", "version": 1, "category": "zorg"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "category_not_granted"
