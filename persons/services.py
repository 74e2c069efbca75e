"""Writes for persons, their addresses and relations."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from typing import TypedDict

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
    """The person may exist already (search before create). ``existing`` is the one record
    the identity fits: use it. When several fit and nothing tells them apart (twins, no
    given names), ``existing`` is None and nobody is proposed: the user adds the BSN or the
    given names; ``candidates`` are the records the question touched."""

    def __init__(self, existing: Person | None, *, candidates: Sequence[Person] = ()) -> None:
        if existing is None:
            super().__init__(
                gettext(
                    "Er zijn meerdere personen bekend met deze achternaam en geboortedatum. "
                    "Vul het BSN of de voornamen in om ze van elkaar te onderscheiden."
                ),
                code="ambiguous_person",
            )
        else:
            super().__init__(
                gettext(
                    "Deze persoon is al bekend in Casusregie; gebruik de bestaande registratie."
                ),
                code="duplicate_person",
            )
        self.existing = existing
        self.candidates = list(candidates) or ([existing] if existing is not None else [])


# Arbitrary, fixed: the first key of the advisory locks that serialise registering a person
# under one identity (the audit chain's lock is 7_513_815).
IDENTITY_LOCK = 7_513_816


class PersonIdentity(TypedDict):
    """How a referral names a person."""

    surname: str
    given_names: str
    bsn: str | None
    birth_date: datetime.date | None


def identity_lock_keys(identities: Iterable[PersonIdentity]) -> list[int]:
    """The advisory lock keys of these identities, each once, in the one order every
    transaction takes them: two transactions that each need several keys then never hold
    one the other waits for while waiting for one the other holds (a deadlock).

    A key per identity: the BSN, and the surname with the birth date. Two registrations
    that ``person_find_candidates`` could match share the BSN or the surname and birth
    date, so they share a key; given names only narrow a match and need none. Derived from
    the blind indexes: no personal data reaches the database server's statements."""
    bsn_index = Person._meta.get_field("bsn_index")
    name_index = Person._meta.get_field("name_index")
    indexes: set[str | None] = set()
    for identity in identities:
        bsn, surname, birth_date = identity["bsn"], identity["surname"], identity["birth_date"]
        if bsn:
            indexes.add(bsn_index.compute(bsn))
        if surname and birth_date:
            indexes.add(name_index.compute(surname, birth_date))
    # The locked number itself is sorted, so two indexes that share a number cannot
    # reorder the locks.
    return sorted(
        {
            int.from_bytes(hashlib.sha256(index.encode()).digest()[:4], "big", signed=True)
            for index in indexes
            if index
        }
    )


def lock_identities(identities: Iterable[PersonIdentity]) -> None:
    """Until the transaction ends, hold the locks of these identities
    (``identity_lock_keys``), so that two registrations of one person at the same moment
    cannot both miss each other and both create a record. Intake takes the locks of all
    persons of a referral at once, before matching any of them. Taking a lock the
    transaction holds already is harmless. SQLite needs none: its IMMEDIATE transactions
    serialise writers."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in identity_lock_keys(identities):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [IDENTITY_LOCK, key])


def _lock_identity(*, bsn: str | None, surname: str, birth_date: datetime.date | None) -> None:
    """The locks of one identity (``lock_identities``)."""
    lock_identities([{"surname": surname, "given_names": "", "bsn": bsn, "birth_date": birth_date}])


def _same_given_names(asked: str, recorded: str, *, required: bool = False) -> bool:
    """Given names agree when both read the same apart from case, accents and spacing, or
    (unless ``required``) when either side has none."""
    if not (asked.strip() and recorded.strip()):
        return not required
    return normalise(asked) == normalise(recorded)


def person_find_candidates(
    *,
    bsn: str | None = None,
    surname: str = "",
    given_names: str = "",
    birth_date: datetime.date | None = None,
    given_names_required: bool = False,
) -> list[Person]:
    """The registered persons this identity may be, oldest first.

    - A BSN match is the same person: it is the only candidate.
    - Otherwise a record with this surname and birth date is a candidate, unless a BSN was
      given and the record has another one (then it is certainly someone else), or both
      sides have given names and they differ (twins share a surname and a birth date).
      With ``given_names_required``, both sides must have them.

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
        if _same_given_names(given_names, person.given_names, required=given_names_required)
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


def person_find_for_intake(
    *,
    bsn: str | None = None,
    surname: str = "",
    given_names: str = "",
    birth_date: datetime.date | None = None,
) -> Person | None:
    """The one registered person a referral may be linked to without anyone looking, or None.

    Stricter than ``person_find_existing``, for nobody sees the link being made: a BSN
    match; otherwise the one record with this surname and birth date, without another BSN,
    whose given names equal the referral's (case-, accent- and whitespace-insensitive). A
    side without given names matches nothing: "Jansen, 1 januari 1990" is any Jansen born
    that day."""
    candidates = person_find_candidates(
        bsn=bsn,
        surname=surname,
        given_names=given_names,
        birth_date=birth_date,
        given_names_required=True,
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
    (``person_find_candidates``): then raise DuplicatePersonError, carrying the record when
    exactly one fits (``person_find_existing``), for the procesregisseur to look at before
    registering anyone; when several fit, carrying none, for a guess could propose one
    person's record for another."""
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
            only = candidates[0] if len(candidates) == 1 else None
            raise DuplicatePersonError(only, candidates=candidates)
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
    """For intake: link to the person this certainly is (``person_find_for_intake``), or
    create one. A link to an existing person is an access event of its own (a check), like
    a hit/no-hit question.

    When no record fits for certain, a new record is created rather than a guess: a second
    record of one person costs the procesregisseur a look, a wrong link shows one person's
    case to the partners of another.

    A link by surname, birth date and given names to a record without a BSN records the
    referral's BSN on it (validated; encrypted, with its blind index): three identifiers
    agree, no other record holds that BSN, and the next referral or hit/no-hit question with
    the BSN then finds the person for certain. Not on a record whose processing is
    restricted (AVG art. 18): it is kept as it is."""
    if bsn:
        validate_bsn(bsn)
        bsn = normalise_bsn(bsn)
    # Held already when the referral's persons were locked together (``persons_for_intake``).
    _lock_identity(bsn=bsn, surname=surname, birth_date=birth_date)
    existing = person_find_for_intake(
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
    purpose = "aanmelding: gekoppeld aan een bestaande persoon"
    if bsn and existing.bsn_index is None and not existing.processing_restricted:
        person_update(person=existing, bsn=bsn)
        purpose += "; BSN aangevuld"
    record_access(
        action=AccessEvent.Action.CHECK,
        object_type="persons.person",
        object_id=existing.pk,
        person_ids=[existing.pk],
        purpose=purpose,
    )
    return existing, False


@transaction.atomic
def persons_for_intake(identities: Sequence[PersonIdentity]) -> list[Person]:
    """The persons a referral names, in its order (``person_get_or_create`` each). The
    identity locks of all of them are taken first, in one order: two referrals naming one
    family in different orders would otherwise each hold a lock the other waits for."""
    lock_identities(identities)
    return [person_get_or_create(**identity)[0] for identity in identities]


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
