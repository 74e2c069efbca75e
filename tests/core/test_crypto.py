from __future__ import annotations

import base64
import datetime
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from core import crypto
from core.exceptions import DecryptionError, EncryptedFieldError
from core.fields import Sealed
from persons.models import Person
from persons.selectors import person_find_by_bsn, person_find_by_surname_and_birth_date
from persons.services import person_create, person_update


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_round_trip_returns_the_plaintext() -> None:
    token = crypto.encrypt("Jansen, woont op geheim adres", aad="t.c.1")
    assert "Jansen" not in token
    assert crypto.decrypt(token, aad="t.c.1") == "Jansen, woont op geheim adres"


@given(st.text())
def test_round_trip_for_any_text(text: str) -> None:
    assert crypto.decrypt(crypto.encrypt(text, aad="x"), aad="x") == text


def test_same_plaintext_encrypts_differently_each_time() -> None:
    assert crypto.encrypt("a", aad="x") != crypto.encrypt("a", aad="x")


def test_ciphertext_bound_to_its_place_does_not_decrypt_elsewhere() -> None:
    token = crypto.encrypt("geheim", aad="persons_person.bsn.row-1")
    with pytest.raises(DecryptionError):
        crypto.decrypt(token, aad="persons_person.bsn.row-2")


def test_tampered_ciphertext_raises() -> None:
    token = crypto.encrypt("geheim", aad="x")
    version, key_id, body = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[20] ^= 0x01
    tampered = f"{version}.{key_id}." + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(DecryptionError, match="niet worden ontsleuteld"):
        crypto.decrypt(tampered, aad="x")


def test_wrong_key_with_the_same_id_raises() -> None:
    token = crypto.encrypt("geheim", aad="x")
    key_id = crypto.token_key_id(token)
    with override_settings(ENCRYPTION_KEYS=f"{key_id}:{new_key()}"):
        with pytest.raises(DecryptionError) as excinfo:
            crypto.decrypt(token, aad="x")
    assert "geheim" not in str(excinfo.value)
    assert token not in str(excinfo.value)


def test_missing_key_raises_naming_the_key_id() -> None:
    token = crypto.encrypt("geheim", aad="x")
    with override_settings(ENCRYPTION_KEYS=f"other:{new_key()}"):
        with pytest.raises(DecryptionError, match="ontbreekt"):
            crypto.decrypt(token, aad="x")


@pytest.mark.parametrize(
    "spec",
    ["", "zonderdubbelepunt", "k1:kort", "k1:" + base64.b64encode(b"x" * 16).decode(), "k 1:abc"],
)
def test_malformed_key_configuration_is_a_clear_error(spec: str) -> None:
    with override_settings(ENCRYPTION_KEYS=spec):
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x", aad="x")


def test_blind_index_is_equal_for_equal_input_and_different_otherwise() -> None:
    a = crypto.blind_index("111222333", purpose="bsn")
    assert a == crypto.blind_index("111222333", purpose="bsn")
    assert a != crypto.blind_index("111222334", purpose="bsn")
    # Another purpose uses another key: no correlation between indexes.
    assert a != crypto.blind_index("111222333", purpose="name")
    assert len(a) == 64 and "111222333" not in a


def test_blind_index_normalises_case_accents_and_spaces() -> None:
    assert crypto.blind_index("  Çelik  ", purpose="p") == crypto.blind_index("celik", purpose="p")
    assert crypto.blind_index("De  Wit", purpose="p") == crypto.blind_index("de wit", purpose="p")


def test_blind_index_depends_on_the_key() -> None:
    before = crypto.blind_index("111222333", purpose="bsn")
    with override_settings(INDEX_KEY=new_key()):
        assert crypto.blind_index("111222333", purpose="bsn") != before


# --- model fields --------------------------------------------------------------------------


@pytest.fixture
def person(db: None) -> Person:
    return person_create(
        surname="De Wit",
        given_names="Hendrik",
        bsn="111222333",
        birth_date=datetime.date(1971, 3, 14),
    )


def raw_row(person: Person) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bsn, surname, given_names, birth_date, bsn_index FROM persons_person "
            "WHERE id = %s",
            [person.pk.hex if connection.vendor == "sqlite" else person.pk],
        )
        return cursor.fetchone()


def test_encrypted_fields_are_stored_as_ciphertext(person: Person) -> None:
    row = raw_row(person)
    joined = " ".join(str(v) for v in row)
    for plain in ("111222333", "De Wit", "Hendrik", "1971-03-14"):
        assert plain not in joined
    assert all(str(v).startswith("v1.") for v in row[:4])


def test_encrypted_fields_read_back_after_loading(person: Person) -> None:
    loaded = Person.objects.get(pk=person.pk)
    assert loaded.surname == "De Wit"
    assert loaded.bsn == "111222333"
    assert loaded.birth_date == datetime.date(1971, 3, 14)


def test_person_is_found_by_bsn_and_by_surname_with_birth_date(person: Person) -> None:
    assert list(person_find_by_bsn(bsn="111 222 333")) == [person]
    assert list(person_find_by_bsn(bsn="123456782")) == []
    found = person_find_by_surname_and_birth_date(
        surname="de wit", birth_date=datetime.date(1971, 3, 14)
    )
    assert list(found) == [person]
    other_day = person_find_by_surname_and_birth_date(
        surname="De Wit", birth_date=datetime.date(1971, 3, 15)
    )
    assert list(other_day) == []


def test_blind_index_follows_a_change_of_bsn(person: Person) -> None:
    person_update(person=person, bsn="123456782")
    assert list(person_find_by_bsn(bsn="111222333")) == []
    assert list(person_find_by_bsn(bsn="123456782")) == [person]


def test_filtering_an_encrypted_field_with_plaintext_is_refused(person: Person) -> None:
    with pytest.raises(EncryptedFieldError):
        list(Person.objects.filter(surname="De Wit"))


def test_bulk_update_with_plaintext_is_refused(person: Person) -> None:
    with pytest.raises(EncryptedFieldError):
        Person.objects.filter(pk=person.pk).update(surname="Jansen")


def test_values_query_never_shows_ciphertext_as_text(person: Person) -> None:
    value = Person.objects.values_list("surname", flat=True).get()
    assert isinstance(value, Sealed)
    assert str(value) == "[versleuteld]"


def test_copying_ciphertext_to_another_row_does_not_decrypt(person: Person) -> None:
    other = person_create(surname="Haidari", bsn="123456782")
    stolen = Person.objects.values_list("surname", flat=True).get(pk=person.pk)
    Person.objects.filter(pk=other.pk).update(surname=stolen)
    with pytest.raises(DecryptionError):
        _ = Person.objects.get(pk=other.pk).surname


def test_reading_with_a_missing_key_raises_instead_of_showing_ciphertext(person: Person) -> None:
    with override_settings(ENCRYPTION_KEYS=f"nieuw:{new_key()}"):
        loaded = Person.objects.get(pk=person.pk)
        with pytest.raises(DecryptionError):
            _ = loaded.surname


@pytest.mark.parametrize(
    "lookup",
    ["iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "regex", "gt"],
)
def test_no_lookup_can_carry_plaintext_of_an_encrypted_field(person: Person, lookup: str) -> None:
    with pytest.raises(EncryptedFieldError):
        list(Person.objects.filter(**{f"surname__{lookup}": "Wit"}))


def test_saving_some_fields_keeps_the_blind_index_current(person: Person) -> None:
    person.bsn = "123456782"
    person.save(update_fields=["bsn"])
    assert list(person_find_by_bsn(bsn="123456782")) == [person]
    assert list(person_find_by_bsn(bsn="111222333")) == []
