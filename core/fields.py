"""Model fields for encrypted personal data and keyed blind indexes.

An encrypted field stores an AES-GCM token bound to its table, column and row (see
``core.crypto``). Models using these fields need a primary key that is known before the first
save (``UUIDField(primary_key=True, default=uuid.uuid4)``); a system check enforces it.

Values are decrypted lazily on first attribute access, so listing rows does not decrypt
columns nobody reads. The empty string is stored as is: emptiness is not a secret, and blank
defaults then work in migrations. Encrypted columns cannot be used in lookups or
``QuerySet.update()`` with plaintext: that would send plaintext to the database. Search
through a blind index.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.core import checks
from django.db import models
from django.db.models.lookups import StartsWith
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext as _

from core import crypto
from core.exceptions import EncryptedFieldError


class Sealed:
    """A ciphertext read from the database and not yet decrypted."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return "<versleuteld>"

    def __str__(self) -> str:
        return "[versleuteld]"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)


class Ciphertext(str):
    """A token on its way to the database (as opposed to plaintext)."""


class KeyIdPrefix(str):
    """A token prefix, usable in ``__startswith`` lookups to find rows per key."""

    @classmethod
    def for_key(cls, key_id: str) -> KeyIdPrefix:
        return cls(f"{crypto.TOKEN_VERSION}.{key_id}.")


class KeyPrefixStartsWith(StartsWith):
    """``__startswith`` on an encrypted column, only with a key-id prefix (rotation)."""

    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        if not isinstance(self.rhs, KeyIdPrefix):
            raise EncryptedFieldError(
                "Versleutelde velden kunnen niet op een deel van de tekst worden doorzocht."
            )
        return str(self.rhs)


# Lookups that cannot carry plaintext to the database (exact and in prepare their value,
# which refuses plaintext; startswith takes only a key-id prefix).
SAFE_LOOKUPS = {"exact", "in", "isnull"}


class EncryptedDescriptor(DeferredAttribute):
    """A data descriptor (it defines ``__set__``), so reads always pass through ``__get__``
    and a sealed value is decrypted on first access."""

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            field: EncryptedField = self.field  # type: ignore[assignment]
            value = field.decrypt_for(instance, value.token)
            instance.__dict__[self.field.attname] = value
        return value


class EncryptedField(models.TextField[Any, Any]):
    """Base class: subclasses say how a Python value becomes text and back."""

    descriptor_class = EncryptedDescriptor

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.plain_max_length: int | None = kwargs.pop("plain_max_length", None)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length is not None:
            kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    # Conversions between the Python value and the plaintext that is encrypted.
    def to_plaintext(self, value: Any) -> str:
        return str(value)

    def from_plaintext(self, text: str) -> Any:
        return text

    def aad_for(self, model: type[models.Model], pk: object) -> str:
        return f"{model._meta.db_table}.{self.column}.{pk}"

    def to_bytes(self, value: Any) -> bytes:
        return self.to_plaintext(value).encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return self.from_plaintext(data.decode("utf-8"))

    def decrypt_for(self, instance: models.Model, token: str) -> Any:
        aad = self.aad_for(type(instance), instance.pk)
        return self.from_bytes(crypto.decrypt_bytes(token, aad=aad))

    def encrypt_for(self, instance: models.Model, value: Any) -> Ciphertext:
        if instance.pk is None:
            raise EncryptedFieldError(
                f"{type(instance).__name__}.{self.name}: de primaire sleutel moet bekend zijn "
                "voordat een versleuteld veld wordt opgeslagen."
            )
        aad = self.aad_for(type(instance), instance.pk)
        return Ciphertext(crypto.encrypt_bytes(self.to_bytes(value), aad=aad))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        raw = model_instance.__dict__.get(self.attname)
        if raw is None or raw == "":
            # Empty stays empty (not secret), so blank defaults work in migrations.
            return raw
        if isinstance(raw, Sealed):
            return Ciphertext(raw.token)
        return self.encrypt_for(model_instance, raw)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "startswith":
            return KeyPrefixStartsWith
        if lookup_name not in SAFE_LOOKUPS:
            raise EncryptedFieldError(
                f"Het versleutelde veld {self.name!r} kan niet met '{lookup_name}' worden "
                "doorzocht; gebruik de blinde index."
            )
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        raise EncryptedFieldError(
            f"Het versleutelde veld {self.name!r} kan niet met '{lookup_name}' worden bewerkt."
        )

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return Sealed(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        if isinstance(value, Ciphertext | KeyIdPrefix):
            return str(value)
        if isinstance(value, Sealed):
            return value.token
        raise EncryptedFieldError(
            f"Het versleutelde veld {self.name!r} kan niet met leesbare tekst worden doorzocht "
            "of bijgewerkt; gebruik de blinde index of sla het object op."
        )

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, Sealed):
            return value
        return self.from_plaintext(value) if isinstance(value, str) else value

    def value_to_string(self, obj: models.Model) -> str:
        raise EncryptedFieldError(
            f"Het versleutelde veld {self.name!r} wordt niet als leesbare tekst geëxporteerd."
        )

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        model = getattr(self, "model", None)
        if model is not None and not model._meta.abstract:
            pk = model._meta.pk
            if pk is None or not pk.has_default():
                errors.append(
                    checks.Error(
                        "Een model met versleutelde velden heeft een primaire sleutel met een "
                        "standaardwaarde nodig (bijvoorbeeld UUIDField(default=uuid.uuid4)).",
                        obj=self,
                        id="core.E001",
                    )
                )
        return errors


