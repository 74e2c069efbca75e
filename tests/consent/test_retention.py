"""Retention: a closed case past its period is listed, then loses its personal data and
keeps a tombstone and an access event; a legal hold blocks that; reruns change nothing."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test import override_settings

from audit.models import AccessEvent
from caseroom import services
from caseroom.models import Case, Contribution, MeetingType
from caseroom.uploads import check_upload
from consent.covenant import active_covenant
from consent.models import CaseTombstone, CovenantPurpose, Retention
from consent.retention import (
    extension_decide,
    extension_request,
    legal_hold_release,
    legal_hold_set,
    retention_run,
)
from core.exceptions import ServiceError
from partners.models import User
from persons.models import Person
from tests.caseroom.conftest import World

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2031, 6, 1)
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def close(case: Case, by: User, years_ago: int) -> None:
    services.case_set_status(case=case, status="afgesloten", closure_reason="doel_bereikt", by=by)
    closed = datetime.datetime(TODAY.year - years_ago, 1, 15, 12, tzinfo=AMSTERDAM)
    Case.objects.filter(pk=case.pk).update(closed_at=closed)
    case.refresh_from_db()


@override_settings(CASE_RETENTION_MONTHS=60, RETENTION_NOTICE_DAYS=14)
def test_a_case_past_its_period_is_listed_then_removed_leaving_a_tombstone(world: World) -> None:
    person, other = world.person.pk, world.other_case.case_persons.get().person_id
    number = world.case.number
    # Everything a case gathers: an attachment, an agenda item with minutes, an action.
    pdf = b"%PDF-1.7\n" + b"1 0 obj\n<<>>\nendobj\n" * 4 + b"startxref\n9\n%%EOF\n"
    services.contribution_add(
        case=world.case, by=world.politie, category=services.categories_by_code(["politie"])[0],
        text="Zie bijlage.", person=world.person,
        files=[check_upload(filename="pv.pdf", data=pdf, declared_type="application/pdf")],
    )  # fmt: skip
    (meeting,) = services.meeting_create(
        house=world.house, meeting_type=MeetingType.objects.get(code="casusoverleg"),
        starts_at=world.case.opened_at, by=world.regisseur,
    )  # fmt: skip
    item = services.agenda_item_add(meeting=meeting, case=world.case, by=world.regisseur)
    services.minutes_save(
        agenda_item=item, by=world.regisseur, text="Besproken.", decisions="Huisbezoek.",
        expected_version=0,
    )  # fmt: skip
    services.action_create(
        case=world.case, by=world.regisseur, description="Huisbezoek afleggen",
        owner_organisation=world.politie.organisation, due_date=datetime.date(2026, 12, 1),
        agenda_item=item,
    )  # fmt: skip
    close(world.case, world.regisseur, years_ago=6)
    close(world.other_case, world.regisseur, years_ago=1)  # not yet due

    first = retention_run(today=TODAY)
    assert (first.announced, first.purged) == ([number], [])
    assert Retention.objects.get(case=world.case).announced_on == TODAY
    assert retention_run(today=TODAY).announced == []  # listed once

    later = TODAY + datetime.timedelta(days=14)
    second = retention_run(today=later)
    assert second.purged == [number]
    assert not Case.objects.filter(number=number).exists()
    assert not Contribution.objects.filter(case_id=world.case.pk).exists()
    assert not Person.objects.filter(pk=person).exists()  # in no other case
    assert Person.objects.filter(pk=other).exists()
    tombstone = CaseTombstone.objects.get(case_number=number)
    assert tombstone.counts["contributions"] == 5 and tombstone.counts["persons"] == 1
    assert (tombstone.counts["attachments"], tombstone.counts["agenda_items"]) == (1, 1)
    assert tombstone.counts["actions"] == 1
    assert tombstone.retention_months == 60 and tombstone.house_name == "ZVH Rivierenland"
    event = AccessEvent.objects.filter(action="delete").get()
    assert (event.object_type, event.object_id) == ("caseroom.case", str(world.case.pk))
    # No trace of the content in the database: encrypted values are gone with their rows.
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM caseroom_contribution")
        remaining = cursor.fetchone()[0]
    assert remaining == Contribution.objects.filter(case=world.other_case).count()
    # A second run changes nothing.
    again = retention_run(today=later)
    assert (again.announced, again.purged) == ([], [])
    assert CaseTombstone.objects.count() == 1
    assert AccessEvent.objects.filter(action="delete").count() == 1


@override_settings(CASE_RETENTION_MONTHS=60, RETENTION_NOTICE_DAYS=0)
def test_a_legal_hold_blocks_removal_until_released(world: World) -> None:
    close(world.case, world.regisseur, years_ago=6)
    with pytest.raises(ServiceError):
        legal_hold_set(case=world.case, reason="x", by=world.regisseur)
    with pytest.raises(ServiceError):
        legal_hold_set(case=world.case, reason="Lopende rechtszaak.", by=world.politie)
    legal_hold_set(
        case=world.case, reason="Lopende rechtszaak tegen de gemeente.", by=world.privacy
    )
    result = retention_run(today=TODAY)
    assert (result.held, result.purged) == ([world.case.number], [])
    assert retention_run(today=TODAY + datetime.timedelta(days=400)).purged == []
    assert Case.objects.filter(pk=world.case.pk).exists()
    legal_hold_release(case=world.case, by=world.regisseur)
    assert retention_run(today=TODAY).announced == [world.case.number]  # listed again first
    assert retention_run(today=TODAY).purged == [world.case.number]


@override_settings(CASE_RETENTION_MONTHS=60)
def test_an_extension_needs_a_reason_and_another_persons_approval(world: World) -> None:
    close(world.case, world.regisseur, years_ago=6)
    retention_run(today=TODAY)
    with pytest.raises(ServiceError) as short:
        extension_request(case=world.case, until=TODAY, reason="nodig", by=world.regisseur)
    assert short.value.field == "reason"
    extension = extension_request(
        case=world.case,
        until=datetime.date(2032, 1, 1),
        reason="Strafzaak tegen de zoon loopt nog; dossier nodig voor de rechtbank.",
        by=world.regisseur,
    )
    with pytest.raises(ServiceError):
        extension_decide(extension=extension, approve=True, by=world.regisseur)
    extension_decide(extension=extension, approve=True, by=world.privacy)
    retention = Retention.objects.get(case=world.case)
    assert retention.due_on == extension.until + datetime.timedelta(days=1)
    assert retention.announced_on is None  # off the list
    assert retention_run(today=TODAY).purged == []


def test_the_period_follows_the_covenant_purpose_of_the_meeting_type(world: World) -> None:
    covenant = active_covenant()
    assert covenant is not None
    meeting_type = MeetingType.objects.get(code="justitieel-casusoverleg")
    CovenantPurpose.objects.create(
        covenant=covenant, meeting_type=meeting_type, purpose="Justitiële aanpak",
        retention_months=120,
    )  # fmt: skip
    (meeting,) = services.meeting_create(
        house=world.house,
        meeting_type=meeting_type,
        starts_at=world.case.opened_at,
        by=world.regisseur,
    )
    services.agenda_item_add(meeting=meeting, case=world.case, by=world.regisseur)
    close(world.case, world.regisseur, years_ago=6)
    assert retention_run(today=TODAY).announced == []
    retention = Retention.objects.get(case=world.case)
    assert retention.months == 120 and "Justitieel casusoverleg" in retention.source


@override_settings(CASE_RETENTION_MONTHS=60)
def test_the_retention_api_lists_due_cases_and_takes_holds_and_decisions(world: World) -> None:
    from tests.conftest import verified_client

    close(world.case, world.regisseur, years_ago=12)  # due before today's real date
    retention_run()
    privacy = verified_client(world.privacy)
    listed = privacy.get("/api/v1/retention/?due=1").json()
    assert [r["case_number"] for r in listed] == [world.case.number]
    assert listed[0]["removal_on"] and not listed[0]["legal_hold"]
    assert verified_client(world.politie).get("/api/v1/retention/").status_code == 404
    hold = privacy.post(
        f"/api/v1/retention/{world.case.pk}/hold/",
        {"reason": "Klacht bij de Autoriteit Persoonsgegevens loopt."},
        content_type="application/json",
    )
    assert hold.status_code == 200 and hold.json()["legal_hold"] is True
    assert hold.json()["removal_on"] is None
    asked = verified_client(world.regisseur).post(
        f"/api/v1/retention/{world.case.pk}/extensions/",
        {"until": "2099-01-01", "reason": "Dossier nodig voor een lopende strafzaak."},
        content_type="application/json",
    )
    assert asked.status_code == 201, asked.content
    decided = privacy.post(
        f"/api/v1/retention/extensions/{asked.json()['id']}/decide/",
        {"approve": True},
        content_type="application/json",
    )
    assert decided.json()["status"] == "goedgekeurd"
    assert (
        verified_client(world.regisseur)
        .delete(f"/api/v1/retention/{world.case.pk}/hold/")
        .json()["legal_hold"]
        is False
    )


@override_settings(CASE_RETENTION_MONTHS=60)
def test_the_retention_page_lists_holds_and_decides(world: World) -> None:
    from django.urls import reverse

    from tests.conftest import verified_client

    close(world.case, world.regisseur, years_ago=12)
    retention_run()
    url = reverse("consent:retention")
    assert verified_client(world.politie).get(url).status_code == 404
    privacy, regisseur = verified_client(world.privacy), verified_client(world.regisseur)
    page = privacy.get(url).content.decode()
    assert world.case.number in page and "aangekondigd" in page
    assert "Haidari" not in page
    privacy.post(url, {"what": "hold", "case": world.case.pk, "reason": "Klacht loopt nog."})
    assert Retention.objects.get(case=world.case).legal_hold
    bad = regisseur.post(
        url, {"what": "extend", "case": world.case.pk, "until": "2099-02-30", "reason": "x"},
        follow=True,
    )  # fmt: skip
    assert "Geef de datum tot wanneer bewaard moet worden." in bad.content.decode()
    regisseur.post(
        url,
        {"what": "extend", "case": world.case.pk, "until": "2099-01-01",
         "reason": "Dossier nodig voor een lopende strafzaak tegen de zoon."},
    )  # fmt: skip
    extension = world.case.retention_extensions.get()
    assert "Dossier nodig" in privacy.get(url).content.decode()
    privacy.post(url, {"what": "approve", "extension": str(extension.pk)})
    extension.refresh_from_db()
    assert extension.status == "goedgekeurd"
