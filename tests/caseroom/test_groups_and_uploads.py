"""Youth groups on the case (S3), the partners a referral invites, and uploads that never
reach the disk unencrypted."""

from __future__ import annotations

import datetime
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessEvent
from caseroom import services
from caseroom.models import Attachment, Case, Contribution, GroupRecord, Referral
from partners.models import User
from persons.models import Person
from persons.services import person_create
from tests.caseroom.conftest import World, make_org, make_user, open_case
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + b"1 0 obj\n<<>>\nendobj\n" * 4 + b"startxref\n9\n%%EOF\n"


# --- groups (S3) ----------------------------------------------------------------------------


@pytest.fixture
def om(world: World) -> User:
    """The public prosecutor in the case, with basis and justitie (as in S3)."""
    user = make_user("om", make_org("Openbaar Ministerie", "om"))
    services.participation_add(
        case=world.case,
        organisation=user.organisation,
        categories=services.categories_by_code(["basis", "justitie"]),
        by=world.regisseur,
    )
    return user


def make_group(world: World, name: str = "Jeugdgroep Kanaalzone") -> GroupRecord:
    """A group classified "crimineel" under justitie, linked to the world's case and to a
    case of another member in which only the house and politie take part."""
    group = services.group_record_create(
        house=world.house,
        name=name,
        classification=GroupRecord.Classification.CRIMINEEL,
        by=world.regisseur,
        category_code="justitie",
    )
    services.group_record_link(group=group, case=world.case, by=world.regisseur)
    member = person_create(surname=f"Lid van {name}", birth_date=datetime.date(2008, 5, 2))
    other = open_case(
        house=world.house, regisseur=world.regisseur, referrer=world.politie, persons=[member]
    )
    services.group_record_link(group=group, case=other, by=world.regisseur)
    return group


def groups_url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/groups/"


def member_names(body: list[dict[str, object]]) -> set[object]:
    return {m["surname"] for g in body for m in g["members"]}


def test_politie_and_om_see_the_classification_of_the_group(world: World, om: User) -> None:
    make_group(world)
    for user in (world.politie, om):
        response = verified_client(user).get(groups_url(world.case))
        assert response.status_code == 200, response.content
        (group,) = response.json()
        assert group["name"] == "Jeugdgroep Kanaalzone"
        assert group["classification"] == "crimineel"
    # Politie takes part in the other member's case too; the OM does not.
    politie = verified_client(world.politie).get(groups_url(world.case)).json()
    assert member_names(politie) == {"Haidari", "Lid van Jeugdgroep Kanaalzone"}
    assert member_names(verified_client(om).get(groups_url(world.case)).json()) == {"Haidari"}


def test_ggz_without_justitie_sees_the_group_but_not_its_classification(world: World) -> None:
    make_group(world)
    response = verified_client(world.ggz).get(groups_url(world.case))
    assert response.status_code == 200
    (group,) = response.json()
    assert group["classification"] is None
    assert member_names([group]) == {"Haidari"}
    assert "crimineel" not in response.content.decode()


def test_others_get_404_on_the_groups_of_a_case(world: World) -> None:
    make_group(world)
    stranger = make_user("vreemde", make_org("Reclassering Zuid", "reclassering"))
    for user in (world.outsider, stranger):
        response = verified_client(user).get(groups_url(world.case))
        assert response.status_code == 404
        assert "Kanaalzone" not in response.content.decode()


def test_reading_the_groups_names_the_members_shown_in_the_access_event(world: World) -> None:
    group = make_group(world)
    verified_client(world.politie).get(groups_url(world.case))
    event = AccessEvent.objects.filter(object_type="caseroom.grouprecord").latest("occurred_at")
    assert event.object_id == str(world.case.pk)
    assert set(event.person_ids) == {str(p.pk) for p in group.members.all()}


def test_the_case_page_lists_the_groups_with_members_and_classification_where_allowed(
    world: World,
) -> None:
    make_group(world)
    url = reverse("caseroom:case_detail", args=[world.case.pk])
    politie = verified_client(world.politie).get(url).content.decode()
    assert "Jeugdgroep Kanaalzone" in politie
    assert "Crimineel" in politie
    assert "Lid van Jeugdgroep Kanaalzone" in politie
    ggz = verified_client(world.ggz).get(url).content.decode()
    assert "Jeugdgroep Kanaalzone" in ggz
    assert "Crimineel" not in ggz
    assert "Uw organisatie mag de classificatie van deze groep niet zien." in ggz
    assert "Lid van Jeugdgroep Kanaalzone" not in ggz


