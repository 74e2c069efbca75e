"""Data-subject requests: one contact point, the legal clock, a task per joint controller, the
access report (everything about the person, nothing about the household beyond the
relation), and restriction and erasure where the law allows."""

from __future__ import annotations

import datetime
import io

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from caseroom import services
from consent import subject_requests
from consent.models import SubjectRequest, add_months
from core.exceptions import ServiceError
from persons.models import Person
from persons.services import person_create, person_relate
from tests.caseroom.conftest import World
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/subject-requests/"


def intake(user: object, bsn: str = "111222333", kind: str = "inzage") -> dict[str, str]:
    response = verified_client(user).post(  # type: ignore[arg-type]
        URL,
        {
            "kind": kind,
            "bsn": bsn,
            "description": "Betrokkene wil weten wat er over hem is vastgelegd.",
            "identity_checked": "paspoort getoond aan de balie",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_any_partner_takes_a_request_in_and_learns_nothing_about_the_person(world: World) -> None:
    known = intake(world.woning)
    unknown = intake(world.woning, bsn="123456782")
    assert set(known) == set(unknown) == {"id", "due_on"}
    request = SubjectRequest.objects.get(pk=known["id"])
    assert request.due_on == add_months(request.received_on, 1)  # the legal month
    # A task per joint controller: every organisation in the person's cases, and the house.
    controllers = {t.organisation.name for t in request.tasks.all()}
    assert controllers == {
        "ZVH Rivierenland", "Politie Oost", "GGZ Rivierenland", "Woonstichting De Kade",
        "Veilig Thuis",
    }  # fmt: skip
    officer = verified_client(world.privacy).get(URL).json()
    assert {r["id"]: r["person_known"] for r in officer} == {
        known["id"]: True,
        unknown["id"]: False,
    }
    mine = verified_client(world.woning).get(URL).json()
    assert {r["person_known"] for r in mine} == {None}
    bad = verified_client(world.woning).post(
        URL,
        {"kind": "inzage", "bsn": "123456789", "description": "x", "identity_checked": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "bsn" in bad.json()["error"]["fields"]


def test_a_request_past_its_term_without_extension_is_overdue(world: World) -> None:
    with freeze_time("2026-09-01"):
        late = intake(world.politie)
        extended = intake(world.politie, kind="correctie")
    subject_requests.request_extend(
        request=SubjectRequest.objects.get(pk=extended["id"]),
        months=2,
        reason="Vijf partners moeten hun dossiers nazoeken; dat kost meer tijd.",
        by=world.privacy,
    )
    with freeze_time("2026-10-15"):
        overdue = verified_client(world.privacy).get(URL + "?overdue=1").json()
    assert [r["id"] for r in overdue] == [late["id"]]
    with pytest.raises(ServiceError):
        subject_requests.request_extend(
            request=SubjectRequest.objects.get(pk=late["id"]),
            months=3,
            reason="Vijf partners moeten hun dossiers nazoeken; dat kost meer tijd.",
            by=world.privacy,
        )


def test_the_access_report_holds_the_person_and_only_the_relation_of_others(world: World) -> None:
    partner = person_create(
        surname="Haidari", given_names="Leila", birth_date=datetime.date(1971, 3, 9)
    )
    services.case_add_person(case=world.case, person=partner, role="gezinslid", by=world.regisseur)
    person_relate(person=world.person, related=partner, kind="partner")
    (politie,) = services.categories_by_code(["politie"])
    services.contribution_add(
        case=world.case, by=world.politie, category=politie,
        text="Leila meldt zelf geen geweld.", person=partner,
    )  # fmt: skip
    # The person in a second case too: the report spans cases.
    services.case_add_person(
        case=world.other_case, person=world.person, role="betrokkene", by=world.regisseur
    )
    verified_client(world.politie).get(f"/api/v1/cases/{world.case.pk}/")
    request = SubjectRequest.objects.get(pk=intake(world.ggz)["id"])
    response = verified_client(world.privacy).get(f"{URL}{request.pk}/report/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Farid" in text and "111222333" in text and "Kanaalweg 12" in text
    for number in (world.case.number, world.other_case.number):
        assert number in text
    for said in ("Drie meldingen overlast.", "Huurachterstand van vier maanden."):
        assert said in text
    assert "Politie Oost" in text and "CONCEPT" in text
    # The household member: her relation and name, nothing else.
    assert "Leila Haidari" in text
    assert "Leila meldt zelf geen geweld." not in text and "1971" not in text
    # Only the privacy officer downloads it; closing needs the release first.
    assert verified_client(world.ggz).get(f"{URL}{request.pk}/report/").status_code == 404
    with pytest.raises(ServiceError) as unreleased:
        subject_requests.request_close(
            request=request, status="afgehandeld", outcome="Rapport verstuurd.", by=world.privacy
        )
    assert unreleased.value.code == "report_not_released"
    subject_requests.report_release(request=request, by=world.privacy)
    subject_requests.request_close(
        request=request, status="afgehandeld", outcome="Rapport per post verstuurd.",
        by=world.privacy,
    )  # fmt: skip


def test_each_controller_completes_only_its_own_task(world: World) -> None:
    request = SubjectRequest.objects.get(pk=intake(world.woning)["id"])
    task = request.tasks.get(organisation=world.politie.organisation)
    url = f"{URL}{request.pk}/tasks/{task.pk}/done/"
    refused = verified_client(world.ggz).post(url, {"note": "x"}, content_type="application/json")
    assert refused.status_code == 404  # ggz sees the request, not politie's task
    done = verified_client(world.politie).post(
        url, {"note": "Geen aanvullende registraties."}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["done_at"]


def test_restriction_keeps_the_data_but_shares_it_no_more(world: World) -> None:
    url = f"/api/v1/cases/{world.case.pk}/contributions/"
    mine = str(world.contributions["politie"].pk)
    assert mine in {c["id"] for c in verified_client(world.regisseur).get(url).json()["results"]}
    request = SubjectRequest.objects.get(pk=intake(world.politie, kind="beperking")["id"])
    verified_client(world.privacy).post(f"{URL}{request.pk}/restrict/")
    assert Person.objects.get(pk=world.person.pk).processing_restricted
    house = {c["id"] for c in verified_client(world.regisseur).get(url).json()["results"]}
    author = {c["id"] for c in verified_client(world.politie).get(url).json()["results"]}
    assert mine not in house and mine in author


def test_erasure_waits_for_the_active_case_and_then_removes_the_person(world: World) -> None:
    request = SubjectRequest.objects.get(pk=intake(world.politie, kind="verwijdering")["id"])
    refused = verified_client(world.privacy).post(f"{URL}{request.pk}/erase/")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "active_case"
    services.case_set_status(
        case=world.case, status="afgesloten", closure_reason="doel_bereikt", by=world.regisseur
    )
    done = verified_client(world.privacy).post(f"{URL}{request.pk}/erase/")
    assert done.status_code == 200, done.content
    assert not Person.objects.filter(pk=world.person.pk).exists()
    assert not world.case.__class__.objects.filter(pk=world.case.pk).exists()  # only person
    assert world.other_case.__class__.objects.filter(pk=world.other_case.pk).exists()


def test_the_pages_take_requests_in_and_show_the_overdue_ones(world: World) -> None:
    from django.urls import reverse

    url = reverse("consent:subject_requests")
    partner = verified_client(world.woning)
    bad = partner.post(
        url, {"kind": "inzage", "bsn": "12", "identity_checked": "x", "description": "x"}
    )
    assert "Dit is geen geldig BSN." in bad.content.decode()
    with freeze_time("2026-09-01"):
        done = partner.post(
            url,
            {"kind": "inzage", "bsn": "111 222 333", "identity_checked": "paspoort",
             "description": "Inzage in alles wat over mij is vastgelegd."},
        )  # fmt: skip
    assert done.status_code == 302
    request = SubjectRequest.objects.get()
    assert "111222333" not in done["Location"]
    with freeze_time("2026-10-15"):
        listing = verified_client(world.privacy).get(url).content.decode()
    assert "termijn verstreken" in listing and "Woonstichting De Kade" in listing
    detail = reverse("consent:subject_request_detail", args=[request.pk])
    assert verified_client(world.woning).get(detail).status_code == 404
    page = verified_client(world.privacy).get(detail).content.decode()
    assert "Inzagerapport (concept) bekijken" in page and "Politie Oost" in page
    verified_client(world.privacy).post(detail, {"step": "release"})
    verified_client(world.privacy).post(
        detail, {"step": "afgehandeld", "outcome": "Rapport per post verstuurd."}
    )
    request.refresh_from_db()
    assert request.status == "afgehandeld" and request.report_released_at