class EncryptedTextField(EncryptedField):
    def formfield(self, **kwargs: Any) -> Any:
        kwargs.setdefault("widget", forms.Textarea)
        return forms.CharField(required=not self.blank, label=self.verbose_name, **kwargs)


class EncryptedCharField(EncryptedField):
    """Short encrypted text: names, identifiers. ``plain_max_length`` limits the plaintext."""

    def formfield(self, **kwargs: Any) -> Any:
        return forms.CharField(
            required=not self.blank,
            label=self.verbose_name,
            max_length=self.plain_max_length,
            **kwargs,
        )

    def run_validators(self, value: Any) -> None:
        super().run_validators(value)
        if self.plain_max_length is not None and value and len(str(value)) > self.plain_max_length:
            from django.core.exceptions import ValidationError

            raise ValidationError(
                _("Maximaal %(max)d tekens toegestaan."),
                code="max_length",
                params={"max": self.plain_max_length},
            )


class EncryptedDateField(EncryptedField):
    # For django-stubs: the Python type of this field is a date.
    _pyi_private_set_type: datetime.date | None  # type: ignore[assignment]
    _pyi_private_get_type: datetime.date | None  # type: ignore[assignment]

    def to_plaintext(self, value: Any) -> str:
        if isinstance(value, datetime.datetime):
            value = value.date()
        if not isinstance(value, datetime.date):
            value = self.from_plaintext(str(value))
        return value.isoformat()

    def from_plaintext(self, text: str) -> datetime.date:
        from django.core.exceptions import ValidationError

        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                _("Ongeldige datum; gebruik JJJJ-MM-DD."), code="invalid"
            ) from None

    def formfield(self, **kwargs: Any) -> Any:
        return forms.DateField(required=not self.blank, label=self.verbose_name, **kwargs)


class EncryptedBooleanField(EncryptedField):
    """A yes/no that is itself sensitive (for example a disability)."""

    _pyi_private_set_type: bool | None  # type: ignore[assignment]
    _pyi_private_get_type: bool | None  # type: ignore[assignment]

    def to_plaintext(self, value: Any) -> str:
        return "1" if value else "0"

    def from_plaintext(self, text: str) -> bool:
        return text == "1"

    def formfield(self, **kwargs: Any) -> Any:
        return forms.BooleanField(required=False, label=self.verbose_name, **kwargs)


class EncryptedBinaryField(EncryptedField):
    """Encrypted bytes (attachments). Defer it in list queries: rows load the whole value."""

    _pyi_private_set_type: bytes | None  # type: ignore[assignment]
    _pyi_private_get_type: bytes | None  # type: ignore[assignment]

    def to_bytes(self, value: Any) -> bytes:
        return bytes(value)

    def from_bytes(self, data: bytes) -> bytes:
        return data

    def to_python(self, value: Any) -> Any:
        return value

    def formfield(self, **kwargs: Any) -> Any:
        return None


Preparer = Callable[[Sequence[Any]], str | None]


def _join_prepared(values: Sequence[Any]) -> str | None:
    if any(v is None or v == "" for v in values):
        return None
    parts = [v.isoformat() if isinstance(v, datetime.date) else str(v) for v in values]
    return "|".join(parts)


class BlindIndexField(models.CharField[Any, Any]):
    """Keyed HMAC over one or more source fields, for exact-match search of encrypted data.

    Computed on every save from the (decrypted) source values; never edited by hand.
    """

    def __init__(
        self,
        *args: Any,
        source: Sequence[str] = (),
        purpose: str = "",
        prepare: Preparer | None = None,
        **kwargs: Any,
    ) -> None:
        self.source = tuple(source)
        self.purpose = purpose
        self.prepare = prepare
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = list(self.source)
        kwargs["purpose"] = self.purpose
        for key, default in (("max_length", 64), ("null", True), ("blank", True)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        kwargs.pop("editable", None)
        kwargs.pop("db_index", None)
        return name, path, args, kwargs

    def compute(self, *values: Any) -> str | None:
        """The index value for the given source values (used to build a lookup)."""
        prepared = (self.prepare or _join_prepared)(values)
        if prepared is None:
            return None
        return crypto.blind_index(prepared, purpose=self.purpose)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.compute(*(getattr(model_instance, name) for name in self.source))
        setattr(model_instance, self.attname, value)
        return value
