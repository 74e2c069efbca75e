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
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max

from audit.models import AccessEvent, ChainCheckpoint, PurgeAnchor
from audit.triggers import sqlite_no_delete
from core.crypto import decode_key

GENESIS = "0" * 64
# Arbitrary, fixed: the advisory lock that serialises appends on PostgreSQL.
APPEND_LOCK = 7_513_815


@lru_cache(maxsize=4)
def _key(spec: str) -> bytes:
    return decode_key(spec, name="AUDIT_KEY")


def audit_key() -> bytes:
    return _key(settings.AUDIT_KEY)


# The hashed content: every field but the chain fields, in this order.
CONTENT_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_username",
    "on_behalf_of",
    "organisation_id",
    "organisation_name",
    "role",
    "action",
    "object_type",
    "object_id",
    "person_ids",
    "purpose",
    "client_ip",
    "request_id",
    "result",
)
# JSON with sorted keys: the dict is built in sorted key order, so the encoder need not sort
# (the output is byte for byte that of json.dumps(..., sort_keys=True)).
_SORTED = tuple(sorted(CONTENT_FIELDS))
_POSITION = tuple(CONTENT_FIELDS.index(name) for name in _SORTED)
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
_UTC = datetime.UTC


def canonical_values(values: tuple[object, ...]) -> bytes:
    """The canonical form of an event's content given as a tuple in CONTENT_FIELDS order."""
    content = {name: values[i] for name, i in zip(_SORTED, _POSITION, strict=True)}
    occurred = content["occurred_at"]
    assert isinstance(occurred, datetime.datetime)  # noqa: S101 - a model invariant
    if occurred.tzinfo is not _UTC:
        occurred = occurred.astimezone(_UTC)
    content["occurred_at"] = occurred.isoformat(timespec="microseconds")
    content["person_ids"] = list(content["person_ids"] or [])  # type: ignore[call-overload]
    return _ENCODE(content).encode("utf-8")


def canonical(event: AccessEvent) -> bytes:
    return canonical_values(tuple(getattr(event, name) for name in CONTENT_FIELDS))


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


Row = tuple[int, str, str, tuple[object, ...]]  # id, prev_hash, hash, content values


def _rows_after(seq: int, batch: int) -> Iterator[Row]:
    """Events as plain tuples, in chain order, a batch at a time (constant memory)."""
    columns = ("id", "prev_hash", "hash", *CONTENT_FIELDS)
    if connection.vendor == "postgresql":
        yield from _pg_rows_after(seq, batch, columns)
        return
    while True:
        rows = list(
            AccessEvent.objects.filter(seq__gt=seq).order_by("seq").values_list(*columns)[:batch]
        )
        if not rows:
            return
        for row in rows:
            yield row[0], row[1], row[2], row[3:]
        seq = rows[-1][3]


def _pg_rows_after(seq: int, batch: int, columns: tuple[str, ...]) -> Iterator[Row]:
    """The same rows read with plain SQL: the ORM's per-row converters cost more than the
    hashing. Only person_ids needs converting (Django reads jsonb as text)."""
    sql = (
        f"SELECT {', '.join(columns)} FROM audit_accessevent "  # noqa: S608 - fixed columns
        "WHERE seq > %s ORDER BY seq LIMIT %s"
    )
    person_ids = columns.index("person_ids")
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [seq, batch])
            rows = cursor.fetchall()
            if not rows:
                return
            for row in rows:
                values = list(row[3:])
                raw = values[person_ids - 3]
                values[person_ids - 3] = json.loads(raw) if isinstance(raw, str) else raw
                yield row[0], row[1], row[2], tuple(values)
            seq = rows[-1][3]


def _verify_range(
    seq: int,
    prev: str,
    *,
    end: int | None = None,
    batch: int = 5000,
    on_event: Callable[[], None] = lambda: None,
) -> Verification:
    """Verify the events after ``seq`` (whose hash is ``prev``) up to ``end`` inclusive."""
    checked = 0
    keyed = hmac.new(_key(settings.AUDIT_KEY), digestmod=hashlib.sha256)
    for event_id, prev_hash, event_hash, values in _rows_after(seq, batch):
        event_seq = int(values[0])  # type: ignore[call-overload]
        if end is not None and event_seq > end:
            break
        reason = ""
        if event_seq != seq + 1:
            reason = f"gebeurtenis {seq + 1} ontbreekt"
        elif prev_hash != prev:
            reason = "de verwijzing naar de vorige gebeurtenis klopt niet"
        else:
            mac = keyed.copy()  # cheaper than a new HMAC per event, same digest
            mac.update(prev.encode("ascii") + b"|")
            mac.update(canonical_values(values))
            if not hmac.compare_digest(event_hash, mac.hexdigest()):
                reason = "de inhoud is gewijzigd"
        if reason:
            return Verification(
                checked=checked,
                head_seq=seq,
                head_hash=prev,
                broken_seq=event_seq,
                broken_id=event_id,
                reason=reason,
            )
        seq, prev = event_seq, event_hash
        checked += 1
        on_event()
    return Verification(checked=checked, head_seq=seq, head_hash=prev)