def count_queries(user: User, url: str) -> int:
    client = verified_client(user)
    client.get(url)  # warm up session and caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_groups_run_a_constant_number_of_queries_for_one_or_several_groups(
    world: World,
) -> None:
    make_group(world, "Groep 1")
    api, page = groups_url(world.case), reverse("caseroom:case_detail", args=[world.case.pk])
    one = (count_queries(world.politie, api), count_queries(world.politie, page))
    for i in range(2, 5):
        make_group(world, f"Groep {i}")
    assert len(verified_client(world.politie).get(api).json()) == 4
    assert (count_queries(world.politie, api), count_queries(world.politie, page)) == one


# --- partners to invite ---------------------------------------------------------------------


def referral_inviting_two(world: World) -> Referral:
    return services.referral_submit(
        by=world.politie,
        house=world.house,
        persons=[Person.objects.create(surname="Jansen")],
        reason="Overlast en zorgen over de kinderen.",
        goal="Een gezamenlijke aanpak.",
        person_informed=True,
        invited_organisations=[world.ggz.organisation, world.woning.organisation],
    )


def participants_of(referral: Referral) -> dict[str, set[str]]:
    case = Case.objects.get(referral=referral)
    return {
        p.organisation.name: {c.code for c in p.categories.all()}
        for p in case.participations.filter(withdrawn_at__isnull=True)
    }


ACCEPT = {
    "decision": Referral.Status.ACCEPTED,
    "criterion_safety": True,
    "target_group": "pga",
}


