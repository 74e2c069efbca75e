"""The casusoverleg pages: one agenda, a page and a PDF per partner with the same selection,
minutes that lose nothing in a conflict, the confidentiality statement, and the partners'
own actions. Personas: the invited participant, the organisation not invited, the outsider."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AccessEvent
from caseroom import services
from caseroom.models import Action, ActionEvent, Meeting, MeetingType, Minutes, MinutesVersion
from partners.models import User
from partners.roles import Role
from persons.services import person_create
from tests.caseroom.conftest import World, open_case
from tests.conftest import verified_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEXTS = {
    "politie": "Drie meldingen overlast.",
    "justitie": "Veroordeeld voor mishandeling.",
    "zorg": "Geen behandelbare stoornis vastgesteld.",
    "wonen": "Huurachterstand van vier maanden.",
}


@pytest.fixture
def meeting(world: World) -> Meeting:
    (meeting,) = services.meeting_create(
        house=world.house,
        meeting_type=MeetingType.objects.get(code="casusoverleg"),
        starts_at=timezone.now() + timedelta(days=7),
        location="Stadhuis, kamer 3",
        by=world.regisseur,
    )
    services.agenda_item_add(
        meeting=meeting, case=world.case, question="Wie neemt regie?", by=world.regisseur
    )
    for user in (world.politie, world.ggz, world.woning):
        services.attendee_invite(
            meeting=meeting, organisation=user.organisation, by=world.regisseur
        )
    return meeting


def url(name: str, *args: Any) -> str:
    return reverse(f"caseroom:{name}", args=args)


def item_id(meeting: Meeting) -> str:
    return str(meeting.agenda_items.get().pk)


def events_during(action: Callable[[], Any]) -> tuple[Any, list[AccessEvent]]:
    before = set(AccessEvent.objects.values_list("pk", flat=True))
    result = action()
    return result, list(AccessEvent.objects.exclude(pk__in=before))


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def shown(text: str) -> dict[str, bool]:
    return {category: value in text for category, value in TEXTS.items()}


# --- who sees the meeting -------------------------------------------------------------------


def test_invited_participant_sees_the_meeting_others_get_404(
    world: World, meeting: Meeting
) -> None:
    assert verified_client(world.politie).get(url("meeting_detail", meeting.pk)).status_code == 200
    # Veilig Thuis takes part in the case but is not invited to this meeting.
    assert (
        verified_client(world.veilig_thuis).get(url("meeting_detail", meeting.pk)).status_code
        == 404
    )
    assert verified_client(world.outsider).get(url("meeting_detail", meeting.pk)).status_code == 404
    assert verified_client(world.outsider).get(url("meeting_pdf", meeting.pk)).status_code == 404


def test_partners_cannot_prepare_the_meeting(world: World, meeting: Meeting) -> None:
    client = verified_client(world.politie)
    assert client.get(url("meeting_prepare", meeting.pk)).status_code == 404
    response = client.post(
        url("minutes_save", meeting.pk, item_id(meeting)),
        {f"verslag-{item_id(meeting)}-text": "Iets", f"verslag-{item_id(meeting)}-version": 0},
    )
    assert response.status_code == 404
    assert not Minutes.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("politie", {"politie", "justitie"}),
        ("ggz", {"zorg"}),
        ("woning", {"wonen"}),
    ],
)
def test_page_and_pdf_carry_the_same_selection_per_partner(
    world: World, meeting: Meeting, persona: str, expected: set[str]
) -> None:
    client = verified_client(getattr(world, persona))
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    response = client.get(url("meeting_pdf", meeting.pk))
    assert response["Content-Type"] == "application/pdf"
    filename = f"agenda-{timezone.localtime(meeting.starts_at):%Y-%m-%d}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    printed = pdf_text(response.content)
    want = {category: category in expected for category in TEXTS}
    assert shown(page) == want
    assert shown(printed) == want
    # Every partner here may see the basis category: the person appears on both.
    assert "Farid Haidari" in page and "Farid Haidari" in printed
    assert world.case.number in printed and "Wie neemt regie?" in printed


def test_the_regisseur_sees_everything_and_the_minutes_form(world: World, meeting: Meeting) -> None:
    page = verified_client(world.regisseur).get(url("meeting_detail", meeting.pk)).content.decode()
    assert all(shown(page).values())
    assert "Verslag opslaan" in page


def test_user_text_is_escaped_on_the_page(world: World, meeting: Meeting) -> None:
    services.contribution_add(
        case=world.case,
        by=world.woning,
        category=services.categories_by_code(["wonen"])[0],
        text="<script>alert(1)</script>",
    )
    page = verified_client(world.woning).get(url("meeting_detail", meeting.pk)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_each_page_view_and_print_writes_one_access_event(world: World, meeting: Meeting) -> None:
    client = verified_client(world.politie)
    _, events = events_during(lambda: client.get(url("meeting_detail", meeting.pk)))
    assert [(e.action, e.object_type) for e in events] == [("view", "caseroom.meeting")]
    assert str(world.person.pk) in events[0].person_ids
    _, events = events_during(lambda: client.get(url("meeting_pdf", meeting.pk)))
    assert [(e.action, e.object_type) for e in events] == [("print", "caseroom.meeting")]
    assert str(world.person.pk) in events[0].person_ids


def test_the_meeting_page_runs_a_constant_number_of_queries(world: World, meeting: Meeting) -> None:
    def count(user: User) -> int:
        client = verified_client(user)
        client.get(url("meeting_detail", meeting.pk))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("meeting_detail", meeting.pk)).status_code == 200
        return len(ctx.captured_queries)

    one = {user.username: count(user) for user in (world.politie, world.regisseur)}
    for i in range(3):
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
        services.action_create(
            case=case,
            by=world.regisseur,
            description=f"Gesprek {i}",
            owner_organisation=world.politie.organisation,
            due_date=timezone.localdate() + timedelta(days=7),
        )
    assert meeting.agenda_items.count() == 4
    four = {user.username: count(user) for user in (world.politie, world.regisseur)}
    assert four == one


# --- confidentiality ------------------------------------------------------------------------


def test_ad_hoc_attendee_sees_only_the_statement_until_signing(
    world: World, meeting: Meeting
) -> None:
    services.attendee_invite(
        meeting=meeting,
        organisation=world.veilig_thuis.organisation,
        ad_hoc=True,
        by=world.regisseur,
    )
    client = verified_client(world.veilig_thuis)
    response, events = events_during(lambda: client.get(url("meeting_detail", meeting.pk)))
    page = response.content.decode()
    assert "Ik teken de geheimhoudingsverklaring" in page
    assert world.case.number not in page and "Farid" not in page and "Wie neemt regie" not in page
    assert events == []
    # The PDF is not a way around the statement.
    assert client.get(url("meeting_pdf", meeting.pk)).status_code == 302
    signed = client.post(url("meeting_sign", meeting.pk))
    assert signed.status_code == 302
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert world.case.number in page and "Ik teken de geheimhoudingsverklaring" not in page


# --- minutes --------------------------------------------------------------------------------


def minutes_post(user: User, meeting: Meeting, text: str, version: int, **extra: str) -> Any:
    prefix = f"verslag-{item_id(meeting)}"
    data = {f"{prefix}-text": text, f"{prefix}-decisions": "", f"{prefix}-version": version}
    data.update({f"{prefix}-{key}": value for key, value in extra.items()})
    return verified_client(user).post(url("minutes_save", meeting.pk, item_id(meeting)), data)


def test_a_conflicting_save_shows_the_conflict_and_keeps_both_texts(
    world: World, meeting: Meeting
) -> None:
    second = UserFactory(
        username="regisseur2",
        organisation=world.regisseur.organisation,
        roles=[Role.PROCESREGISSEUR],
    )
    assert minutes_post(world.regisseur, meeting, "Eerste opzet.", 0).status_code == 302
    assert minutes_post(world.regisseur, meeting, "Versie van Petra.", 1).status_code == 302
    response = minutes_post(second, meeting, "Versie van de collega.", 1)
    assert response.status_code == 200
    page = response.content.decode()
    assert "het verslag is intussen door iemand anders gewijzigd" in page
    assert "Versie van Petra." in page  # the text that was saved
    assert "Versie van de collega.</textarea>" in page  # the user's own text, still in the form
    assert f'name="verslag-{item_id(meeting)}-version" value="2"' in page
    assert Minutes.objects.get().text == "Versie van Petra."
    conflicted = MinutesVersion.objects.get(conflicted=True)
    assert conflicted.text == "Versie van de collega."
    # Saving again from the conflict form (now against version 2) succeeds.
    assert minutes_post(second, meeting, "Samengevoegd.", 2).status_code == 302
    assert Minutes.objects.get().text == "Samengevoegd."


def test_approved_minutes_cannot_be_edited_through_the_page(world: World, meeting: Meeting) -> None:
    minutes_post(world.regisseur, meeting, "Besproken.", 0)
    client = verified_client(world.regisseur)
    client.post(url("minutes_approve", meeting.pk, item_id(meeting)))
    assert Minutes.objects.get().status == Minutes.Status.APPROVED
    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert "Reden van de wijziging" in page and "Verslag vaststellen" not in page
    refused = minutes_post(world.regisseur, meeting, "Stiekem aangepast.", 1)
    assert refused.status_code == 200
    assert "Dit veld is vereist." in refused.content.decode()
    assert Minutes.objects.get().text == "Besproken."
    amended = minutes_post(
        world.regisseur, meeting, "Correctie.", 1, reason="Datum verkeerd genoteerd."
    )
    assert amended.status_code == 302
    minutes = Minutes.objects.get()
    assert (minutes.text, minutes.version, minutes.status) == ("Correctie.", 2, "vastgesteld")


def test_an_action_from_a_decision_is_for_a_participant(world: World, meeting: Meeting) -> None:
    prefix = f"afspraak-{item_id(meeting)}"
    client = verified_client(world.regisseur)
    target = url("action_create", meeting.pk, item_id(meeting))
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    refused = client.post(
        target,
        {
            f"{prefix}-description": "Huisbezoek.",
            f"{prefix}-owner_organisation": world.outsider.organisation_id,
            f"{prefix}-due_date": due,
        },
    )
    assert refused.status_code == 200 and not Action.objects.exists()
    created = client.post(
        target,
        {
            f"{prefix}-description": "Huisbezoek.",
            f"{prefix}-owner_organisation": world.woning.organisation_id,
            f"{prefix}-due_date": due,
        },
    )
    assert created.status_code == 302
    action = Action.objects.get()
    assert action.owner_organisation == world.woning.organisation
    assert str(action.agenda_item_id) == item_id(meeting)


# --- planning and preparation ---------------------------------------------------------------


def test_the_regisseur_plans_a_series_and_prepares_it(world: World) -> None:
    client = verified_client(world.regisseur)
    response = client.post(
        url("meeting_create"),
        {
            "meeting_type": MeetingType.objects.get(code="justitieel-casusoverleg").pk,
            "starts_at": "2027-01-05T10:00",
            "location": "Stadhuis",
            "repeat_every_days": 14,
            "repeat_count": 3,
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.order_by("starts_at").first()
    assert meeting is not None and Meeting.objects.count() == 3
    added = client.post(
        url("agenda_item_add", meeting.pk),
        {"agenda-case": world.case.pk, "agenda-question": "Regie?"},
    )
    assert added.status_code == 302 and meeting.agenda_items.count() == 1
    refused = client.post(
        url("attendee_invite", meeting.pk),
        {"uitnodiging-organisation": world.woning.organisation_id},
    )
    assert refused.status_code == 200
    assert (
        "kan niet worden uitgenodigd voor een justitieel casusoverleg" in refused.content.decode()
    )
    invited = client.post(
        url("attendee_invite", meeting.pk),
        {"uitnodiging-organisation": world.politie.organisation_id},
    )
    assert invited.status_code == 302
    attendee = meeting.attendees.get()
    client.post(url("attendee_present", meeting.pk, attendee.pk), {"present": "on"})
    attendee.refresh_from_db()
    assert attendee.present
    assert verified_client(world.politie).post(url("meeting_create"), {}).status_code == 404


def test_my_week_lists_overdue_actions_and_cases_without_lead(world: World) -> None:
    action = services.action_create(
        case=world.case,
        by=world.regisseur,
        description="Huisbezoek met twee medewerkers.",
        owner_organisation=world.woning.organisation,
        due_date=timezone.localdate() + timedelta(days=1),
    )
    Action.objects.filter(pk=action.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    response, events = events_during(lambda: verified_client(world.regisseur).get(url("week")))
    page = response.content.decode()
    assert "Huisbezoek met twee medewerkers." in page
    assert world.other_case.number in page  # no lead organisation yet
    assert "Haidari" not in page
    # No names on the page, but the overdue action's text is about the case's persons.
    assert [e.person_ids for e in events] == [[str(world.person.pk)]]
    assert verified_client(world.politie).get(url("week")).status_code == 404


# --- my actions -----------------------------------------------------------------------------


def test_the_owner_completes_its_action_and_another_organisation_cannot(world: World) -> None:
    action = services.action_create(
        case=world.case,
        by=world.regisseur,
        description="Huurschuld bespreken.",
        owner_organisation=world.woning.organisation,
        due_date=timezone.localdate() + timedelta(days=7),
    )
    prefix = f"status-{action.pk}"
    target = url("action_status", action.pk)
    assert (
        "Huurschuld bespreken."
        in verified_client(world.woning).get(url("my_actions")).content.decode()
    )
    assert (
        "Huurschuld bespreken."
        not in verified_client(world.politie).get(url("my_actions")).content.decode()
    )
    other = verified_client(world.politie).post(target, {f"{prefix}-status": "afgerond"})
    assert other.status_code == 302
    assert (
        verified_client(world.outsider).post(target, {f"{prefix}-status": "afgerond"}).status_code
        == 404
    )
    action.refresh_from_db()
    assert action.status == Action.Status.OPEN
    owner = verified_client(world.woning)
    no_reason = owner.post(target, {f"{prefix}-status": "geweigerd"})
    assert (
        no_reason.status_code == 200
        and "Geef de reden van weigering." in no_reason.content.decode()
    )
    done = owner.post(
        target, {f"{prefix}-status": "afgerond", f"{prefix}-note": "Gesprek gevoerd."}
    )
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    assert [e.new_status for e in ActionEvent.objects.filter(action=action)] == ["open", "afgerond"]
    page = owner.get(url("my_actions")).content.decode()
    assert "Afgesloten afspraken" in page and "open → afgerond" in page
