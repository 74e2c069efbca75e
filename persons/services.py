"""Writes for persons, their addresses and relations."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils.translation import gettext

from audit.models import AccessEvent
from audit.services import record_access
from core.crypto import normalise
from core.exceptions import ServiceError
from core.validators import normalise_bsn, validate_bsn
from partners.models import Organisation
from persons.models import Address, Person, PersonRelation
from persons.selectors import person_find_by_bsn, person_find_by_surname_and_birth_date


class DuplicatePersonError(ServiceError):
    """The person already exists: use the existing record (search before create)."""

    def __init__(self, existing: Person) -> None:
        super().__init__(
            gettext("Deze persoon is al bekend in Casusregie; gebruik de bestaande registratie."),
            code="duplicate_person",
        )
        self.existing = existing


# Arbitrary, fixed: the first key of the advisory locks that serialise registering a person
# under one identity (the audit chain's lock is 7_513_815).
IDENTITY_LOCK = 7_513_816


def _lock_identity(*, bsn: str | None, surname: str, birth_date: datetime.date | None) -> None:
    """Until the transaction ends, hold a lock per identity (BSN; surname and birth date), so
    that two registrations of one person at the same moment cannot both miss each other and
    both create a record. Two registrations that ``person_find_candidates`` could match
    share the BSN or the surname and birth date, so they share a lock; given names only
    narrow a match and need none. Keyed on the blind indexes: no personal data reaches the
    database server's statements. SQLite needs none: its IMMEDIATE transactions serialise
    writers."""
    if connection.vendor != "postgresql":
        return
    keys = set()
    if bsn:
        keys.add(Person._meta.get_field("bsn_index").compute(bsn))
    if surname and birth_date:
        keys.add(Person._meta.get_field("name_index").compute(surname, birth_date))
    with connection.cursor() as cursor:
        for key in sorted(k for k in keys if k):  # one order everywhere: no deadlock
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [IDENTITY_LOCK, key])


def _same_given_names(asked: str, recorded: str) -> bool:
    """Given names agree when either side has none, or both read the same apart from case,
    accents and spacing."""
    return not asked.strip() or not recorded.strip() or normalise(asked) == normalise(recorded)


def person_find_candidates(
    *,
    bsn: str | None = None,
    surname: str = "",
    given_names: str = "",
    birth_date: datetime.date | None = None,
) -> list[Person]:
    """The registered persons this identity may be, oldest first.

    - A BSN match is the same person: it is the only candidate.
    - Otherwise a record with this surname and birth date is a candidate, unless a BSN was
      given and the record has another one (then it is certainly someone else), or both
      sides have given names and they differ (twins share a surname and a birth date).

    The blind index finds the few records with this surname and birth date; their given
    names are compared decrypted (case-, accent- and whitespace-insensitive)."""
    if bsn:
        found = person_find_by_bsn(bsn=bsn).first()
        if found is not None:
            return [found]
    if not (surname and birth_date):
        return []
    same_name = person_find_by_surname_and_birth_date(surname=surname, birth_date=birth_date)
    if bsn:
        same_name = same_name.filter(bsn_index__isnull=True)
    return [
        person
        for person in same_name.order_by("created_at", "pk")
        if _same_given_names(given_names, person.given_names)
    ]


def person_find_existing(
    *,
    bsn: str | None = None,
    surname: str = "",
    given_names: str = "",
    birth_date: datetime.date | None = None,
) -> Person | None:
    """The one registered person this identity certainly is (``person_find_candidates``),
    or None: also when several records fit and nothing tells them apart, for a guess could
    attach one person's case to another."""
    candidates = person_find_candidates(
        bsn=bsn, surname=surname, given_names=given_names, birth_date=birth_date
    )
    return candidates[0] if len(candidates) == 1 else None


