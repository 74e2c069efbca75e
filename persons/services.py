"""Writes for persons. (Search-before-create and relations arrive with the case record.)"""

from __future__ import annotations

import datetime

from django.db import transaction

from core.validators import normalise_bsn
from persons.models import Person


@transaction.atomic
def person_create(
    *,
    surname: str,
    given_names: str = "",
    bsn: str | None = None,
    birth_date: datetime.date | None = None,
) -> Person:
    person = Person(
        surname=surname.strip(),
        given_names=given_names.strip(),
        bsn=normalise_bsn(bsn) if bsn else None,
        birth_date=birth_date,
    )
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, **changes: object) -> Person:
    allowed = {"surname", "given_names", "bsn", "birth_date"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    for name, value in changes.items():
        if name == "bsn" and value:
            value = normalise_bsn(str(value))
        setattr(person, name, value)
    person.full_clean()
    person.save()
    return person
