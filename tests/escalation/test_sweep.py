"""The stall sweep: finds what stands still once, follows up owner → procesregisseur →
proposal, resolves what moves again, and a second run (also in a real worker) adds nothing."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time

from caseroom import services
from caseroom.models import Action, Case
from escalation.models import Stall
from escalation.sweep import sweep
from tests.caseroom.conftest import World
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def action(world: World, days: int, owner: object = None) -> Action:
    user = owner or world.politie
    return services.action_create(
        case=world.case,
        by=world.regisseur,
        description="Huisbezoek afleggen",
        owner_organisation=user.organisation,  # type: ignore[attr-defined]
        due_date=timezone.localdate() + datetime.timedelta(days=days),
    )


def kinds() -> list[tuple[str, object]]:
    return sorted(
        Stall.objects.filter(resolved_at__isnull=True).values_list("kind", "case_id"),
        key=str,
    )


def test_the_sweep_finds_each_stall_once_and_resolves_what_moves(world: World) -> None:
    late = action(world, -10)
    action(world, -1)  # within the grace period
    refused = action(world, 5, owner=world.woning)
    services.action_set_status(
        action=refused, by=world.woning, status="geweigerd", note="Geen woning beschikbaar.",
        obstacle="onmacht",
    )  # fmt: skip
    Case.objects.filter(pk=world.other_case.pk).update(
        opened_at=timezone.now() - datetime.timedelta(days=30)
    )
    first = sweep()
    assert first.found["overdue"] == 1 and first.found["refused"] == 1
    assert first.found["no_lead"] == 1  # the other case, a month without lead organisation
    assert {(s.kind, s.action_id) for s in Stall.objects.filter(action__isnull=False)} == {
        ("overdue", late.pk),
        ("refused", refused.pk),
    }
    second = sweep()
    assert second.new == 0 and second.owner_reminders == [] and second.resolved == 0
    # The late action is done: its stall is resolved, and comes back if it stalls again.
    services.action_set_status(action=late, by=world.politie, status="afgerond")
    assert sweep().resolved == 1
    assert not Stall.objects.filter(action=late, resolved_at__isnull=True).exists()


def test_follow_up_goes_owner_then_procesregisseur_then_proposal(world: World) -> None:
    from escalation.tasks import sweep_stalls

    action(world, -10)
    now = timezone.now()
    with freeze_time(now):
        counts = sweep_stalls()
    assert counts["owner_reminders"] == 1 and counts["regisseur_reminders"] == 0
    assert [m.subject for m in mail.outbox] == ["Afspraken staan stil"]
    assert world.case.number in mail.outbox[0].body and "Haidari" not in mail.outbox[0].body
    with freeze_time(now + datetime.timedelta(days=settings.STALL_STEP_DAYS, hours=1)):
        counts = sweep_stalls()
    assert counts["regisseur_reminders"] == 1 and counts["proposals"] == 0
    assert mail.outbox[-1].subject == "Casussen staan stil"
    with freeze_time(now + datetime.timedelta(days=2 * settings.STALL_STEP_DAYS, hours=2)):
        counts = sweep_stalls()
        again = sweep_stalls()
    assert counts["proposals"] == 1
    assert again == {key: 0 for key in again}
    listed = verified_client(world.regisseur).get("/api/v1/stalls/").json()
    assert any(s["proposed"] and s["case"] == world.case.number for s in listed)


def test_a_withdrawal_that_leaves_a_category_uncovered_is_a_stall(world: World) -> None:
    services.participation_withdraw(
        participation=world.participations["woning"],
        reason="Personeel is bang.",
        by=world.regisseur,
    )
    result = sweep()
    assert result.found["uncovered"] == 1
    assert Stall.objects.get(kind="uncovered").case_id == world.case.pk


def test_each_withdrawal_is_checked_once_and_a_covered_category_is_no_stall(
    world: World,
) -> None:
    from caseroom.models import Participation

    politie = services.participation_withdraw(
        participation=world.participations["politie"], reason="Zaak overgedragen.",
        by=world.regisseur,
    )  # fmt: skip
    first = sweep()
    assert first.found["uncovered"] == 1  # the house holding justitie does not count as cover
    politie.refresh_from_db()
    assert politie.coverage_checked_at is not None
    Stall.objects.filter(kind="uncovered").update(resolved_at=timezone.now())
    assert sweep().found["uncovered"] == 0  # checked withdrawals are not read again

    services.participation_withdraw(
        participation=world.participations["vt"], reason="Geen rol meer.", by=world.regisseur
    )
    assert sweep().found["uncovered"] == 1  # jeugd is held by nobody else either
    assert not Participation.objects.filter(
        withdrawn_at__isnull=False, coverage_checked_at__isnull=True
    ).exists()


def test_cover_taken_away_later_or_a_reopened_case_is_checked_again(world: World) -> None:
    from partners.services import organisation_create

    other = organisation_create(name="Woonstichting Betuwe", kind_code="woningcorporatie")
    wonen = services.categories_by_code(["basis", "wonen"])
    second = services.participation_add(
        case=world.case, organisation=other, categories=wonen, by=world.regisseur
    )
    services.participation_withdraw(
        participation=world.participations["woning"], reason="Dossier gesloten.",
        by=world.regisseur,
    )  # fmt: skip
    assert sweep().found["uncovered"] == 0  # Woonstichting Betuwe still holds wonen
    services.participation_set_categories(
        participation=second, categories=services.categories_by_code(["basis"]),
        by=world.regisseur,
    )  # fmt: skip
    assert sweep().found["uncovered"] == 1  # the cover is gone: checked again

    Stall.objects.filter(kind="uncovered").update(resolved_at=timezone.now())
    services.case_set_status(
        case=world.case, status="afgesloten", closure_reason="doel_bereikt", by=world.regisseur
    )
    assert sweep().found["uncovered"] == 0
    services.case_set_status(case=world.case, status="in_behandeling", by=world.regisseur)
    assert sweep().found["uncovered"] == 1  # reopened: the gap is found again


def test_a_withdrawal_whose_categories_another_partner_holds_is_no_stall(world: World) -> None:
    from partners.services import organisation_create

    other = organisation_create(name="Woonstichting Betuwe", kind_code="woningcorporatie")
    wonen = services.categories_by_code(["basis", "wonen"])
    services.participation_add(
        case=world.case, organisation=other, categories=wonen, by=world.regisseur
    )
    services.participation_withdraw(
        participation=world.participations["woning"], reason="Dossier gesloten.",
        by=world.regisseur,
    )  # fmt: skip
    assert sweep().found["uncovered"] == 0
    assert not Stall.objects.filter(kind="uncovered").exists()


on_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="needs PostgreSQL"
)


@on_postgresql
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sweeps_and_a_second_run_creates_nothing_new(world: World) -> None:
    from escalation.tasks import sweep_stalls

    action(world, -10)
    action(world, -20, owner=world.woning)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(  # noqa: S603 - our own worker with fixed arguments
        [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
            "--queues", queue, "--hostname", f"{queue}@%h", "--without-gossip",
            "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        first = sweep_stalls.apply_async(queue=queue).get(timeout=90)
        second = sweep_stalls.apply_async(queue=queue).get(timeout=90)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    assert first["new"] >= 2 and first["owner_reminders"] == 2
    assert second["new"] == 0 and second["owner_reminders"] == 0
    assert Stall.objects.filter(kind="overdue", resolved_at__isnull=True).count() == 2
