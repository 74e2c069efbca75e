"""The review queue: detection turns every anomaly into one item, the privacy officer closes
it with findings; the change log is append-only like the access events."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from freezegun import freeze_time

from audit.models import ReviewItem
from audit.review import decide, detect
from audit.services import record_access
from core.exceptions import ServiceError
from partners.models import User
from partners.roles import Role
from tests.caseroom.conftest import World

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
TUESDAY_23 = datetime.datetime(2026, 11, 17, 23, 5, tzinfo=AMSTERDAM)
WEDNESDAY_10 = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=AMSTERDAM)


def night_read(user: User, person: str = "p", moment: datetime.datetime = TUESDAY_23) -> None:
    with freeze_time(moment):
        record_access(
            action="view", object_type="persons.person", object_id=1, person_ids=[person], user=user
        )


def test_detection_makes_one_item_per_anomaly_and_is_safe_to_rerun(bob: User) -> None:
    night_read(bob)
    with freeze_time(WEDNESDAY_10):
        assert detect() == 1
        assert detect() == 0  # overlapping window: nothing twice
    item = ReviewItem.objects.get()
    assert (item.rule, item.actor_username, item.status) == ("off_hours", "bob", "open")
    assert item.event_seq is not None
    # A later anomaly is found by the next run, from the cursor on.
    with freeze_time(WEDNESDAY_10 + datetime.timedelta(hours=14)):  # 00:00 Thursday
        record_access(action="break_glass", object_type="caseroom.case", object_id=9, user=bob)
    with freeze_time(WEDNESDAY_10 + datetime.timedelta(hours=15)):
        assert detect() == 2  # break-the-glass, at night
    assert sorted(ReviewItem.objects.values_list("rule", flat=True)) == [
        "break_glass",
        "off_hours",
        "off_hours",
    ]


def test_a_rule_that_is_off_raises_no_items(bob: User) -> None:
    night_read(bob)
    with override_settings(AUDIT_ANOMALY_RULES=["bulk"]), freeze_time(WEDNESDAY_10):
        assert detect() == 0
    assert not ReviewItem.objects.exists()


def test_closing_needs_findings_and_nobody_reviews_their_own_access(
    bob: User, make_user: Callable[..., User]
) -> None:
    night_read(bob)
    with freeze_time(WEDNESDAY_10):
        detect()
    item = ReviewItem.objects.get()
    privacy = make_user(Role.PRIVACYFUNCTIONARIS, username="privacy2")
    with pytest.raises(ServiceError) as refused:
        decide(item=item, by=bob, status="gegrond", findings="x")
    assert refused.value.code == "permission_denied"
    with pytest.raises(ServiceError) as no_findings:
        decide(item=item, by=privacy, status="gegrond")
    assert no_findings.value.field == "findings"
    decide(item=item, by=privacy, status="in_onderzoek")
    done = decide(item=item, by=privacy, status="gegrond", findings="Geen reden gevonden.")
    assert (done.status, done.findings, done.reviewed_by) == (
        "gegrond",
        "Geen reden gevonden.",
        privacy,
    )
    # Findings are stored encrypted.
    with connection.cursor() as cursor:
        cursor.execute("SELECT findings FROM audit_reviewitem")
        assert "Geen reden" not in cursor.fetchone()[0]
    # An item about the privacy officer's own access goes to a colleague.
    night_read(privacy, moment=TUESDAY_23 + datetime.timedelta(days=1))
    with freeze_time(WEDNESDAY_10 + datetime.timedelta(days=1)):
        detect()
    own = ReviewItem.objects.get(actor_id=privacy.pk)
    with pytest.raises(ServiceError):
        decide(item=own, by=privacy, status="ongegrond", findings="Ik was het zelf.")


def test_the_review_api_filters_and_logs(world: World) -> None:
    from tests.conftest import verified_client

    night_read(world.politie, str(world.person.pk))
    with freeze_time(WEDNESDAY_10):
        detect()
    client = verified_client(world.privacy)
    body = client.get("/api/v1/audit/reviews/?rule=off_hours").json()
    assert [i["actor_username"] for i in body["results"]] == ["politie"]
    assert body["results"][0]["rule_label"] == "Toegang 's nachts of in het weekend"
    assert client.get("/api/v1/audit/reviews/?rule=bulk").json()["count"] == 0
    from audit.models import AccessEvent

    assert (
        AccessEvent.objects.filter(
            actor_id=world.privacy.pk, object_type="audit.reviewitem"
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    "statement",
    ["UPDATE auditlog_logentry SET changes_text = 'x'", "DELETE FROM auditlog_logentry"],
)
def test_the_change_log_is_append_only(world: World, statement: str) -> None:
    from auditlog.models import LogEntry

    assert LogEntry.objects.exists()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
