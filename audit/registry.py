"""Registering domain models with django-auditlog, safely.

Encrypted fields and blind indexes are always excluded from change logs, so no plaintext
(and no linkable hash of it) ever reaches ``auditlog_logentry``.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditlog.registry import auditlog
from django.db import models

from core.fields import BlindIndexField, EncryptedField


def protected_field_names(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedField | BlindIndexField)
    ]


def register(model: type[models.Model], *, exclude: Iterable[str] = ()) -> None:
    names = sorted({*protected_field_names(model), *exclude})
    auditlog.register(model, exclude_fields=names)