@transaction.atomic
def person_create(
    *,
    surname: str,
    given_names: str = "",
    bsn: str | None = None,
    birth_date: datetime.date | None = None,
    gender: str = Person.Gender.ONBEKEND,
    staff_safety_warning: str = "",
    language: str = "",
    has_lvb: bool | None = None,
    communication_needs: str = "",
    allow_duplicate: bool = False,
) -> Person:
    """Create a person unless this may be someone registered already
    (``person_find_candidates``): then raise DuplicatePersonError carrying the first
    candidate, for the procesregisseur to look at before registering anyone."""
    if not surname.strip():
        raise ServiceError(gettext("Vul de achternaam in."), field="surname")
    if bsn:
        validate_bsn(bsn)
        bsn = normalise_bsn(bsn)
    if not allow_duplicate:
        _lock_identity(bsn=bsn, surname=surname, birth_date=birth_date)
        candidates = person_find_candidates(
            bsn=bsn, surname=surname, given_names=given_names, birth_date=birth_date
        )
        if candidates:
            raise DuplicatePersonError(candidates[0])
    person = Person(
        surname=surname.strip(),
        given_names=given_names.strip(),
        bsn=bsn or None,
        birth_date=birth_date,
        gender=gender,
        staff_safety_warning=staff_safety_warning.strip(),
        language=language.strip(),
        has_lvb=has_lvb,
        communication_needs=communication_needs.strip(),
    )
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_get_or_create(
    *,
    surname: str,
    given_names: str = "",
    bsn: str | None = None,
    birth_date: datetime.date | None = None,
) -> tuple[Person, bool]:
    """For intake: link to the person this certainly is (``person_find_existing``), or
    create one. A link to an existing person is an access event of its own (a check), like
    a hit/no-hit question.

    When several records fit and nothing tells them apart, a new record is created rather
    than a guess: a second record of one person costs the procesregisseur a look, a wrong
    link shows one person's case to the partners of another."""
    if bsn:
        validate_bsn(bsn)
        bsn = normalise_bsn(bsn)
    _lock_identity(bsn=bsn, surname=surname, birth_date=birth_date)
    existing = person_find_existing(
        bsn=bsn, surname=surname, given_names=given_names, birth_date=birth_date
    )
    if existing is None:
        person = person_create(
            surname=surname,
            given_names=given_names,
            bsn=bsn,
            birth_date=birth_date,
            allow_duplicate=True,
        )
        return person, True
    record_access(
        action=AccessEvent.Action.CHECK,
        object_type="persons.person",
        object_id=existing.pk,
        person_ids=[existing.pk],
        purpose="aanmelding: gekoppeld aan een bestaande persoon",
    )
    return existing, False


@transaction.atomic
def person_update(*, person: Person, **changes: object) -> Person:
    allowed = {
        "surname",
        "given_names",
        "bsn",
        "birth_date",
        "gender",
        "staff_safety_warning",
        "language",
        "has_lvb",
        "communication_needs",
        "is_protected",
    }
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


@transaction.atomic
def person_relate(*, person: Person, related: Person, kind: str) -> PersonRelation:
    """Record that ``related`` is the ``kind`` of ``person``, and the inverse."""
    if kind not in PersonRelation.Kind.values:
        raise ServiceError(gettext("Onbekende relatie '%(kind)s'.") % {"kind": kind}, field="kind")
    if person.pk == related.pk:
        raise ServiceError(
            gettext("Een persoon kan geen relatie met zichzelf hebben."), field="related"
        )
    relation, _ = PersonRelation.objects.update_or_create(
        person=person, related=related, defaults={"kind": kind}
    )
    PersonRelation.objects.update_or_create(
        person=related,
        related=person,
        defaults={"kind": PersonRelation.INVERSE[PersonRelation.Kind(kind)]},
    )
    return relation


@transaction.atomic
def address_add(
    *,
    person: Person,
    street: str,
    city: str,
    postcode: str = "",
    kind: str = Address.Kind.WOONADRES,
    is_secret: bool = False,
    visible_to: Iterable[Organisation] = (),
    valid_from: datetime.date | None = None,
) -> Address:
    visible = list(visible_to)
    if is_secret and not visible:
        raise ServiceError(
            gettext("Een geheim adres moet zichtbaar zijn voor minstens één organisatie."),
            field="visible_to",
        )
    address = Address(
        person=person,
        kind=kind,
        street=street.strip(),
        postcode=postcode.strip().upper(),
        city=city.strip(),
        is_secret=is_secret,
        valid_from=valid_from,
    )
    address.full_clean()
    address.save()
    if is_secret:
        address.visible_to.set(visible)
    return address
