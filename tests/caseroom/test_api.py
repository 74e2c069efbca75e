"""Referrals, triage, participants, contributions and persons through the API: bad input,
query counts, duplicate prevention and hit/no-hit."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessEvent
from caseroom import services
from caseroom.models import Attachment, Case, Contribution, Referral
from partners.models import User
from persons.models import Person
from persons.services import person_create
from tests.caseroom.conftest import World, open_case
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"1 0 obj\n<<>>\nendobj\n" * 4 + b"startxref\n9\n%%EOF\n"


def post(user: User, url: str, data: dict[str, object]) -> object:
    return verified_client(user).post(url, data, content_type="application/json")


# --- referrals and triage -------------------------------------------------------------------


def referral_body(world: World, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "house": world.house.pk,
        "persons": [{"surname": "Çelik", "given_names": "Deniz", "bsn": "123456782"}],
        "reason": "Ernstige overlast en zorgen over de kinderen.",
        "goal": "Gezamenlijke aanpak.",
        "person_informed": True,
    }
    body.update(overrides)
    return body


def test_a_partner_submits_a_referral_and_sees_the_decision(world: World) -> None:
    response = post(world.ggz, "/api/v1/referrals/", referral_body(world))
    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    referral_id = response.json()["id"]  # type: ignore[attr-defined]
    queue = verified_client(world.regisseur).get("/api/v1/referrals/?status=ingediend").json()
    assert referral_id in [r["id"] for r in queue["results"]]
    # The other partner does not see it.
    assert (
        verified_client(world.politie).get(f"/api/v1/referrals/{referral_id}/").status_code == 404
    )
    decision = post(
        world.regisseur,
        f"/api/v1/referrals/{referral_id}/triage/",
        {"decision": "advies", "note": "Advies: schakel het wijkteam in."},
    )
    assert decision.status_code == 200, decision.content  # type: ignore[attr-defined]
    seen = verified_client(world.ggz).get(f"/api/v1/referrals/{referral_id}/").json()
    assert seen["status"] == "advies"
    assert seen["decision_note"] == "Advies: schakel het wijkteam in."
    assert seen["case"] is None


def test_accepting_a_referral_opens_a_numbered_case(world: World) -> None:
    referral_id = post(world.ggz, "/api/v1/referrals/", referral_body(world)).json()["id"]  # type: ignore[attr-defined]
    response = post(
        world.regisseur,
        f"/api/v1/referrals/{referral_id}/triage/",
        {
            "decision": "geaccepteerd",
            "criterion_domains": True,
            "criterion_chains": True,
            "criterion_system": True,
            "target_group": "multiprobleem",
        },
    )
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    number = response.json()["case"]  # type: ignore[attr-defined]
    year = timezone.localdate().year
    assert number == f"ZVH-{year}-0003"  # two cases were opened by the fixture
    case = Case.objects.get(number=number)
    assert case.lead_organisation is None
    body = verified_client(world.ggz).get(f"/api/v1/cases/{case.pk}/").json()
    assert body["lead_missing"] is True
    assert [p["person"]["surname"] for p in body["persons"]] == ["Çelik"]


def test_accepting_without_the_national_criteria_is_refused(world: World) -> None:
    referral_id = post(world.ggz, "/api/v1/referrals/", referral_body(world)).json()["id"]  # type: ignore[attr-defined]
    response = post(
        world.regisseur,
        f"/api/v1/referrals/{referral_id}/triage/",
        {"decision": "geaccepteerd", "criterion_domains": True, "target_group": "multiprobleem"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "criteria_not_met"  # type: ignore[attr-defined]
    assert Referral.objects.get(pk=referral_id).status == "ingediend"


def test_only_the_house_procesregisseur_triages(world: World) -> None:
    referral_id = post(world.ggz, "/api/v1/referrals/", referral_body(world)).json()["id"]  # type: ignore[attr-defined]
    response = post(
        world.ggz,
        f"/api/v1/referrals/{referral_id}/triage/",
        {"decision": "afgewezen", "note": "x"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"  # type: ignore[attr-defined]


def test_not_informed_needs_a_reason(world: World) -> None:
    response = post(world.ggz, "/api/v1/referrals/", referral_body(world, person_informed=False))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["not_informed_reason"]  # type: ignore[attr-defined]


def test_invalid_bsn_is_a_400_with_a_dutch_message_and_nothing_is_stored(world: World) -> None:
    persons_before = Person.objects.count()
    body = referral_body(world, persons=[{"surname": "Jansen", "bsn": "123456789"}])
    response = post(world.ggz, "/api/v1/referrals/", body)
    assert response.status_code == 400
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["fields"]["persons.0.bsn"][0]["message"].startswith("Dit is geen geldig BSN")
    assert "123456789" not in response.content.decode()  # type: ignore[attr-defined]
    assert Person.objects.count() == persons_before


def test_a_referral_links_an_existing_person_instead_of_a_duplicate(world: World) -> None:
    body = referral_body(world, persons=[{"surname": "Haidari", "bsn": "111 222 333"}])
    response = post(world.ggz, "/api/v1/referrals/", body)
    assert response.status_code == 201
    assert Person.objects.filter(pk=world.person.pk).count() == 1
    referral = Referral.objects.get(pk=response.json()["id"])  # type: ignore[attr-defined]
    assert list(referral.persons.all()) == [world.person]


# --- participants and contributions ---------------------------------------------------------


def test_unknown_category_is_a_400(world: World) -> None:
    response = post(
        world.regisseur,
        f"/api/v1/cases/{world.case.pk}/participants/",
        {"organisation": world.outsider.organisation_id, "categories": ["basis", "geheim"]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["categories"][0]["code"] == "unknown_category"  # type: ignore[attr-defined]
    response = post(
        world.politie,
        f"/api/v1/cases/{world.case.pk}/contributions/",
        {"category": "geheim", "text": "x"},
    )
    assert response.status_code == 400


def test_only_the_procesregisseur_adds_participants(world: World) -> None:
    response = post(
        world.politie,
        f"/api/v1/cases/{world.case.pk}/participants/",
        {"organisation": world.outsider.organisation_id, "categories": ["basis"]},
    )
    assert response.status_code == 403
    assert world.case.participations.filter(organisation=world.outsider.organisation).count() == 0


def test_a_partner_contributes_only_in_its_own_categories(world: World) -> None:
    response = post(
        world.woning,
        f"/api/v1/cases/{world.case.pk}/contributions/",
        {"category": "zorg", "text": "Iets"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "category_not_granted"  # type: ignore[attr-defined]
    ok = post(
        world.woning,
        f"/api/v1/cases/{world.case.pk}/contributions/",
        {"category": "wonen", "text": "Ontruiming gepland."},
    )
    assert ok.status_code == 201


def test_assessments_of_partners_stand_side_by_side(world: World) -> None:
    for user, text in ((world.ggz, "Geen stoornis."), (world.ggz, "Tweede mening: hersenletsel.")):
        post(
            user,
            f"/api/v1/cases/{world.case.pk}/contributions/",
            {"category": "zorg", "text": text},
        )
    texts = [
        c["text"]
        for c in verified_client(world.ggz)
        .get(f"/api/v1/cases/{world.case.pk}/contributions/")
        .json()["results"]
    ]
    assert {
        "Geen stoornis.",
        "Tweede mening: hersenletsel.",
        "Geen behandelbare stoornis vastgesteld.",
    } <= set(texts)


def test_script_in_text_is_stored_as_given_and_returned_as_data(world: World) -> None:
    text = "<script>alert(1)</script>"
    response = post(
        world.politie,
        f"/api/v1/cases/{world.case.pk}/contributions/",
        {"category": "politie", "text": text},
    )
    assert response.status_code == 201
    assert response.json()["text"] == text  # type: ignore[attr-defined]
    assert response.headers["Content-Type"] == "application/json"  # type: ignore[attr-defined]


def upload(user: User, world: World, name: str, data: bytes, content_type: str) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return verified_client(user).post(
        f"/api/v1/cases/{world.case.pk}/contributions/",
        {
            "category": "politie",
            "text": "Zie bijlage.",
            "files": [SimpleUploadedFile(name, data, content_type)],
        },
    )


def test_an_upload_is_stored_encrypted_and_its_download_is_logged(world: World) -> None:
    response = upload(world.politie, world, "proces-verbaal.pdf", PDF, "application/pdf")
    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    attachment = body["attachments"][0]
    assert attachment["content_type"] == "application/pdf"
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM caseroom_attachment")
        (stored,) = cursor.fetchone()
    assert b"%PDF" not in str(stored).encode()
    url = (
        f"/api/v1/cases/{world.case.pk}/contributions/{body['id']}/attachments/{attachment['id']}/"
    )
    download = verified_client(world.politie).get(url)
    assert download.status_code == 200
    assert download.content == PDF
    assert "proces-verbaal" not in download["Content-Disposition"]
    assert AccessEvent.objects.filter(action="export", object_id=attachment["id"]).exists()
    # The ggz has no politie category: the attachment does not exist for it.
    assert verified_client(world.ggz).get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "content_type", "code"),
    [
        ("foto.pdf", PNG, "application/pdf", "file_type_mismatch"),
        ("foto.png", PNG, "application/pdf", "file_type_mismatch"),
        (
            "programma.exe",
            b"MZ\x90\x00" + b"\x00" * 100,
            "application/octet-stream",
            "file_type_not_allowed",
        ),
        ("leeg.txt", b"", "text/plain", "validation_error"),
    ],
)
def test_an_upload_that_lies_or_is_not_allowed_is_refused_and_nothing_is_stored(
    world: World, name: str, data: bytes, content_type: str, code: str
) -> None:
    before = (Contribution.objects.count(), Attachment.objects.count())
    response = upload(world.politie, world, name, data, content_type)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code  # type: ignore[attr-defined]
    assert (Contribution.objects.count(), Attachment.objects.count()) == before


@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_a_too_large_upload_is_refused_with_a_dutch_message(world: World) -> None:
    response = upload(world.politie, world, "groot.pdf", PDF + b"x" * 2048, "application/pdf")
    assert response.status_code == 400
    assert "te groot" in response.json()["error"]["message"]  # type: ignore[attr-defined]
    assert Attachment.objects.count() == 0


def test_office_documents_are_recognised_by_content() -> None:
    from caseroom.uploads import sniff

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert sniff(buffer.getvalue()).endswith("wordprocessingml.document")  # type: ignore[union-attr]


# --- query counts ---------------------------------------------------------------------------


def count_queries(user: User, url: str) -> int:
    client = verified_client(user)
    client.get(url)  # warm up session and caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_cases(world: World, n: int) -> None:
    for i in range(n):
        person = person_create(
            surname=f"Persoon {i}", birth_date=datetime.date(1990, 1, 1 + i % 28)
        )
        case = open_case(
            house=world.house, regisseur=world.regisseur, referrer=world.politie, persons=[person]
        )
        services.contribution_add(
            case=world.case,
            by=world.politie,
            category=services.categories_by_code(["politie"])[0],
            text=f"Melding {i}",
        )
        assert case.pk


def test_case_list_and_contribution_list_run_a_constant_number_of_queries(world: World) -> None:
    cases_url = "/api/v1/cases/"
    contributions_url = f"/api/v1/cases/{world.case.pk}/contributions/"
    few = (count_queries(world.politie, cases_url), count_queries(world.politie, contributions_url))
    add_cases(world, 49)
    many = (
        count_queries(world.politie, cases_url),
        count_queries(world.politie, contributions_url),
    )
    assert verified_client(world.politie).get(cases_url).json()["count"] == 50
    assert few == many


# --- persons, duplicates and hit/no-hit -----------------------------------------------------


def test_procesregisseur_is_offered_the_existing_person_instead_of_a_duplicate(
    world: World,
) -> None:
    response = post(world.regisseur, "/api/v1/persons/", {"surname": "Haidari", "bsn": "111222333"})
    assert response.status_code == 409
    assert response.json()["error"]["existing_person"] == str(world.person.pk)  # type: ignore[attr-defined]
    same_name = post(
        world.regisseur, "/api/v1/persons/", {"surname": "haidari", "birth_date": "1968-07-01"}
    )
    assert same_name.status_code == 409
    assert Person.objects.filter(pk=world.person.pk).count() == 1


def test_partners_do_not_register_persons_directly(world: World) -> None:
    assert post(world.politie, "/api/v1/persons/", {"surname": "Nieuw"}).status_code == 403


def test_relations_are_recorded_both_ways(world: World) -> None:
    child = person_create(
        surname="Haidari", given_names="Amina", birth_date=datetime.date(2012, 5, 5)
    )
    services.case_add_person(case=world.case, person=child, role="gezinslid", by=world.regisseur)
    response = post(
        world.regisseur,
        f"/api/v1/persons/{world.person.pk}/relations/",
        {"related": str(child.pk), "kind": "kind"},
    )
    assert response.status_code == 201
    parent_view = verified_client(world.politie).get(f"/api/v1/persons/{world.person.pk}/").json()
    assert [(r["kind"], r["related"]["given_names"]) for r in parent_view["relations"]] == [
        ("kind", "Amina")
    ]
    child_view = verified_client(world.politie).get(f"/api/v1/persons/{child.pk}/").json()
    assert [r["kind"] for r in child_view["relations"]] == ["ouder"]


def check(user: User, **body: object) -> object:
    return post(user, "/api/v1/persons/check/", {"purpose": "referral", **body})


def test_hit_no_hit_answers_only_yes_or_no_and_whom_to_contact(world: World) -> None:
    hit = check(world.outsider, bsn="111222333")
    assert hit.status_code == 200  # type: ignore[attr-defined]
    body = hit.json()  # type: ignore[attr-defined]
    assert body["hit"] is True
    assert set(body) == {"hit", "contact"}
    assert body["contact"]["house"] == "ZVH Rivierenland"
    assert "Haidari" not in hit.content.decode()  # type: ignore[attr-defined]
    assert world.case.number not in hit.content.decode()  # type: ignore[attr-defined]
    by_name = check(world.outsider, surname="HAIDARI", birth_date="1968-07-01").json()  # type: ignore[attr-defined]
    assert by_name["hit"] is True
    assert check(world.outsider, bsn="123456782").json() == {"hit": False}  # type: ignore[attr-defined]


def test_hit_no_hit_ignores_closed_cases(world: World) -> None:
    services.case_set_status(
        case=world.case, status="afgesloten", closure_reason="doel_bereikt", by=world.regisseur
    )
    assert check(world.outsider, bsn="111222333").json() == {"hit": False}  # type: ignore[attr-defined]


def test_every_hit_no_hit_question_is_an_access_event(world: World) -> None:
    check(world.outsider, bsn="111222333")
    check(world.outsider, bsn="123456782")
    events = list(AccessEvent.objects.filter(action="check").order_by("pk"))
    assert [e.result for e in events] == ["success", "not_found"]
    assert events[0].person_ids == [str(world.person.pk)]
    assert events[0].purpose == "Aanmelding voorbereiden"
    assert events[1].person_ids == []


def test_hit_no_hit_needs_an_identity_and_a_purpose(world: World) -> None:
    response = post(world.outsider, "/api/v1/persons/check/", {"surname": "Haidari"})
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]  # type: ignore[attr-defined]
    assert "purpose" in fields


@override_settings(HIT_NO_HIT_RATE="3/hour")
def test_hit_no_hit_is_rate_limited(world: World) -> None:
    from django.core.cache import cache

    cache.clear()
    codes = [check(world.outsider, bsn="123456782").status_code for _ in range(4)]  # type: ignore[attr-defined]
    assert codes == [200, 200, 200, 429]
    cache.clear()


def test_closing_needs_a_reason_and_a_closed_case_can_be_reopened(world: World) -> None:
    url = f"/api/v1/cases/{world.case.pk}/"
    client = verified_client(world.regisseur)
    refused = client.patch(url, {"status": "afgesloten"}, content_type="application/json")
    assert refused.status_code == 400
    closed = client.patch(
        url,
        {"status": "afgesloten", "closure_reason": "doel_bereikt"},
        content_type="application/json",
    )
    assert closed.json()["status"] == "afgesloten" and closed.json()["closed_at"]
    reopened = client.patch(url, {"status": "in_behandeling"}, content_type="application/json")
    assert reopened.json()["closure_reason"] == "" and reopened.json()["closed_at"] is None
    # A partner cannot change the status.
    assert (
        verified_client(world.politie)
        .patch(url, {"status": "monitoring"}, content_type="application/json")
        .status_code
        == 403
    )


def test_the_lead_organisation_must_take_part(world: World) -> None:
    url = f"/api/v1/cases/{world.case.pk}/"
    client = verified_client(world.regisseur)
    response = client.patch(
        url, {"lead_organisation": world.outsider.organisation_id}, content_type="application/json"
    )
    assert response.status_code == 400
    ok = client.patch(
        url, {"lead_organisation": world.ggz.organisation_id}, content_type="application/json"
    )
    assert ok.json()["lead_organisation"]["name"] == "GGZ Rivierenland"
    assert ok.json()["lead_missing"] is False


def test_a_referral_does_not_reveal_an_existing_person_to_the_referrer(world: World) -> None:
    body = referral_body(world, persons=[{"surname": "x", "bsn": "111222333"}])
    response = post(world.outsider, "/api/v1/referrals/", body)
    assert response.status_code == 201
    text = response.content.decode()  # type: ignore[attr-defined]
    assert "Haidari" not in text and "Farid" not in text and "1968" not in text
    listed = verified_client(world.outsider).get("/api/v1/referrals/").content.decode()
    assert "Haidari" not in listed
    # Linking to the existing person is logged as a check.
    assert AccessEvent.objects.filter(action="check", person_ids=[str(world.person.pk)]).exists()
    # The procesregisseur of the house sees who it is.
    referral_id = response.json()["id"]  # type: ignore[attr-defined]
    house = verified_client(world.regisseur).get(f"/api/v1/referrals/{referral_id}/").json()
    assert [p["surname"] for p in house["persons"]] == ["Haidari"]


def test_the_house_cannot_be_added_by_a_partner(world: World) -> None:
    response = post(
        world.woning,
        f"/api/v1/cases/{world.case.pk}/participants/",
        {"organisation": world.house.organisation_id, "categories": ["basis", "zorg"]},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"  # type: ignore[attr-defined]


def test_the_timeline_hides_who_was_added_from_those_without_basis(world: World) -> None:
    participation = world.participations["politie"]
    services.participation_set_categories(
        participation=participation,
        categories=services.categories_by_code(["politie"]),
        by=world.regisseur,
    )
    events = verified_client(world.politie).get(f"/api/v1/cases/{world.case.pk}/timeline/").json()
    assert all("person_id" not in e["data"] for e in events)
    assert (
        verified_client(world.woning).get(f"/api/v1/cases/{world.case.pk}/timeline/").status_code
        == 200
    )
    woning_events = (
        verified_client(world.woning).get(f"/api/v1/cases/{world.case.pk}/timeline/").json()
    )
    assert any(e["kind"] == "person_added" for e in woning_events)


@override_settings(HIT_NO_HIT_RATE="2/hour")
def test_registering_persons_is_rate_limited_like_hit_no_hit(world: World) -> None:
    codes = [
        post(
            world.regisseur, "/api/v1/persons/", {"surname": "Haidari", "bsn": "111222333"}
        ).status_code  # type: ignore[attr-defined]
        for _ in range(3)
    ]
    assert codes == [409, 409, 429]
