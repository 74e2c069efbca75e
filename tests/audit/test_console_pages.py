"""The privacy officer's console as pages: charts, who saw what (BSN never in a URL), the
review queue with the break-the-glass reason, and the monthly report per house."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AccessEvent, ReviewItem
from audit.review import detect
from audit.services import record_access
from tests.caseroom.conftest import World, make_org, make_user
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

PAGES = ["audit:dashboard", "audit:events", "audit:reviews", "audit:report"]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_console_pages_exist_only_for_the_privacy_officer(world: World) -> None:
    for name in PAGES:
        assert verified_client(world.privacy).get(reverse(name)).status_code == 200
        for user in (world.politie, world.regisseur):
            assert verified_client(user).get(reverse(name)).status_code == 404


@override_settings(AUDIT_ANOMALY_RULES=["break_glass"])  # not the clock's off-hours rule
def test_the_dashboard_charts_access_per_organisation_and_anomalies_per_week(
    world: World,
) -> None:
    for _ in range(3):
        verified_client(world.politie).get(f"/api/v1/cases/{world.case.pk}/")
    record_access(action="break_glass", object_type="caseroom.case", object_id=1, user=world.ggz)
    detect()
    before = AccessEvent.objects.count()
    page = verified_client(world.privacy).get(reverse("audit:dashboard")).content.decode()
    assert "Politie Oost" in page and "<svg" in page
    assert "Doorbraak (break-the-glass)" in page  # the weekly chart's legend
    assert "Er staat 1 item open in de beoordelingswachtrij." in page
    # Metadata only, and the look itself is logged.
    assert "Haidari" not in page and "overlast" not in page
    assert AccessEvent.objects.count() == before + 1
    bad = verified_client(world.privacy).get(
        reverse("audit:dashboard") + "?start=2026-02-01&end=2026-01-01"
    )
    assert "De einddatum ligt vóór de begindatum." in bad.content.decode()


def test_who_saw_this_person_by_bsn_without_the_bsn_in_any_url(world: World) -> None:
    verified_client(world.politie).get(f"/api/v1/cases/{world.case.pk}/")
    client = verified_client(world.privacy)
    response = client.post(reverse("audit:events"), {"person": "111 222 333"})
    assert response.status_code == 302
    assert "111222333" not in response["Location"] and "111+222" not in response["Location"]
    assert f"person={world.person.pk}" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "politie" in page and "Politie Oost" in page
    assert "Exporteren als PDF" in page
    search = AccessEvent.objects.filter(actor_id=world.privacy.pk).latest("seq")
    assert search.person_ids == [str(world.person.pk)]
    assert "111222333" not in str(list(AccessEvent.objects.values()))
    # An unknown BSN: a clear message, no results, nothing in the URL.
    unknown = client.post(reverse("audit:events"), {"person": "123456782"})
    assert unknown.status_code == 200
    assert "Geen betrokkene gevonden" in unknown.content.decode()
    # A BSN typed into the URL is not searched.
    typed = client.get(reverse("audit:events") + "?person=111222333").content.decode()
    assert "Zoek een betrokkene met het zoekformulier." in typed


def test_the_events_pdf_carries_the_selection_and_is_logged(world: World) -> None:
    verified_client(world.politie).get(f"/api/v1/cases/{world.case.pk}/")
    client = verified_client(world.privacy)
    response = client.get(f"/api/v1/audit/events/export/pdf/?user={world.politie.pk}")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "politie" in text and "caseroom.case" in text and "Haidari" not in text
    export = AccessEvent.objects.filter(actor_id=world.privacy.pk).latest("seq")
    assert (export.action, export.object_type) == ("export", "audit.accessevent")


def test_a_break_the_glass_item_shows_the_reason_and_is_decided_on_the_page(
    world: World,
) -> None:
    verified_client(world.outsider).post(
        "/api/v1/break-glass/",
        {"case_number": world.case.number, "reason": "Acute dreiging; wijkagent onbereikbaar."},
        content_type="application/json",
    )
    item = ReviewItem.objects.get(rule="break_glass")
    client = verified_client(world.privacy)
    url = reverse("audit:review_detail", args=[item.pk])
    page = client.get(url).content.decode()
    assert "Acute dreiging; wijkagent onbereikbaar." in page and world.case.number in page
    # The reason may speak of the case's persons: reading it names them in the log.
    read = AccessEvent.objects.filter(
        actor_id=world.privacy.pk, object_type="caseroom.breakglassaccess"
    ).get()
    assert str(world.person.pk) in read.person_ids
    refused = client.post(url, {"status": "gegrond", "findings": ""})
    assert "Leg de bevindingen vast bij het afronden." in refused.content.decode()
    done = client.post(url, {"status": "ongegrond", "findings": "Terecht, besproken met TL."})
    assert done.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.reviewed_by) == ("ongegrond", world.privacy)
    detail = f'href="{url}"'
    assert detail not in client.get(reverse("audit:reviews")).content.decode()  # closed
    assert detail in client.get(reverse("audit:reviews") + "?status=alle").content.decode()


def test_the_monthly_report_counts_one_house(world: World) -> None:
    verified_client(world.politie).get(f"/api/v1/cases/{world.case.pk}/")
    elsewhere = make_user("elders", make_org("Stichting Elders", "wijkteam"))
    record_access(action="view", object_type="caseroom.case", object_id=999999, user=elsewhere)
    month = timezone.localdate().strftime("%Y-%m")
    client = verified_client(world.privacy)
    response = client.get(
        reverse("audit:report"), {"house": world.house.organisation_id, "month": month}
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "ZVH Rivierenland" in text and "Politie Oost" in text
    assert "Stichting Elders" not in text and "Haidari" not in text
    assert "onbroken" in text
    printed = AccessEvent.objects.filter(actor_id=world.privacy.pk).latest("seq")
    assert (printed.action, printed.object_type) == ("print", "audit.report")
    future = client.get(
        reverse("audit:report"), {"house": world.house.organisation_id, "month": "2999-01"}
    )
    assert "Deze maand is nog niet begonnen." in future.content.decode()
    wrong = client.get(
        reverse("audit:report"), {"house": world.house.organisation_id, "month": "januari"}
    )
    assert "Geef een maand als JJJJ-MM." in wrong.content.decode()


def test_the_list_shows_the_events_that_existed_before_this_look(world: World) -> None:
    verified_client(world.politie).get(f"/api/v1/cases/{world.case.pk}/")
    existing = AccessEvent.objects.count()
    page = verified_client(world.privacy).get(reverse("audit:events")).content.decode()
    body = page.split('<tbody class="utrecht-table__body">')[1].split("</tbody>")[0]
    assert f"{existing} gebeurtenis" in page
    assert body.count('<tr class="utrecht-table__row">') == existing
    assert "caseroom.case" in body  # the politie read is not pushed out by this search