def _verify_part(args: tuple[int, str, int, int]) -> Verification:
    from django.db import connections

    connections.close_all()  # a forked worker opens its own connection
    seq, prev, end, batch = args
    return _verify_range(seq, prev, end=end, batch=batch)


# Below this many events one process verifies; above it, on PostgreSQL, several do.
PARALLEL_FROM = 200_000


def verify(
    *,
    from_checkpoint: bool = True,
    batch: int = 5000,
    on_event: Callable[[], None] = lambda: None,
    workers: int | None = None,
) -> Verification:
    """Walk the chain in constant memory and name the first broken link. Starts after the
    last recorded checkpoint (whose own event is checked to still carry its hash).

    On PostgreSQL a long chain is cut into consecutive parts verified by one process per
    core; each part starts from the stored hash of the event before it, and the part before
    verifies that event, so together they check every link."""
    # The chain starts at genesis, or after the last retention purge.
    anchor_row = PurgeAnchor.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev = anchor_row if anchor_row else (0, GENESIS)
    checkpoint = ChainCheckpoint.objects.order_by("-seq").first() if from_checkpoint else None
    if checkpoint is not None and checkpoint.seq <= seq:
        checkpoint = None  # purged past it
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
    head = AccessEvent.objects.filter(seq__isnull=False).aggregate(top=Max("seq"))["top"] or 0
    workers = workers or os.cpu_count() or 1
    if connection.vendor != "postgresql" or workers < 2 or head - seq < PARALLEL_FROM:
        return _verify_range(seq, prev, batch=batch, on_event=on_event)
    size = (head - seq) // workers + 1
    cuts = [seq + size * i for i in range(workers)]
    starts = dict(AccessEvent.objects.filter(seq__in=cuts[1:]).values_list("seq", "hash"))
    parts = [
        (cut, prev if i == 0 else starts.get(cut, ""), min(cut + size, head), batch)
        for i, cut in enumerate(cuts)
    ]
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = pool.map(_verify_part, parts)
    checked = 0
    for part, result in zip(parts, results, strict=True):
        checked += result.checked
        if not result.ok or result.head_seq != part[2]:
            if result.ok:  # a part ended early: the event after it is missing
                result = Verification(
                    checked=result.checked,
                    head_seq=result.head_seq,
                    head_hash=result.head_hash,
                    broken_seq=result.head_seq + 1,
                    reason=f"gebeurtenis {result.head_seq + 1} ontbreekt",
                )
            return Verification(
                checked=checked,
                head_seq=result.head_seq,
                head_hash=result.head_hash,
                broken_seq=result.broken_seq,
                broken_id=result.broken_id,
                reason=result.reason,
            )
        for _ in range(result.checked):
            on_event()
    last = results[-1]
    return Verification(checked=checked, head_seq=last.head_seq, head_hash=last.head_hash)


def record_checkpoint(result: Verification) -> ChainCheckpoint | None:
    if not result.ok or result.head_seq == 0:
        return None
    return ChainCheckpoint.objects.create(seq=result.head_seq, hash=result.head_hash)


def purge(*, before: datetime.datetime) -> PurgeAnchor | None:
    """Remove verified events older than ``before`` (audit retention), keeping the rest
    verifiable: the last removed event's position and hash become the new start of the
    chain. Refuses when the chain does not verify. Safe to run twice."""
    result = verify()
    if not result.ok:
        raise ValueError(f"keten gebroken bij {result.broken_seq}: {result.reason}")
    record_checkpoint(result)
    last = (
        AccessEvent.objects.filter(occurred_at__lt=before, seq__lte=result.head_seq)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    if last is None:
        return None
    cutoff, cutoff_hash = int(last[0] or 0), last[1]
    with transaction.atomic():
        count = AccessEvent.objects.filter(seq__lte=cutoff).count()
        anchor = PurgeAnchor.objects.create(
            seq=cutoff, hash=cutoff_hash, purged_count=count, purged_before=before
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL casusregie.audit_purge = 'on'")
                cursor.execute("DELETE FROM audit_accessevent WHERE seq <= %s", [cutoff])
                # Off again at once, also when called inside a longer transaction.
                cursor.execute("SET LOCAL casusregie.audit_purge = 'off'")
            else:
                # SQLite has no session settings: lift the guard within this transaction.
                cursor.execute("DROP TRIGGER audit_accessevent_no_delete")
                cursor.execute("DELETE FROM audit_accessevent WHERE seq <= %s", [cutoff])
                cursor.execute(sqlite_no_delete("audit_accessevent"))
    return anchor
