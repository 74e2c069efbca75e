"""A case's life: numbers that stay apart across houses, the house that keeps its own case,
the moves between statuses, and a timeline in true order."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from audit import triggers
from caseroom import services
from caseroom.models import Case, CaseEvent, House
from core.exceptions import ServiceError
from partners.models import User
from partners.services import organisation_create
from persons.services import person_create
from tests.caseroom.conftest import World, make_org, make_user, open_case
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def second_house(name: str, case_prefix: str = "") -> tuple[House, User]:
    zvh = make_org(name, "zvh")
    house = services.house_create(name=name, organisation=zvh, case_prefix=case_prefix)
    return house, make_user(f"regisseur-{house.pk}", zvh, "procesregisseur")


_births = itertools.count(1)


def a_case(house: House, regisseur: User, referrer: User) -> Case:
    born = datetime.date(1980, 1, 1) + datetime.timedelta(days=next(_births))
    person = person_create(surname="Bakker", birth_date=born)
    return open_case(house=house, regisseur=regisseur, referrer=referrer, persons=[person])


# --- case numbers across houses -------------------------------------------------------------


def test_houses_created_without_a_prefix_number_their_cases_apart(world: World) -> None:
    house, regisseur = second_house("ZVH Zeeland")
    assert (world.house.case_prefix, house.case_prefix) == ("ZVH", "ZVH2")
    ours = a_case(world.house, world.regisseur, world.politie)
    theirs = a_case(house, regisseur, world.politie)
    year = timezone.localdate().year
    assert (ours.number, theirs.number) == (f"ZVH-{year}-0003", f"ZVH2-{year}-0001")


def test_a_prefix_another_house_uses_is_refused_in_dutch(world: World) -> None:
    zvh = make_org("ZVH Zeeland", "zvh")
    for taken in ("ZVH", " zvh "):
        with pytest.raises(ServiceError) as refused:
            services.house_create(name="ZVH Zeeland", organisation=zvh, case_prefix=taken)
        assert refused.value.field == "case_prefix"
        assert refused.value.message == (
            "Een ander Zorg- en Veiligheidshuis gebruikt dit voorvoegsel al; kies een ander "
            "voorvoegsel."
        )
    with pytest.raises(ServiceError) as refused:
        services.house_create(name="ZVH Zeeland", organisation=zvh, case_prefix="ZV-H")
    assert refused.value.message == "Gebruik alleen hoofdletters en cijfers."
    assert not House.objects.filter(organisation=zvh).exists()


def test_the_beheerder_is_offered_a_free_prefix_and_refused_a_taken_one(
    world: World, beheerder: User
) -> None:
    client = verified_client(beheerder)
    form = client.get("/beheer/caseroom/house/add/").content.decode()
    assert 'value="ZVH2"' in form
    zvh = make_org("ZVH Zeeland", "zvh")
    body = {"name": "ZVH Zeeland", "organisation": zvh.pk, "case_prefix": "ZVH"}
    refused = client.post("/beheer/caseroom/house/add/", body)
    assert refused.status_code == 200
    assert "gebruikt dit voorvoegsel al" in refused.content.decode()
    assert not House.objects.filter(organisation=zvh).exists()
    added = client.post("/beheer/caseroom/house/add/", {**body, "case_prefix": "ZVH2"})
    assert added.status_code == 302
    assert House.objects.get(organisation=zvh).case_prefix == "ZVH2"


def test_a_number_issued_under_a_prefix_given_up_is_not_issued_again(world: World) -> None:
    house, regisseur = second_house("ZVH Zeeland", "ZLD")
    kept = a_case(house, regisseur, world.politie)
    house.case_prefix = "ZEELAND"  # the beheerder renames the prefix in the admin
    house.save(update_fields=["case_prefix"])
    newcomer, newcomer_regisseur = second_house("ZVH Zuid", "ZLD")
    year = timezone.localdate().year
    assert kept.number == f"ZLD-{year}-0001"
    assert a_case(newcomer, newcomer_regisseur, world.politie).number == f"ZLD-{year}-0002"


@pytest.fixture
def append_only_tables_emptied(transactional_db: None) -> Iterator[None]:
    """A transactional test ends with a flush, which the append-only triggers refuse on
    SQLite: empty those tables with the triggers lifted, then put the triggers back."""
    yield
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in ("audit_accessevent", "auditlog_logentry"):
            for statement in triggers.drop(table, "sqlite"):
                cursor.execute(statement)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            for statement in triggers.sqlite(table):
                cursor.execute(statement)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("append_only_tables_emptied")
def test_the_migration_gives_each_house_sharing_a_prefix_one_of_its_own() -> None:
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("caseroom")
    executor.migrate([("caseroom", "0014_withdrawal_coverage_check")])
    try:
        old_house = executor.loader.project_state(
            ("caseroom", "0014_withdrawal_coverage_check")
        ).apps.get_model("caseroom", "House")
        for name, prefix in [("A", "ZVH"), ("B", "ZVH"), ("C", "ZVH2"), ("D", "ZVN")]:
            organisation = organisation_create(name=f"ZVH {name}", kind_code="zvh")
            old_house.objects.create(
                name=f"ZVH {name}", organisation_id=organisation.pk, case_prefix=prefix
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    prefixes = dict(House.objects.values_list("name", "case_prefix"))
    assert prefixes == {"ZVH A": "ZVH", "ZVH B": "ZVH3", "ZVH C": "ZVH2", "ZVH D": "ZVN"}


# --- the house's own participation ----------------------------------------------------------


def test_the_house_cannot_withdraw_its_own_participation_and_keeps_the_case(world: World) -> None:
    own = world.case.participations.get(organisation=world.house.organisation)
    url = f"/api/v1/cases/{world.case.pk}/participants/{own.pk}/withdraw/"
    client = verified_client(world.regisseur)
    response = client.post(url, {"reason": "Per ongeluk."}, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "house_participation"
    assert "eigen deelname kan niet worden beëindigd" in error["message"]
    own.refresh_from_db()
    assert own.withdrawn_at is None
    assert client.get(f"/api/v1/cases/{world.case.pk}/").status_code == 200
    assert not world.case.events.filter(kind=CaseEvent.Kind.PARTICIPANT_WITHDRAWN).exists()


# --- status transitions ---------------------------------------------------------------------


def patch_case(user: User, case: Case, body: dict[str, Any]) -> Any:
    return verified_client(user).patch(
        f"/api/v1/cases/{case.pk}/", body, content_type="application/json"
    )


def test_a_case_moves_forward_back_from_monitoring_closes_and_reopens(world: World) -> None:
    steps = [
        {"status": "in_behandeling"},
        {"status": "monitoring"},
        {"status": "in_behandeling"},  # things went wrong again
        {"status": "monitoring"},
        {"status": "afgesloten", "closure_reason": "doel_bereikt"},
        {"status": "in_behandeling"},  # reopened
        {"status": "afgesloten", "closure_reason": "verhuisd"},
    ]
    for step in steps:
        response = patch_case(world.regisseur, world.case, step)
        assert response.status_code == 200, (step, response.content)
        assert response.json()["status"] == step["status"]
    registered = world.other_case
    closed = patch_case(
        world.regisseur, registered, {"status": "afgesloten", "closure_reason": "afgeschaald"}
    )
    assert closed.status_code == 200


REFUSED = [
    ([], "monitoring", "Een casus met status ‘aangemeld’ kan niet naar ‘monitoring’; wel naar: "
     "in behandeling, afgesloten."),
    (["in_behandeling"], "aangemeld", "Een casus met status ‘in behandeling’ kan niet naar "
     "‘aangemeld’; wel naar: monitoring, afgesloten."),
    (["in_behandeling", "monitoring"], "aangemeld", "Een casus met status ‘monitoring’ kan niet "
     "naar ‘aangemeld’; wel naar: in behandeling, afgesloten."),
    (["afgesloten"], "monitoring", "Een afgesloten casus kan alleen worden heropend: zet de "
     "status op ‘in behandeling’."),
    (["afgesloten"], "aangemeld", "Een afgesloten casus kan alleen worden heropend: zet de "
     "status op ‘in behandeling’."),
]  # fmt: skip


@pytest.mark.parametrize(("path", "target", "message"), REFUSED)
def test_a_move_outside_the_lifecycle_is_refused_and_changes_nothing(
    world: World, path: list[str], target: str, message: str
) -> None:
    for status in path:
        services.case_set_status(
            case=world.case, status=status, closure_reason="doel_bereikt", by=world.regisseur
        )
    before = Case.objects.values("status", "closure_reason", "closed_at").get(pk=world.case.pk)
    changes = world.case.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED).count()
    response = patch_case(
        world.regisseur, world.case, {"status": target, "closure_reason": "doel_bereikt"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("invalid_transition", message)
    assert error["fields"]["status"][0]["message"] == message
    after = Case.objects.values("status", "closure_reason", "closed_at").get(pk=world.case.pk)
    assert after == before
    assert world.case.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED).count() == changes


def test_a_refused_move_also_leaves_the_lead_organisation_as_it_was(world: World) -> None:
    response = patch_case(
        world.regisseur,
        world.case,
        {"lead_organisation": world.politie.organisation_id, "status": "monitoring"},
    )
    assert response.status_code == 400
    world.case.refresh_from_db()
    assert world.case.lead_organisation_id is None


def test_the_case_page_offers_only_the_possible_moves_and_shows_a_refusal(world: World) -> None:
    client = verified_client(world.regisseur)
    page = client.get(reverse("caseroom:case_detail", args=[world.case.pk])).content.decode()
    assert 'value="in_behandeling"' in page and 'value="monitoring"' not in page
    response = client.post(
        reverse("caseroom:case_status", args=[world.case.pk]), {"status-status": "monitoring"}
    )
    assert response.status_code == 200
    assert "kan niet naar ‘monitoring’" in response.content.decode()
    world.case.refresh_from_db()
    assert world.case.status == Case.Status.REGISTERED


# --- the timeline ---------------------------------------------------------------------------


def test_the_timeline_shows_the_referral_when_it_was_submitted(world: World) -> None:
    submitted_at = timezone.now() - datetime.timedelta(days=3)
    person = person_create(surname="Visser", birth_date=datetime.date(1991, 8, 9))
    with freeze_time(submitted_at):
        referral = services.referral_submit(
            by=world.ggz,
            house=world.house,
            persons=[person],
            reason="Zorgen over verwaarlozing.",
            goal="Samen een plan maken.",
            person_informed=True,
        )
    services.referral_triage(
        referral=referral,
        by=world.regisseur,
        decision="geaccepteerd",
        criteria={"criterion_safety": True},
        target_group=world.case.target_group,
    )
    referral.refresh_from_db()
    case = referral.case
    events = verified_client(world.regisseur).get(f"/api/v1/cases/{case.pk}/timeline/").json()
    assert [e["kind"] for e in events[:2]] == ["referral_submitted", "case_opened"]
    assert datetime.datetime.fromisoformat(events[0]["occurred_at"]) == submitted_at
    assert datetime.datetime.fromisoformat(events[1]["occurred_at"]) >= case.opened_at
