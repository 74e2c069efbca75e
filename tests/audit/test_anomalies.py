"""Each anomaly rule fires on a constructed case and stays quiet in normal use."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.test import override_settings
from django.utils import timezone
from freezegun import freeze_time

from audit.anomalies import find_anomalies
from audit.services import record_access
from partners.models import User
from tests.caseroom.conftest import World
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
TUESDAY_10 = datetime.datetime(2026, 11, 17, 10, 15, tzinfo=AMSTERDAM)
TUESDAY_23 = datetime.datetime(2026, 11, 17, 23, 5, tzinfo=AMSTERDAM)
HOUR = datetime.timedelta(hours=1)
SATURDAY_11 = datetime.datetime(2026, 11, 21, 11, 0, tzinfo=AMSTERDAM)


def rules(start: datetime.datetime) -> list[str]:
    anomalies = find_anomalies(
        start=start - datetime.timedelta(hours=1), end=start + datetime.timedelta(days=1)
    )
    return [a.rule for a in anomalies]


def read(user: User, persons: list[str], action: str = "view") -> None:
    record_access(
        action=action, object_type="persons.person", object_id=1, person_ids=persons, user=user
    )


def test_normal_office_work_raises_nothing(bob: User) -> None:
    with freeze_time(TUESDAY_10):
        for i in range(10):
            read(bob, [f"persoon-{i}"])
    assert rules(TUESDAY_10) == []


def test_break_the_glass_is_flagged(bob: User) -> None:
    with freeze_time(TUESDAY_10):
        read(bob, ["p"], action="break_glass")
    assert rules(TUESDAY_10) == ["break_glass"]


@pytest.mark.parametrize("moment", [TUESDAY_23, SATURDAY_11])
def test_access_at_night_or_in_the_weekend_is_flagged(bob: User, moment: datetime.datetime) -> None:
    with freeze_time(moment):
        read(bob, ["p"])
    assert rules(moment) == ["off_hours"]


@override_settings(AUDIT_BULK_PERSONS_PER_HOUR=5)
def test_reading_many_persons_within_an_hour_is_flagged(bob: User, charlie: User) -> None:
    with freeze_time(TUESDAY_10):
        read(bob, [f"p{i}" for i in range(6)])
        read(charlie, [f"p{i}" for i in range(5)])  # at the limit: fine
    found = find_anomalies(
        start=TUESDAY_10 - datetime.timedelta(hours=1), end=TUESDAY_10 + datetime.timedelta(hours=2)
    )
    assert [(a.rule, a.actor_username) for a in found] == [("bulk", "bob")]
    assert "6 personen" in found[0].detail


def test_the_console_lists_anomalies_and_logs_its_use(bob: User, make_user: object) -> None:
    from partners.roles import Role

    privacy = make_user(Role.PRIVACYFUNCTIONARIS, username="fg")  # type: ignore[operator]
    with freeze_time(TUESDAY_23):
        read(bob, ["p"])
    url = "/api/v1/audit/anomalies/?from=2026-11-17&to=2026-11-17"
    body = verified_client(privacy).get(url).json()
    assert [(a["rule"], a["actor_username"]) for a in body] == [("off_hours", "bob")]
    assert verified_client(bob).get(url).status_code == 404


def test_a_case_read_outside_any_participation_is_flagged(world: World) -> None:
    # Normal use: the participants read the case.
    verified_client(world.politie).get(f"/api/v1/cases/{world.case.pk}/")
    now = timezone.now()
    assert "outside_participation" not in rules(now)
    # An event for an organisation that never took part (as if a grant had been forged).
    record_access(
        action="view", object_type="caseroom.case", object_id=world.case.pk, user=world.outsider
    )
    found = find_anomalies(start=now - HOUR, end=now + HOUR)
    assert [(a.rule, a.actor_username) for a in found if a.rule == "outside_participation"] == [
        ("outside_participation", "buiten")
    ]
    # Break-the-glass is its own rule, not this one.
    verified_client(world.veilig_thuis).post(
        "/api/v1/break-glass/",
        {"case_number": world.other_case.number, "reason": "Acute dreiging; nu nodig voor VT."},
        content_type="application/json",
    )
    verified_client(world.veilig_thuis).get(f"/api/v1/cases/{world.other_case.pk}/")
    later = [(a.rule, a.actor_username) for a in find_anomalies(start=now - HOUR, end=now + HOUR)]
    assert ("break_glass", "vt") in later and ("outside_participation", "vt") not in later


def test_access_to_a_protected_person_is_flagged(world: World) -> None:
    from persons.services import person_update

    now = timezone.now()
    other = world.other_case.case_persons.get().person  # no secret address
    verified_client(world.regisseur).get(f"/api/v1/persons/{other.pk}/")
    assert "protected_person" not in rules(now)
    person_update(person=other, is_protected=True)
    verified_client(world.regisseur).get(f"/api/v1/persons/{other.pk}/")
    found = [
        a for a in find_anomalies(start=now - HOUR, end=now + HOUR) if a.rule == "protected_person"
    ]
    assert {a.actor_username for a in found} == {"regisseur"}
    # A person with a secret address is protected as such.
    verified_client(world.politie).get(f"/api/v1/persons/{world.person.pk}/")
    flagged = {a.actor_username for a in find_anomalies(start=now - HOUR, end=now + HOUR)}
    assert "politie" in flagged
