"""The tamper-evident chain of access events.

Each event carries ``hash = HMAC(AUDIT_KEY, prev_hash | canonical content)``; the key lives
outside the database, so editing or deleting an event breaks the chain at that event.
Appends are serialised (an advisory lock on PostgreSQL, IMMEDIATE transactions on SQLite),
so concurrent writers always leave one unbroken chain.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction

from audit.models import AccessEvent, ChainCheckpoint
from core.crypto import decode_key

GENESIS = "0" * 64
# Arbitrary, fixed: the advisory lock that serialises appends on PostgreSQL.
APPEND_LOCK = 7_513_815


@lru_cache(maxsize=4)
def _key(spec: str) -> bytes:
    return decode_key(spec, name="AUDIT_KEY")


def canonical(event: AccessEvent) -> bytes:
    """The event's content as hashed: every field but the chain fields, in a fixed form."""
    occurred = event.occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    content = {
        "seq": event.seq,
        "occurred_at": occurred,
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "on_behalf_of": event.on_behalf_of,
        "organisation_id": event.organisation_id,
        "organisation_name": event.organisation_name,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_ids": list(event.person_ids),
        "purpose": event.purpose,
        "client_ip": event.client_ip,
        "request_id": event.request_id,
        "result": event.result,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode("utf-8")


def link_hash(prev_hash: str, content: bytes) -> str:
    mac = hmac.new(_key(settings.AUDIT_KEY), prev_hash.encode("ascii") + b"|", hashlib.sha256)
    mac.update(content)
    return mac.hexdigest()


def append(event: AccessEvent) -> AccessEvent:
    """Give the event its place in the chain and store it."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK])
        last = (
            AccessEvent.objects.filter(seq__isnull=False)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        event.seq = (last[0] or 0) + 1 if last else 1
        event.prev_hash = last[1] if last else GENESIS
        event.hash = link_hash(event.prev_hash, canonical(event))
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class Verification:
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _events_after(seq: int, batch: int) -> Iterator[AccessEvent]:
    while True:
        rows = list(AccessEvent.objects.filter(seq__gt=seq).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        seq = rows[-1].seq or 0


def verify(
    *,
    from_checkpoint: bool = True,
    batch: int = 5000,
    on_event: Callable[[], None] = lambda: None,
) -> Verification:
    """Walk the chain in constant memory and name the first broken link. Starts after the
    last recorded checkpoint (whose own event is checked to still carry its hash)."""
    seq, prev = 0, GENESIS
    checkpoint = ChainCheckpoint.objects.order_by("-seq").first() if from_checkpoint else None
    if checkpoint is not None:
        anchor = AccessEvent.objects.filter(seq=checkpoint.seq).values_list("id", "hash").first()
        if anchor is None or anchor[1] != checkpoint.hash:
            return Verification(
                checked=0,
                head_seq=checkpoint.seq,
                head_hash=checkpoint.hash,
                broken_seq=checkpoint.seq,
                broken_id=anchor[0] if anchor else None,
                reason="het controlepunt klopt niet meer met het logboek",
            )
        seq, prev = checkpoint.seq, checkpoint.hash
    checked = 0
    for event in _events_after(seq, batch):
        expected_seq = seq + 1
        reason = ""
        if event.seq != expected_seq:
            reason = f"gebeurtenis {expected_seq} ontbreekt"
        elif event.prev_hash != prev:
            reason = "de verwijzing naar de vorige gebeurtenis klopt niet"
        elif not hmac.compare_digest(event.hash, link_hash(prev, canonical(event))):
            reason = "de inhoud is gewijzigd"
        if reason:
            return Verification(
                checked=checked,
                head_seq=seq,
                head_hash=prev,
                broken_seq=event.seq,
                broken_id=event.pk,
                reason=reason,
            )
        seq, prev = event.seq or 0, event.hash
        checked += 1
        on_event()
    return Verification(checked=checked, head_seq=seq, head_hash=prev)


def record_checkpoint(result: Verification) -> ChainCheckpoint | None:
    if not result.ok or result.head_seq == 0:
        return None
    return ChainCheckpoint.objects.create(seq=result.head_seq, hash=result.head_hash)