def test_accepting_through_the_api_without_participants_invites_no_one_else(
    world: World,
) -> None:
    referral = referral_inviting_two(world)
    client = verified_client(world.regisseur)
    shown = client.get(f"/api/v1/referrals/{referral.pk}/").json()
    assert {o["name"] for o in shown["invited_organisations"]} == {
        "GGZ Rivierenland",
        "Woonstichting De Kade",
    }
    response = client.post(
        f"/api/v1/referrals/{referral.pk}/triage/", ACCEPT, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    participants = participants_of(referral)
    assert participants.pop("ZVH Rivierenland")  # the house coordinates
    assert participants == {"Politie Oost": {"basis"}}  # the referrer


def test_accepting_through_the_api_adds_the_invited_partners_the_call_names(
    world: World,
) -> None:
    referral = referral_inviting_two(world)
    response = verified_client(world.regisseur).post(
        f"/api/v1/referrals/{referral.pk}/triage/",
        {**ACCEPT, "participants": [world.ggz.organisation.pk, world.woning.organisation.pk]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    participants = participants_of(referral)
    assert participants.pop("ZVH Rivierenland")
    assert participants == {
        "Politie Oost": {"basis"},
        "GGZ Rivierenland": {"basis"},
        "Woonstichting De Kade": {"basis"},
    }


def test_participants_named_in_the_api_call_replace_the_invited_ones(world: World) -> None:
    referral = referral_inviting_two(world)
    response = verified_client(world.regisseur).post(
        f"/api/v1/referrals/{referral.pk}/triage/",
        {**ACCEPT, "participants": [world.veilig_thuis.organisation.pk]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert set(participants_of(referral)) == {"ZVH Rivierenland", "Politie Oost", "Veilig Thuis"}


def test_the_triage_page_preselects_the_invited_partners_and_accepting_adds_them(
    world: World,
) -> None:
    referral = referral_inviting_two(world)
    url = reverse("caseroom:triage", args=[referral.pk])
    client = verified_client(world.regisseur)
    page = client.get(url).content.decode()
    checked = set(
        re.findall(r'<input type="checkbox" name="participants" value="(\d+)"[^>]*checked', page)
    )
    assert checked == {str(world.ggz.organisation.pk), str(world.woning.organisation.pk)}
    # Other partners are offered, not preselected; the referrer takes part anyway.
    assert f'name="participants" value="{world.veilig_thuis.organisation.pk}"' in page
    assert f'name="participants" value="{world.politie.organisation.pk}"' not in page

    response = client.post(
        url, {**ACCEPT, "criterion_safety": "on", "participants": sorted(checked)}
    )
    assert response.status_code == 302
    assert participants_of(referral)["GGZ Rivierenland"] == {"basis"}
    assert participants_of(referral)["Woonstichting De Kade"] == {"basis"}


# --- uploads never on disk ------------------------------------------------------------------


@pytest.fixture
def no_disk(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Temporary files go to a directory that does not exist: an upload written to disk
    during the request makes the request fail."""
    spool = tmp_path / "spool"
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    with override_settings(FILE_UPLOAD_TEMP_DIR=str(spool)):
        yield spool


def pdf_of(size: int) -> bytes:
    head, tail = b"%PDF-1.7\n", b"\nstartxref\n9\n%%EOF\n"
    return head + b"0" * (size - len(head) - len(tail)) + tail


def api_upload(world: World, data: bytes) -> Any:
    return verified_client(world.politie).post(
        f"/api/v1/cases/{world.case.pk}/contributions/",
        {
            "category": "politie",
            "text": "Zie bijlage.",
            "files": [SimpleUploadedFile("verslag.pdf", data, "application/pdf")],
        },
    )


def test_a_too_large_upload_is_refused_without_reaching_the_disk(
    world: World, no_disk: Path
) -> None:
    limit = settings.ATTACHMENT_MAX_BYTES
    before = (Contribution.objects.count(), Attachment.objects.count())
    response = api_upload(world, pdf_of(limit + 2 * 1024 * 1024))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "file_too_large"
    assert error["message"] == f"verslag.pdf is te groot: maximaal {limit // (1024 * 1024)} MB."
    assert (Contribution.objects.count(), Attachment.objects.count()) == before
    assert not no_disk.exists()


@override_settings(ATTACHMENT_MAX_BYTES=1024 * 1024, ATTACHMENT_REQUEST_MAX_BYTES=2 * 1024 * 1024)
def test_files_that_together_pass_the_request_limit_are_refused(
    world: World, no_disk: Path
) -> None:
    before = (Contribution.objects.count(), Attachment.objects.count())
    files = [
        SimpleUploadedFile(f"deel-{n}.pdf", pdf_of(900 * 1024), "application/pdf") for n in range(3)
    ]
    response = verified_client(world.politie).post(
        f"/api/v1/cases/{world.case.pk}/contributions/",
        {"category": "politie", "text": "Zie bijlagen.", "files": files},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "files_too_large"
    assert error["message"] == "De bestanden zijn samen te groot: maximaal 2 MB per keer."
    assert (Contribution.objects.count(), Attachment.objects.count()) == before
    assert not no_disk.exists()


# Django spools anything above its default threshold (2.5 MB) to a temporary file.
@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=2_621_440)
def test_an_attachment_above_djangos_memory_threshold_is_received_in_memory(
    world: World, no_disk: Path
) -> None:
    data = pdf_of(3 * 1024 * 1024)
    response = api_upload(world, data)
    assert response.status_code == 201, response.content
    assert Attachment.objects.get().data == data
    assert not no_disk.exists()


@override_settings(ATTACHMENT_MAX_BYTES=64 * 1024, FILE_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_too_large_upload_on_the_case_page_is_a_form_error_and_keeps_the_text(
    world: World, no_disk: Path
) -> None:
    before = (Contribution.objects.count(), Attachment.objects.count())
    response = verified_client(world.politie).post(
        reverse("caseroom:contribution_add", args=[world.case.pk]),
        {
            "inbreng-category": "politie",
            "inbreng-text": "Verslag van het huisbezoek.",
            "inbreng-attachments": SimpleUploadedFile(
                "groot.pdf", pdf_of(128 * 1024), content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "groot.pdf is te groot: maximaal 0 MB." in page
    assert "Verslag van het huisbezoek." in page
    assert (Contribution.objects.count(), Attachment.objects.count()) == before
    assert not no_disk.exists()


# --- multipart where no files are taken -----------------------------------------------------


def register_person(world: World, body: dict[str, Any]) -> Any:
    return verified_client(world.regisseur).post("/api/v1/persons/", body)  # multipart


def test_a_form_without_files_is_read_by_an_endpoint_that_takes_no_files(world: World) -> None:
    response = register_person(world, {"surname": "Haidari", "given_names": "Noor"})
    assert response.status_code == 201, response.content
    assert Person.objects.filter(pk=response.json()["id"]).exists()


# A small file is refused as such; an oversized one stops the upload, so "given_names"
# after it would never be read and the person would be registered without them.
@override_settings(ATTACHMENT_MAX_BYTES=64 * 1024)
@pytest.mark.parametrize("size", [len(PDF), 128 * 1024], ids=["klein", "te-groot"])
def test_a_file_sent_where_no_files_are_taken_refuses_the_whole_request(
    world: World, no_disk: Path, size: int
) -> None:
    before = Person.objects.count()
    response = register_person(
        world,
        {
            "surname": "Haidari",
            "bijlage": SimpleUploadedFile("verslag.pdf", pdf_of(size), "application/pdf"),
            "given_names": "Noor",
        },
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "files_not_accepted"
    assert error["message"] == "Hier kunnen geen bestanden worden meegestuurd."
    assert Person.objects.count() == before
    assert not no_disk.exists()
