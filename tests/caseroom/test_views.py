"""The case room pages, with the three personas: the participant who may, the partner who
is not in the case, the outsider. Pages answer 404 for what is not yours, show only the
categories one may see, escape what partners typed, and log every view of personal data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessEvent
from caseroom import services
from caseroom.models import Attachment, Case, Contribution, Referral
from caseroom.uploads import CheckedFile
from partners.models import User
from persons.models import Person
from tests.caseroom.conftest import World, make_org, make_user, open_case
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

# A whole 1x1 PNG: an upload that is cut off or damaged is refused.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00"
    b":~\x9bU\x00\x00\x00\nIDATx\xdac`\x00\x00\x00\x02\x00\x01\xe5'\xde\xfc"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def stranger(world: World) -> User:
    """Partner staff at an organisation that takes part in no case at all."""
    return make_user("vreemde", make_org("Reclassering Zuid", "reclassering"))


def case_url(world: World, name: str = "caseroom:case_detail") -> str:
    return reverse(name, args=[world.case.pk])


def events_during(action: Callable[[], Any]) -> tuple[Any, list[AccessEvent]]:
    before = set(AccessEvent.objects.values_list("pk", flat=True))
    result = action()
    return result, list(AccessEvent.objects.exclude(pk__in=before))


def submitted_referral(world: World) -> Referral:
    person = Person.objects.create(surname="Jansen")
    return services.referral_submit(
        by=world.politie,
        house=world.house,
        persons=[person],
        reason="Zorgen over overlast en schulden.",
        goal="Een gezamenlijke aanpak.",
        person_informed=True,
    )


def contribution_texts() -> set[str]:
    # The text is encrypted: it cannot be searched in SQL.
    return {c.text for c in Contribution.objects.all()}


def referral_post(**overrides: str) -> dict[str, str]:
    data = {
        "personen-TOTAL_FORMS": "2",
        "personen-INITIAL_FORMS": "0",
        "personen-MIN_NUM_FORMS": "1",
        "personen-MAX_NUM_FORMS": "10",
        "personen-0-surname": "Pietersen",
        "personen-0-given_names": "Anna",
        "personen-0-bsn": "",
        "personen-0-birth_date": "1990-04-01",
        "reason": "Overlast in de wijk en zorgen over de kinderen.",
        "goal": "Rust in de wijk.",
        "person_informed": "ja",
    }
    return {**data, **overrides}


# --- case list ------------------------------------------------------------------------------


def test_participant_sees_the_case_in_the_list_with_persons(world: World) -> None:
    response = verified_client(world.politie).get(reverse("caseroom:case_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert world.case.number in page
    assert world.other_case.number not in page
    assert "Farid Haidari" in page
    assert "Geen regiehouder" in page


def test_partner_not_in_the_case_does_not_find_it_in_the_list(world: World) -> None:
    page = verified_client(world.outsider).get(reverse("caseroom:case_list")).content.decode()
    assert world.other_case.number in page
    assert world.case.number not in page
    assert "Haidari" not in page


def test_outsider_gets_404_on_the_case_list(world: World) -> None:
    assert verified_client(world.privacy).get(reverse("caseroom:case_list")).status_code == 404


def test_case_list_view_writes_one_list_event_with_the_persons_shown(world: World) -> None:
    client = verified_client(world.politie)
    _, events = events_during(lambda: client.get(reverse("caseroom:case_list")))
    assert len(events) == 1
    assert events[0].action == AccessEvent.Action.LIST
    assert events[0].person_ids == [str(world.person.pk)]


def test_case_list_runs_the_same_number_of_queries_for_one_or_many_cases(world: World) -> None:
    client = verified_client(world.politie)
    url = reverse("caseroom:case_list")
    client.get(url)  # warm up session and caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = count()
    for n in range(3):
        person = Person.objects.create(surname=f"Extra {n}")
        open_case(
            house=world.house, regisseur=world.regisseur, referrer=world.politie, persons=[person]
        )
    assert Case.objects.count() >= 5
    assert count() == one


# --- case page ------------------------------------------------------------------------------


def test_participant_opens_the_case_page(world: World) -> None:
    response = verified_client(world.politie).get(case_url(world))
    assert response.status_code == 200
    page = response.content.decode()
    assert world.case.number in page
    assert "Bedreigt hulpverleners" in page  # staff-safety warning
    assert "Kanaalweg 12" in page


@pytest.mark.parametrize("persona", ["outsider", "stranger", "privacy"])
def test_others_get_404_on_the_case_page(world: World, stranger: User, persona: str) -> None:
    user = stranger if persona == "stranger" else getattr(world, persona)
    assert verified_client(user).get(case_url(world)).status_code == 404


def test_politie_sees_its_own_category_but_not_health_information(world: World) -> None:
    page = verified_client(world.politie).get(case_url(world)).content.decode()
    assert "Drie meldingen overlast." in page
    assert "Veroordeeld voor mishandeling." in page
    assert "Geen behandelbare stoornis vastgesteld." not in page
    assert "Huurachterstand" not in page


def test_secret_address_shows_only_to_the_organisations_it_names(world: World) -> None:
    woning = verified_client(world.woning).get(case_url(world)).content.decode()
    veilig_thuis = verified_client(world.veilig_thuis).get(case_url(world)).content.decode()
    assert "Kanaalweg 12" in woning
    assert "Geheimstraat" not in woning
    assert "Geheimstraat 1" in veilig_thuis


def test_contribution_text_is_escaped(world: World) -> None:
    services.contribution_add(
        case=world.case,
        by=world.politie,
        category=services.categories_by_code(["politie"])[0],
        text="<script>alert(1)</script>",
    )
    page = verified_client(world.politie).get(case_url(world)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_case_page_view_writes_one_view_event_with_the_persons_shown(world: World) -> None:
    client = verified_client(world.politie)
    _, events = events_during(lambda: client.get(case_url(world)))
    assert len(events) == 1
    assert events[0].action == AccessEvent.Action.VIEW
    assert events[0].object_id == str(world.case.pk)
    assert str(world.person.pk) in events[0].person_ids


def timeline(user: User, world: World) -> str:
    page = verified_client(user).get(case_url(world)).content.decode()
    return page[page.index('id="tijdlijn"') :]


def test_timeline_shows_labels_and_hides_events_of_unseen_categories(world: World) -> None:
    woning = timeline(world.woning, world)
    assert "Casus geopend" in woning
    # Only its own contribution (wonen); those in politie, justitie and zorg stay hidden.
    assert woning.count("Informatie ingebracht") == 1
    assert "Wonen" in woning
    assert timeline(world.regisseur, world).count("Informatie ingebracht") == 4


def test_partner_adds_a_contribution_with_an_attachment(world: World) -> None:
    client = verified_client(world.politie)
    response = client.post(
        case_url(world, "caseroom:contribution_add"),
        {
            "inbreng-category": "politie",
            "inbreng-person": str(world.person.pk),
            "inbreng-text": "Nieuwe melding.",
            "inbreng-attachments": SimpleUploadedFile("foto.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    contribution = Contribution.objects.order_by("-created_at").first()
    assert contribution is not None
    assert contribution.text == "Nieuwe melding."
    assert contribution.attachments.get().filename == "foto.png"
    page = client.get(response["Location"]).content.decode()
    assert "Nieuwe melding." in page
    assert "Uw inbreng is toegevoegd." in page


def test_upload_that_lies_about_its_type_is_refused_and_nothing_is_stored(world: World) -> None:
    contributions, attachments = Contribution.objects.count(), Attachment.objects.count()
    response = verified_client(world.politie).post(
        case_url(world, "caseroom:contribution_add"),
        {
            "inbreng-category": "politie",
            "inbreng-text": "Met een vervalste bijlage.",
            "inbreng-attachments": SimpleUploadedFile("x.pdf", PNG, content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    assert "x.pdf: de inhoud past niet bij de naam of het opgegeven bestandstype." in (
        response.content.decode()
    )
    assert Contribution.objects.count() == contributions
    assert Attachment.objects.count() == attachments


def test_contribution_in_a_category_not_granted_is_refused(world: World) -> None:
    response = verified_client(world.politie).post(
        case_url(world, "caseroom:contribution_add"),
        {"inbreng-category": "zorg", "inbreng-text": "Diagnose."},
    )
    assert response.status_code == 200
    assert "Diagnose." not in contribution_texts()


def test_outsider_cannot_post_a_contribution(world: World) -> None:
    response = verified_client(world.outsider).post(
        case_url(world, "caseroom:contribution_add"),
        {"inbreng-category": "basis", "inbreng-text": "Ingebroken."},
    )
    assert response.status_code == 404
    assert "Ingebroken." not in contribution_texts()


# --- attachments ----------------------------------------------------------------------------


@pytest.fixture
def attachment(world: World) -> Attachment:
    contribution = services.contribution_add(
        case=world.case,
        by=world.politie,
        category=services.categories_by_code(["politie"])[0],
        text="Proces-verbaal als bijlage.",
        person=world.person,
        files=[
            CheckedFile(
                filename="pv Haidari.pdf", content_type="application/pdf", data=b"%PDF-1.4 x"
            )
        ],
    )
    return contribution.attachments.get()


def attachment_url(world: World, attachment: Attachment) -> str:
    return reverse(
        "caseroom:attachment_download",
        args=[world.case.pk, attachment.contribution_id, attachment.pk],
    )


def test_participant_downloads_an_attachment_and_the_export_is_logged(
    world: World, attachment: Attachment
) -> None:
    client = verified_client(world.politie)
    response, events = events_during(lambda: client.get(attachment_url(world, attachment)))
    assert response.status_code == 200
    assert response.content == b"%PDF-1.4 x"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Haidari" not in response["Content-Disposition"]
    assert [(e.action, e.person_ids) for e in events] == [
        (AccessEvent.Action.EXPORT, [str(world.person.pk)])
    ]


@pytest.mark.parametrize("persona", ["ggz", "outsider"])
def test_others_get_404_on_an_attachment(
    world: World, attachment: Attachment, persona: str
) -> None:
    # ggz takes part in the case but may not see the politie category.
    user = getattr(world, persona)
    assert verified_client(user).get(attachment_url(world, attachment)).status_code == 404


# --- managing the case ----------------------------------------------------------------------


def test_procesregisseur_sees_the_management_forms_and_a_partner_does_not(world: World) -> None:
    regisseur = verified_client(world.regisseur).get(case_url(world)).content.decode()
    politie = verified_client(world.politie).get(case_url(world)).content.decode()
    assert "Deelnemer toevoegen" in regisseur
    assert "Status opslaan" in regisseur
    assert "Deelnemer toevoegen" not in politie
    assert "Status opslaan" not in politie
    assert "Mijn organisatie terugtrekken" in politie


def test_procesregisseur_adds_a_participant_and_sets_the_lead(world: World, stranger: User) -> None:
    client = verified_client(world.regisseur)
    response = client.post(
        case_url(world, "caseroom:participant_add"),
        {"deelnemer-organisation": stranger.organisation_id, "deelnemer-categories": ["basis"]},
    )
    assert response.status_code == 302
    assert verified_client(stranger).get(case_url(world)).status_code == 200
    response = client.post(
        case_url(world, "caseroom:case_lead"), {"regie-lead_organisation": stranger.organisation_id}
    )
    assert response.status_code == 302
    world.case.refresh_from_db()
    assert world.case.lead_organisation_id == stranger.organisation_id


def test_closing_a_case_without_a_reason_shows_the_error(world: World) -> None:
    response = verified_client(world.regisseur).post(
        case_url(world, "caseroom:case_status"), {"status-status": "afgesloten"}
    )
    assert response.status_code == 200
    assert "Kies een reden van afsluiting." in response.content.decode()
    world.case.refresh_from_db()
    assert world.case.status != Case.Status.CLOSED


def test_partner_cannot_change_the_status(world: World) -> None:
    response = verified_client(world.politie).post(
        case_url(world, "caseroom:case_status"),
        {"status-status": "afgesloten", "status-closure_reason": "doel_bereikt"},
    )
    assert response.status_code == 403  # a Dutch page saying why; nothing changed
    assert "procesregisseur" in response.content.decode()
    world.case.refresh_from_db()
    assert world.case.status != Case.Status.CLOSED


def test_participant_withdraws_its_own_organisation_and_loses_access(world: World) -> None:
    participation = world.participations["woning"]
    url = reverse("caseroom:participant_withdraw", args=[world.case.pk, participation.pk])
    client = verified_client(world.woning)
    assert client.post(url, {f"terug-{participation.pk}-reason": ""}).status_code == 200
    response = client.post(url, {f"terug-{participation.pk}-reason": "Huurcontract beëindigd."})
    assert response.status_code == 302
    assert response["Location"] == reverse("caseroom:case_list")
    assert client.get(case_url(world)).status_code == 404
    regisseur = verified_client(world.regisseur).get(case_url(world)).content.decode()
    assert "teruggetrokken op" in regisseur


def test_partner_cannot_withdraw_another_organisation(world: World) -> None:
    participation = world.participations["ggz"]
    url = reverse("caseroom:participant_withdraw", args=[world.case.pk, participation.pk])
    response = verified_client(world.politie).post(
        url, {f"terug-{participation.pk}-reason": "Weg ermee."}
    )
    # Politie sees the participation on the case page, so this is a refusal, as in the API.
    assert response.status_code == 403
    assert "procesregisseur" in response.content.decode()
    participation.refresh_from_db()
    assert participation.withdrawn_at is None
    assert participation.withdrawal_reason == ""


# --- intake ---------------------------------------------------------------------------------


def test_partner_submits_a_referral_and_sees_its_status(world: World) -> None:
    client = verified_client(world.politie)
    assert client.get(reverse("caseroom:referral_create")).status_code == 200
    response = client.post(
        reverse("caseroom:referral_create"), referral_post(house=str(world.house.pk))
    )
    assert response.status_code == 302
    referral = Referral.objects.get(
        referring_organisation=world.politie.organisation, status="ingediend"
    )
    assert response["Location"] == reverse("caseroom:referral_detail", args=[referral.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Uw aanmelding is ingediend." in page
    assert "Ingediend" in page
    # The referral may have linked an existing person: the referrer sees no stored record
    # until its organisation takes part in the case; the house sees them.
    assert "Anna Pietersen" not in page
    assert "zichtbaar zodra zij aan de casus deelneemt" in page
    house_view = verified_client(world.regisseur).get(response["Location"]).content.decode()
    assert "Anna Pietersen" in house_view


def test_referral_with_an_invalid_bsn_shows_the_elfproef_message_and_stores_nothing(
    world: World,
) -> None:
    referrals, persons = Referral.objects.count(), Person.objects.count()
    response = verified_client(world.politie).post(
        reverse("caseroom:referral_create"),
        referral_post(house=str(world.house.pk), **{"personen-0-bsn": "123456788"}),
    )
    assert response.status_code == 200
    assert "Dit is geen geldig BSN: het voldoet niet aan de elfproef." in response.content.decode()
    assert Referral.objects.count() == referrals
    assert Person.objects.count() == persons


def test_referral_not_informed_needs_a_reason(world: World) -> None:
    response = verified_client(world.politie).post(
        reverse("caseroom:referral_create"),
        referral_post(house=str(world.house.pk), person_informed="nee"),
    )
    assert response.status_code == 200
    assert "Leg uit waarom de betrokkene niet is geïnformeerd." in response.content.decode()


def test_outsider_role_gets_404_on_the_referral_form(world: World) -> None:
    assert (
        verified_client(world.privacy).get(reverse("caseroom:referral_create")).status_code == 404
    )


def test_referral_page_for_referrer_and_house_only(world: World) -> None:
    referral = submitted_referral(world)
    url = reverse("caseroom:referral_detail", args=[referral.pk])
    client = verified_client(world.politie)
    response, events = events_during(lambda: client.get(url))
    assert response.status_code == 200
    assert [e.action for e in events] == [AccessEvent.Action.VIEW]
    assert verified_client(world.regisseur).get(url).status_code == 200
    assert verified_client(world.ggz).get(url).status_code == 404
    assert verified_client(world.outsider).get(url).status_code == 404


def test_referrer_sees_the_decision_note_in_its_referral_list(world: World) -> None:
    referral = submitted_referral(world)
    services.referral_triage(
        referral=referral,
        by=world.regisseur,
        decision=Referral.Status.ADVICE,
        criteria={},
        note="Neem contact op met het wijkteam.",
    )
    client = verified_client(world.politie)
    response, events = events_during(lambda: client.get(reverse("caseroom:referral_list")))
    page = response.content.decode()
    assert "Neem contact op met het wijkteam." in page
    assert "Advies gegeven" in page
    assert len(events) == 1
    other = verified_client(world.ggz).get(reverse("caseroom:referral_list")).content.decode()
    assert "Neem contact op met het wijkteam." not in other


# --- triage ---------------------------------------------------------------------------------


def test_triage_queue_for_the_procesregisseur_only(world: World) -> None:
    referral = submitted_referral(world)
    url = reverse("caseroom:triage_queue")
    client = verified_client(world.regisseur)
    response, events = events_during(lambda: client.get(url))
    assert response.status_code == 200
    assert reverse("caseroom:triage", args=[referral.pk]) in response.content.decode()
    assert "Jansen" in response.content.decode()
    assert len(events) == 1
    assert verified_client(world.politie).get(url).status_code == 404
    assert verified_client(world.outsider).get(url).status_code == 404


def test_triage_page_for_the_procesregisseur_only(world: World) -> None:
    referral = submitted_referral(world)
    url = reverse("caseroom:triage", args=[referral.pk])
    response, events = events_during(lambda: verified_client(world.regisseur).get(url))
    assert response.status_code == 200
    assert "Zorgen over overlast en schulden." in response.content.decode()
    assert len(events) == 1
    # The referrer may see its referral, but not triage it.
    assert verified_client(world.politie).get(url).status_code == 404
    assert verified_client(world.outsider).get(url).status_code == 404


def test_accepting_on_the_triage_page_opens_the_case_and_goes_there(world: World) -> None:
    referral = submitted_referral(world)
    response = verified_client(world.regisseur).post(
        reverse("caseroom:triage", args=[referral.pk]),
        {
            "criterion_safety": "on",
            "decision": Referral.Status.ACCEPTED,
            "target_group": "pga",
        },
    )
    case = Case.objects.get(referral=referral)
    assert response.status_code == 302
    assert response["Location"] == reverse("caseroom:case_detail", args=[case.pk])


def test_accepting_without_the_criteria_shows_the_service_error(world: World) -> None:
    referral = submitted_referral(world)
    response = verified_client(world.regisseur).post(
        reverse("caseroom:triage", args=[referral.pk]),
        {"criterion_domains": "on", "decision": Referral.Status.ACCEPTED, "target_group": "pga"},
    )
    assert response.status_code == 200
    assert "criterium 4" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED


# --- break the glass ------------------------------------------------------------------------


def test_break_the_glass_opens_the_case_with_a_warning(world: World) -> None:
    client = verified_client(world.outsider)
    assert client.get(case_url(world)).status_code == 404
    assert client.get(reverse("caseroom:break_glass")).status_code == 200
    response = client.post(
        reverse("caseroom:break_glass"),
        {
            "case_number": world.case.number.lower(),
            "reason": "Acute dreiging gemeld bij het wijkteam vanochtend.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == case_url(world)
    page = client.get(case_url(world)).content.decode()
    assert "Tijdelijke toegang via doorbraak." in page
    assert "wordt vastgelegd en beoordeeld" in page
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.BREAK_GLASS, actor_id=world.outsider.pk
    ).exists()


def test_break_the_glass_with_a_short_reason_or_unknown_number_is_refused(world: World) -> None:
    client = verified_client(world.outsider)
    short = client.post(
        reverse("caseroom:break_glass"), {"case_number": world.case.number, "reason": "nodig"}
    )
    assert "minstens 20 tekens" in short.content.decode()
    unknown = client.post(
        reverse("caseroom:break_glass"),
        {"case_number": "ZVH-1999-9999", "reason": "Acute dreiging gemeld bij het wijkteam."},
    )
    assert "Er is geen casus met dit nummer." in unknown.content.decode()
    assert client.get(case_url(world)).status_code == 404


def test_break_the_glass_page_is_not_there_for_roles_without_cases(world: World) -> None:
    assert verified_client(world.privacy).get(reverse("caseroom:break_glass")).status_code == 404


# --- the start page -------------------------------------------------------------------------


def test_start_page_links_to_the_case_pages(world: World) -> None:
    partner = verified_client(world.politie).get(reverse("partners:home")).content.decode()
    assert reverse("caseroom:case_list") in partner
    assert reverse("caseroom:referral_create") in partner
    regisseur = verified_client(world.regisseur).get(reverse("partners:home")).content.decode()
    assert reverse("caseroom:triage_queue") in regisseur


def test_posting_without_the_csrf_token_is_refused(world: World) -> None:
    client = verified_client(world.politie)
    page = client.get(case_url(world)).content.decode()
    assert "csrfmiddlewaretoken" in page
    client.handler.enforce_csrf_checks = True
    response = client.post(
        case_url(world, "caseroom:contribution_add"),
        {"inbreng-category": "politie", "inbreng-text": "Zonder token."},
    )
    assert response.status_code == 403
    assert "Zonder token." not in contribution_texts()


def test_the_case_page_runs_a_constant_number_of_queries_in_the_number_of_persons(
    world: World,
) -> None:
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from caseroom import services as case_services
    from persons.services import address_add, person_create

    def count() -> int:
        client = verified_client(world.regisseur)
        client.get(f"/casussen/{world.case.pk}/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/casussen/{world.case.pk}/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(5):
        person = person_create(surname=f"Gezinslid {i}", birth_date=datetime.date(2001, 3, 1 + i))
        address_add(person=person, street=f"Kanaalweg {i}", city="Rivierstad")
        case_services.case_add_person(
            case=world.case, person=person, role="gezinslid", by=world.regisseur
        )
    assert count() == before
