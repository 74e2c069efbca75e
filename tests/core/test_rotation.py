from __future__ import annotations

import base64
import datetime
import os
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from core import crypto
from core.fields import Sealed
from core.rotation import encrypted_targets, rotate_target
from persons.models import Person
from persons.selectors import person_find_by_bsn
from persons.services import person_create

BSNS = ["111222333", "123456782", "999990019", "999990020", "999990032"]


def key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def people(db: None) -> list[Person]:
    return [
        person_create(
            surname=f"Achternaam {i}",
            given_names=f"Voornaam {i}",
            bsn=bsn,
            birth_date=datetime.date(1980, 1, 1 + i),
        )
        for i, bsn in enumerate(BSNS)
    ]


def key_ids() -> set[str]:
    ids = set()
    for row in Person.objects.values_list("bsn", "surname", "given_names", "birth_date"):
        ids |= {crypto.token_key_id(v.token) for v in row if isinstance(v, Sealed)}
    return ids


def assert_all_readable(people: list[Person]) -> None:
    for i, person in enumerate(people):
        loaded = Person.objects.get(pk=person.pk)
        assert loaded.surname == f"Achternaam {i}"
        assert loaded.given_names == f"Voornaam {i}"
        assert loaded.bsn == BSNS[i]
        assert loaded.birth_date == datetime.date(1980, 1, 1 + i)


def test_rotation_moves_every_value_to_the_new_key_and_keeps_it_readable(
    people: list[Person],
) -> None:
    old_id = crypto.keyring().primary_id
    rotated = f"k2:{key()},{settings.ENCRYPTION_KEYS}"
    with override_settings(ENCRYPTION_KEYS=rotated):
        out = StringIO()
        call_command("rotate_keys", "--no-progress", "--batch-size", "2", stdout=out)
        assert "Klaar: 5 rijen" in out.getvalue()
        assert key_ids() == {"k2"}
        assert_all_readable(people)
    # The old key can now be dropped.
    only_new = rotated.split(",")[0]
    with override_settings(ENCRYPTION_KEYS=only_new):
        assert_all_readable(people)
    assert old_id != "k2"


def test_interrupted_rotation_resumes_without_losing_data(people: list[Person]) -> None:
    rotated = f"k2:{key()},{settings.ENCRYPTION_KEYS}"
    with override_settings(ENCRYPTION_KEYS=rotated):
        (target,) = [t for t in encrypted_targets() if t.model is Person]
        done = 0

        def stop_after_two() -> None:
            nonlocal done
            done += 1
            if done == 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            rotate_target(target, batch_size=1, on_row=stop_after_two)
        # Batches of one: the first row is committed under the new key, the rest untouched.
        assert target.stale().count() == 4
        assert_all_readable(people)

        assert rotate_target(target, batch_size=2) == 4
        assert target.stale().count() == 0
        assert key_ids() == {"k2"}
        assert_all_readable(people)


def test_rotation_does_not_overwrite_a_concurrent_edit(people: list[Person]) -> None:
    rotated = f"k2:{key()},{settings.ENCRYPTION_KEYS}"
    with override_settings(ENCRYPTION_KEYS=rotated):
        (target,) = [t for t in encrypted_targets() if t.model is Person]
        edited = False

        def edit_first_row_meanwhile() -> None:
            nonlocal edited
            if not edited:
                edited = True
                # Another process saves the second person while rotation runs.
                person = Person.objects.get(pk=sorted(p.pk for p in people)[1])
                person.surname = "Gewijzigd"
                person.save()

        rotate_target(target, batch_size=10, on_row=edit_first_row_meanwhile)
        assert Person.objects.get(pk=sorted(p.pk for p in people)[1]).surname == "Gewijzigd"
        assert target.stale().count() == 0


def test_dry_run_counts_without_changing(people: list[Person]) -> None:
    with override_settings(ENCRYPTION_KEYS=f"k2:{key()},{settings.ENCRYPTION_KEYS}"):
        out = StringIO()
        call_command("rotate_keys", "--dry-run", stdout=out)
        assert "Te herversleutelen rijen: 5" in out.getvalue()
        assert "k2" not in key_ids()


def test_reindex_after_index_key_change_finds_people_again(people: list[Person]) -> None:
    with override_settings(INDEX_KEY=key()):
        assert list(person_find_by_bsn(bsn=BSNS[0])) == []
        call_command("rotate_keys", "--reindex", "--no-progress", stdout=StringIO())
        assert list(person_find_by_bsn(bsn=BSNS[0])) == [people[0]]
