"""Re-encrypting stored values under the primary key, in small resumable steps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q

from core import crypto
from core.fields import BlindIndexField, Ciphertext, EncryptedField, KeyIdPrefix, Sealed


@dataclass(frozen=True)
class Target:
    model: type[models.Model]
    fields: tuple[EncryptedField, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label

    def stale(self) -> models.QuerySet[models.Model]:
        """Rows with at least one value not under the primary key."""
        prefix = KeyIdPrefix.for_key(crypto.keyring().primary_id)
        condition = Q()
        for field in self.fields:
            condition |= (
                Q(**{f"{field.name}__isnull": False})
                & ~Q(**{field.name: ""})
                & ~Q(**{f"{field.name}__startswith": prefix})
            )
        return self.model._default_manager.filter(condition)


def encrypted_targets() -> list[Target]:
    targets = []
    for model in apps.get_models():
        fields = tuple(f for f in model._meta.concrete_fields if isinstance(f, EncryptedField))
        if fields:
            targets.append(Target(model=model, fields=fields))
    return targets


def rotate_target(
    target: Target, *, batch_size: int = 200, on_row: Callable[[], None] = lambda: None
) -> int:
    """Re-encrypt one model's stale values. Each batch is one transaction; an update only
    applies when the stored token is still the one that was read, so a concurrent edit is
    never overwritten (a newly saved value is already under the primary key). Returns the
    number of rows changed."""
    primary = crypto.keyring().primary_id
    changed = 0
    last_pk = None
    names = [f.name for f in target.fields]
    while True:
        queryset = target.stale().order_by("pk")
        if last_pk is not None:
            queryset = queryset.filter(pk__gt=last_pk)
        rows = list(queryset.values_list("pk", *names)[:batch_size])
        if not rows:
            return changed
        with transaction.atomic():
            for pk, *values in rows:
                row_changed = 0
                for field, value in zip(target.fields, values, strict=True):
                    if not isinstance(value, Sealed) or crypto.token_key_id(value.token) == primary:
                        continue
                    aad = field.aad_for(target.model, pk)
                    plain = crypto.decrypt_bytes(value.token, aad=aad)
                    fresh = Ciphertext(crypto.encrypt_bytes(plain, aad=aad))
                    # Per field and conditional: a value saved meanwhile is left as it is.
                    row_changed += target.model._default_manager.filter(
                        pk=pk, **{field.name: value}
                    ).update(**{field.name: fresh})
                changed += 1 if row_changed else 0
                on_row()
        last_pk = rows[-1][0]


def indexed_models() -> Iterator[tuple[type[models.Model], list[BlindIndexField]]]:
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
        if fields:
            yield model, fields


def reindex_model(
    model: type[models.Model],
    fields: list[BlindIndexField],
    *,
    batch_size: int = 200,
    on_row: Callable[[], None] = lambda: None,
) -> int:
    """Recompute blind indexes (after INDEX_KEY changed). Safe to interrupt and rerun."""
    changed = 0
    last_pk = None
    while True:
        queryset = model._default_manager.order_by("pk")
        if last_pk is not None:
            queryset = queryset.filter(pk__gt=last_pk)
        batch = list(queryset[:batch_size])
        if not batch:
            return changed
        with transaction.atomic():
            for obj in batch:
                updates = {}
                for field in fields:
                    value = field.compute(*(getattr(obj, name) for name in field.source))
                    if value != getattr(obj, field.attname):
                        updates[field.attname] = value
                if updates:
                    changed += model._default_manager.filter(pk=obj.pk).update(**updates)
                on_row()
        last_pk = batch[-1].pk
