"""The access log is append-only and hash-chained: edits and deletions are refused by the
database, and if they happen anyway (trigger disabled), verification names the event."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.chain import GENESIS, verify
from audit.models import AccessEvent, ChainCheckpoint
from audit.services import record_access
from audit.tasks import verify_chain

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def write(n: int) -> list[AccessEvent]:
    return [
        record_access(action="view", object_type="caseroom.case", object_id=i, person_ids=[f"p{i}"])
        for i in range(n)
    ]


def test_events_form_one_chain(bob: object) -> None:
    events = write(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    result = verify()
    assert result.ok and result.checked == 5 and result.head_seq == 5


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_accessevent SET purpose = 'x'", "DELETE FROM audit_accessevent"]
)
def test_the_database_refuses_updates_and_deletes(statement: str) -> None:
    write(2)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AccessEvent.objects.count() == 2


def without_trigger(sql: str, params: list[object]) -> None:
    """What an attacker with database rights could do: switch the guard off and edit."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_accessevent DISABLE TRIGGER audit_accessevent_append_only"
            )
            cursor.execute(sql, params)
            cursor.execute(
                "ALTER TABLE audit_accessevent ENABLE TRIGGER audit_accessevent_append_only"
            )
        else:
            cursor.execute("DROP TRIGGER audit_accessevent_no_update")
            cursor.execute("DROP TRIGGER audit_accessevent_no_delete")
            cursor.execute(sql, params)


def test_an_altered_event_is_named_exactly() -> None:
    events = write(6)
    target = events[3]
    without_trigger(
        "UPDATE audit_accessevent SET actor_username = %s WHERE id = %s", ["iemand", target.pk]
    )
    result = verify()
    assert not result.ok
    assert (result.broken_seq, result.broken_id) == (target.seq, target.pk)
    assert result.reason == "de inhoud is gewijzigd"
    with pytest.raises(CommandError, match=f"gebeurtenis {target.seq} \\(id {target.pk}\\)"):
        call_command("audit_verify", "--no-progress", stdout=StringIO())


def test_a_deleted_event_breaks_the_chain_at_the_gap() -> None:
    events = write(5)
    without_trigger("DELETE FROM audit_accessevent WHERE id = %s", [events[2].pk])
    result = verify()
    assert result.broken_seq == events[3].seq
    assert result.reason == f"gebeurtenis {events[2].seq} ontbreekt"


def test_a_rehashed_event_without_the_key_is_detected() -> None:
    events = write(3)
    forged = "f" * 64
    without_trigger("UPDATE audit_accessevent SET hash = %s WHERE id = %s", [forged, events[1].pk])
    result = verify()
    assert result.broken_seq == events[1].seq


def test_verification_records_a_checkpoint_and_continues_from_it() -> None:
    write(4)
    out = StringIO()
    call_command("audit_verify", "--no-progress", stdout=out)
    assert "4 gebeurtenissen" in out.getvalue()
    assert ChainCheckpoint.objects.get().seq == 4
    write(2)
    assert verify().checked == 2  # only what came after the checkpoint
    assert verify(from_checkpoint=False).checked == 6


def test_the_nightly_task_verifies_and_is_safe_to_run_twice() -> None:
    write(3)
    assert verify_chain() == {"ok": True, "checked": 3, "head": 3, "broken": None}
    assert verify_chain() == {"ok": True, "checked": 0, "head": 3, "broken": None}


# Skipped before the database is set up: a transactional test's flush deletes rows, which
# the append-only triggers refuse on SQLite (PostgreSQL truncates).
on_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="needs PostgreSQL"
)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_unbroken_chain() -> None:
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    script = (
        "from audit.services import record_access\n"
        "for i in range(40):\n"
        "    record_access(action='view', object_type='caseroom.case', object_id=i)\n"
    )
    env = {**os.environ, "DATABASE_URL": url}
    workers = [
        subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", script], cwd=ROOT, env=env
        )
        for _ in range(4)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0, 0]
    assert AccessEvent.objects.count() == 160
    result = verify(from_checkpoint=False)
    assert result.ok and result.checked == 160
    assert list(AccessEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 161)
    )


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_parallel_verification_checks_every_link(monkeypatch: pytest.MonkeyPatch) -> None:
    from audit import chain

    monkeypatch.setattr(chain, "PARALLEL_FROM", 10)
    events = write(61)
    result = verify(from_checkpoint=False, workers=3)
    assert result.ok and result.checked == 61 and result.head_seq == 61
    # An edit in the second part, then a deletion at a part boundary: each is named.
    without_trigger("UPDATE audit_accessevent SET purpose = %s WHERE id = %s", ["x", events[30].pk])
    broken = verify(from_checkpoint=False, workers=3)
    assert (broken.broken_seq, broken.reason) == (31, "de inhoud is gewijzigd")
    without_trigger("DELETE FROM audit_accessevent WHERE id = %s", [events[20].pk])
    gap = verify(from_checkpoint=False, workers=3)
    assert (gap.broken_seq, gap.reason) == (21, "gebeurtenis 21 ontbreekt")


def test_retention_purges_old_events_and_the_rest_still_verifies() -> None:
    from datetime import timedelta

    from django.utils import timezone
    from freezegun import freeze_time

    from audit.chain import purge
    from audit.models import PurgeAnchor
    from audit.tasks import purge_expired

    with freeze_time(timezone.now() - timedelta(days=6 * 365)):
        old = write(4)
    recent = write(3)
    anchor = purge(before=timezone.now() - timedelta(days=5 * 365))
    assert anchor is not None and (anchor.seq, anchor.purged_count) == (old[-1].seq, 4)
    assert list(AccessEvent.objects.order_by("seq").values_list("seq", flat=True)) == [
        e.seq for e in recent
    ]
    whole = verify(from_checkpoint=False)
    assert whole.ok and whole.checked == 3
    assert purge_expired() == 0  # nothing older left: safe to run twice
    assert PurgeAnchor.objects.count() == 1
    # The guard is back after the purge, and tampering is still found.
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_accessevent")
    without_trigger("UPDATE audit_accessevent SET purpose = %s WHERE id = %s", ["x", recent[1].pk])
    assert verify(from_checkpoint=False).broken_seq == recent[1].seq


def test_retention_refuses_a_broken_chain() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from audit.chain import purge

    events = write(3)
    without_trigger("UPDATE audit_accessevent SET purpose = %s WHERE id = %s", ["x", events[0].pk])
    with pytest.raises(ValueError, match="keten gebroken"):
        purge(before=timezone.now() + timedelta(days=1))
    assert AccessEvent.objects.count() == 3
