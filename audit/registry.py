"""Registering domain models with django-auditlog, safely.

Encrypted fields are masked to one constant: the change log shows that a field changed, never
its value, not even in part. Blind indexes are left out entirely (they are linkable hashes).
"""

from __future__ import annotations

from collections.abc import Iterable

from auditlog.registry import auditlog
from django.db import models

from core.fields import BlindIndexField, EncryptedField

MASK = "[versleuteld]"


def mask_constant(value: str) -> str:
    return MASK


def _names(model: type[models.Model], kind: type | tuple[type, ...]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, kind)]


def register(
    model: type[models.Model],
    *,
    exclude: Iterable[str] = (),
    mask: Iterable[str] = (),
    include: Iterable[str] = (),
) -> None:
    """``mask`` names more fields whose change is logged as a constant (password hashes)."""
    auditlog.register(
        model,
        include_fields=list(include),
        exclude_fields=sorted({*_names(model, BlindIndexField), *exclude}),
        mask_fields=sorted({*_names(model, EncryptedField), *mask}),
        mask_callable="audit.registry.mask_constant",
    )
