"""Exact-match lookups through the blind indexes.

These do not filter by need-to-know: they serve duplicate prevention and the hit/no-hit
question, which never return the person to the caller. Reads for a user go through
``caseroom.selectors``, where case participation decides.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from persons.models import Person


def person_find_by_bsn(*, bsn: str) -> QuerySet[Person]:
    field = Person._meta.get_field("bsn_index")
    return Person.objects.filter(bsn_index=field.compute(bsn))


def person_find_by_surname_and_birth_date(
    *, surname: str, birth_date: datetime.date
) -> QuerySet[Person]:
    field = Person._meta.get_field("name_index")
    return Person.objects.filter(name_index=field.compute(surname, birth_date))
