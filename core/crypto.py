"""Authenticated encryption with key ids, and keyed blind indexes.

Ciphertexts are AES-256-GCM with a random 96-bit nonce. Each carries the id of the key that
made it, and is bound by associated data to where it lives (table, column, row): a ciphertext
copied to another row or field does not decrypt.

Token format (text, stored as is): ``v1.<key id>.<base64url(nonce || ciphertext || tag)>``.

Keys come from ``settings.ENCRYPTION_KEYS`` as ``id:base64key,id:base64key``; the first is the
primary key used for new ciphertexts, the others only decrypt. Rotation: put a new key first,
run ``manage.py rotate_keys``, then drop the old key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.exceptions import DecryptionError

TOKEN_VERSION = "v1"  # noqa: S105 - a format tag, not a secret
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def decode_key(raw: str, *, name: str) -> bytes:
    """A 32-byte key from url-safe base64, or a clear configuration error."""
    return _decode_key(raw, name=name)


def _decode_key(raw: str, *, name: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw.strip() + "=" * (-len(raw.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name}: de sleutel is geen geldige base64-tekst.") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name}: een sleutel moet 32 bytes zijn, niet {len(key)}.")
    return key


@dataclass(frozen=True)
class KeyRing:
    primary_id: str
    keys: dict[str, bytes]

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            key_id, sep, raw = item.partition(":")
            if not sep or not _KEY_ID.match(key_id):
                raise ImproperlyConfigured(
                    "ENCRYPTION_KEYS: verwacht 'id:base64sleutel' gescheiden door komma's; "
                    "een id bestaat uit letters, cijfers, '-' of '_'."
                )
            if key_id in keys:
                raise ImproperlyConfigured(
                    f"ENCRYPTION_KEYS: sleutel-id {key_id!r} komt dubbel voor."
                )
            keys[key_id] = _decode_key(raw, name=f"ENCRYPTION_KEYS[{key_id}]")
            order.append(key_id)
        if not order:
            raise ImproperlyConfigured("ENCRYPTION_KEYS bevat geen sleutels.")
        return cls(primary_id=order[0], keys=keys)

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise DecryptionError(
                f"De sleutel {key_id!r} waarmee deze gegevens zijn versleuteld ontbreekt in "
                "ENCRYPTION_KEYS."
            ) from None


@lru_cache(maxsize=8)
def _keyring_for(spec: str) -> KeyRing:
    return KeyRing.parse(spec)


def keyring() -> KeyRing:
    spec = getattr(settings, "ENCRYPTION_KEYS", None)
    if not spec:
        raise ImproperlyConfigured(
            "ENCRYPTION_KEYS ontbreekt: versleutelde gegevens zijn onleesbaar."
        )
    return _keyring_for(spec)


def token_key_id(token: str) -> str:
    """The id of the key a token was made with (no decryption)."""
    version, key_id, _ = _split(token)
    return key_id


def _split(token: str) -> tuple[str, str, bytes]:
    parts = token.split(".", 2)
    if len(parts) != 3 or parts[0] != TOKEN_VERSION:
        raise DecryptionError("De opgeslagen waarde is geen geldige versleutelde waarde.")
    try:
        blob = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
    except (binascii.Error, ValueError):
        raise DecryptionError("De opgeslagen waarde is beschadigd.") from None
    return parts[0], parts[1], blob


def encrypt_bytes(plaintext: bytes, *, aad: str) -> str:
    ring = keyring()
    nonce = os.urandom(12)
    sealed = AESGCM(ring.keys[ring.primary_id]).encrypt(nonce, plaintext, aad.encode())
    body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{TOKEN_VERSION}.{ring.primary_id}.{body}"


def decrypt_bytes(token: str, *, aad: str) -> bytes:
    _, key_id, blob = _split(token)
    key = keyring().key(key_id)
    if len(blob) < 12 + 16:
        raise DecryptionError("De opgeslagen waarde is beschadigd.")
    try:
        return AESGCM(key).decrypt(blob[:12], blob[12:], aad.encode())
    except InvalidTag:
        raise DecryptionError(
            "Versleutelde gegevens konden niet worden ontsleuteld: verkeerde sleutel, of de "
            "gegevens zijn gewijzigd of verplaatst."
        ) from None


def encrypt(plaintext: str, *, aad: str) -> str:
    return encrypt_bytes(plaintext.encode("utf-8"), aad=aad)


def decrypt(token: str, *, aad: str) -> str:
    return decrypt_bytes(token, aad=aad).decode("utf-8")


def needs_rotation(token: str) -> bool:
    return token_key_id(token) != keyring().primary_id


# --- Blind index ---------------------------------------------------------------------------


def validate_index_key(spec: str, *, name: str = "INDEX_KEY") -> None:
    _decode_key(spec, name=name)


@lru_cache(maxsize=32)
def _index_key_for(spec: str, purpose: str) -> bytes:
    root = _decode_key(spec, name="INDEX_KEY")
    # A separate key per purpose, so equal inputs in different indexes do not correlate.
    return hmac.new(root, b"casusregie-blind-index:" + purpose.encode(), hashlib.sha256).digest()


def normalise(value: str) -> str:
    """Case-, accent- and whitespace-insensitive form used before indexing."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SHA256 of a normalised value, hex encoded: equal in, equal out."""
    spec = getattr(settings, "INDEX_KEY", None)
    if not spec:
        raise ImproperlyConfigured("INDEX_KEY ontbreekt: zoeken op BSN of naam is niet mogelijk.")
    key = _index_key_for(spec, purpose)
    return hmac.new(key, normalise(value).encode("utf-8"), hashlib.sha256).hexdigest()
