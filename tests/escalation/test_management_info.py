"""Management information: anonymised counts with small groups suppressed, lead times only
for enough cases, a CSV download and a saved interpretation."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import override_settings
from django.urls import reverse

from caseroom import services
from escalation.models import PeriodInterpretation
from partners.roles import Role
from tests.caseroom.conftest import World, make_org, make_user
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


@override_settings(EXPORT_MIN_GROUP=2)
def test_figures_are_anonymised_and_interpreted(world: World) -> None:
    services.case_set_status(case=world.case, status="in_behandeling", by=world.regisseur)
    services.case_set_status(case=world.case, status="monitoring", by=world.regisseur)
    mayor = make_user("burgemeester", make_org("Gemeente Rivierstad", "gemeente"), Role.BESTUURDER)
    url = reverse("escalation:management_information")
    assert verified_client(world.politie).get(url).status_code == 404
    client = verified_client(mayor)
    page = client.get(url).content.decode()
    assert "Multiprobleem" in page or "multiprobleem" in page.lower()
    for secret in ("Haidari", world.case.number, "Drie meldingen"):
        assert secret not in page
    # One case per target group and phase: below the minimum of two, so suppressed.
    assert "&lt;2" in page
    # Lead times need at least two cases in the phase.
    assert "&lt;2 casussen" in page
    download = client.get(url + "?csv=1")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["onderdeel", "groep", "waarde"]
    assert any(r[0] == "casussen per doelgroep en fase" and r[2] == "<2" for r in rows)
    house = world.house
    saved = client.post(
        url, {"huis": house.pk, "van": "2026-01-01", "tot": "2026-12-31",
              "duiding": "Weinig casussen; de aanpak van verward gedrag loopt nog."},
    )  # fmt: skip
    assert saved.status_code == 302
    assert PeriodInterpretation.objects.get(house=house).author == mayor
    again = client.get(url + f"?huis={house.pk}&van=2026-01-01&tot=2026-12-31").content.decode()
    assert "Weinig casussen" in again
    # The procesregisseur sees the own house.
    assert verified_client(world.regisseur).get(url).status_code == 200
