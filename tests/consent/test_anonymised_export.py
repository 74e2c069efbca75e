"""The anonymised export: no direct identifiers or free text, small groups suppressed."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from audit.models import AccessEvent
from tests.caseroom.conftest import World
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


@override_settings(EXPORT_MIN_GROUP=2)
def test_the_export_has_no_identifiers_and_suppresses_small_groups(world: World) -> None:
    url = f"/api/v1/exports/anonymised/?house={world.house.organisation_id}"
    response = verified_client(world.regisseur).get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    text = json.dumps(body, ensure_ascii=False)
    for identifier in (
        "Haidari", "Farid", "111222333", "1968", "Kanaalweg", "De Wit", world.case.number,
        world.other_case.number, "Drie meldingen", "Vechtpartij",
    ):  # fmt: skip
        assert identifier not in text, identifier
    assert len(body["cases"]) == 2
    record = next(c for c in body["cases"] if c["contributions_by_category"])
    assert record["contributions_by_category"] == {
        "justitie": 1,
        "politie": 1,
        "wonen": 1,
        "zorg": 1,
    }
    assert record["age_bands"] == {"50-59": 1}
    # Two target groups with one case each: below the minimum, so suppressed.
    assert body["statistics"]["cases_by_target_group"] == {
        "multiprobleem": "<2", "verward-gedrag": "<2"
    }  # fmt: skip
    assert {c["target_group"] for c in body["cases"]} == {None}
    # Both cases share their status: a group of two is shown.
    assert world.case.status == world.other_case.status
    assert body["statistics"]["cases_by_status"] == {world.case.status: 2}
    event = AccessEvent.objects.filter(actor_id=world.regisseur.pk).latest("seq")
    assert (event.action, event.object_type, event.person_ids) == (
        "export", "consent.anonymisedexport", []
    )  # fmt: skip


def test_only_the_house_the_bestuurder_and_the_privacy_officer_export(world: World) -> None:
    url = f"/api/v1/exports/anonymised/?house={world.house.organisation_id}"
    assert verified_client(world.politie).get(url).status_code == 404
    assert verified_client(world.privacy).get(url).status_code == 200
    bad = verified_client(world.privacy).get(url + "&from=2026-13-01")
    assert bad.status_code == 400
