"""Shared abstract base models."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        abstract = True


class EncryptedModel(TimeStampedModel):
    """Base for models holding encrypted fields: the UUID key is known before the first save,
    so ciphertexts can be bound to their row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A blind index follows its sources, also when only some fields are saved.
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            from core.fields import BlindIndexField

            fields = set(update_fields)
            for field in self._meta.concrete_fields:
                if isinstance(field, BlindIndexField) and fields & set(field.source):
                    fields.add(field.name)
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)


class KeyCheck(models.Model):
    """A fixed text encrypted under each encryption key when the key is first used, so that a
    starting process can tell whether its keys are those the data was written with (the
    readiness check, core.health). Holds no personal data."""

    key_id = models.CharField(max_length=64, unique=True)
    token = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sleutelcontrole")
        verbose_name_plural = _("sleutelcontroles")

    def __str__(self) -> str:
        return f"Sleutelcontrole {self.key_id}"
