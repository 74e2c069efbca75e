"""Paging the case list from the grant index gives the same cases, in the same order, as
the access predicate on the case table."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caseroom import services
from caseroom.access import basis_case_ids
from caseroom.models import Case
from caseroom.selectors import VisibleCasePages, case_list_for_user, mark_person_visibility
from partners.backends import PasswordBackend
from partners.models import User
from persons.services import person_create
from tests.caseroom.conftest import World, open_case
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def more_cases(world: World, n: int) -> None:
    for i in range(n):
        person = person_create(surname=f"Lid {i}", birth_date=datetime.date(2000, 1, 1 + i))
        open_case(
            house=world.house, regisseur=world.regisseur, referrer=world.politie, persons=[person]
        )


def ggz_case(world: World, surname: str, birth_date: datetime.date) -> Case:
    """A case referred by GGZ, in which politie takes no part."""
    person = person_create(surname=surname, birth_date=birth_date)
    return open_case(
        house=world.house, regisseur=world.regisseur, referrer=world.ggz, persons=[person]
    )


def test_pages_from_the_grant_index_match_the_predicate(world: World) -> None:
    more_cases(world, 7)
    # Same opening time for two cases: the id decides, as in the list order. (Opening times
    # never change in the app; here the grants are rewritten to follow.)
    tied = list(Case.objects.values_list("pk", flat=True)[:2])
    Case.objects.filter(pk__in=tied).update(opened_at=timezone.now() - timedelta(days=3))
    from caseroom.models import Participation
    from caseroom.services import _write_grants

    for participation in Participation.objects.filter(case_id__in=tied):
        _write_grants(participation)
    expected = [c.pk for c in case_list_for_user(user=world.politie)]
    pages = VisibleCasePages(user=world.politie)
    assert pages.from_grants
    assert pages.count() == len(expected) == 8
    got = [c.pk for c in pages[0:3]] + [c.pk for c in pages[3:6]] + [c.pk for c in pages[6:9]]
    assert got == expected


def test_an_expired_participation_is_not_in_the_pages(world: World) -> None:
    participation = world.participations["woning"]
    participation.until = timezone.localdate() - timedelta(days=1)
    participation.save()
    from caseroom.services import _write_grants

    _write_grants(participation)
    pages = VisibleCasePages(user=world.woning)
    assert pages.count() == 0 and pages[0:50] == []


def test_break_the_glass_pages_from_the_list_query_and_includes_the_case(world: World) -> None:
    other = ggz_case(world, "Buiten", datetime.date(1980, 1, 1))
    services.break_glass_open(
        user=world.politie,
        case=other,
        reason="Acute dreiging, contact met de betrokkene nodig.",
        categories=[],
    )
    pages = VisibleCasePages(user=world.politie)
    assert not pages.from_grants
    numbers = [c.number for c in pages[0:50]]
    assert other.number in numbers and world.case.number in numbers


def test_the_status_filter_still_pages_correctly(world: World) -> None:
    more_cases(world, 2)
    services.case_set_status(case=world.case, status="in_behandeling", by=world.regisseur)
    body = verified_client(world.politie).get("/api/v1/cases/?status=in_behandeling").json()
    assert [c["number"] for c in body["results"]] == [world.case.number]
    assert verified_client(world.politie).get("/api/v1/cases/").json()["count"] == 3


def _fresh(user: User) -> User:
    """The user as a request reads it (the session backend)."""
    loaded: User = PasswordBackend().get_user(user.pk)
    return loaded


def test_a_page_comes_marked_with_who_may_see_persons(world: World) -> None:
    """``shows_persons`` is read with the page's rows: ``basis`` granted in one case and not
    in another, on both ways of paging (grant index; break-the-glass), and no further query
    when the page is marked again."""
    without_basis = ggz_case(world, "Zonder", datetime.date(1990, 3, 3))
    services.participation_add(
        case=without_basis,
        organisation=world.politie.organisation,
        categories=services.categories_by_code(["politie"]),
        by=world.regisseur,
    )
    user = _fresh(world.politie)
    pages = VisibleCasePages(user=user)
    assert pages.from_grants
    page = pages[0:50]
    assert {c.number: c.shows_persons for c in page} == {
        world.case.number: True,
        without_basis.number: False,
    }
    assert basis_case_ids(user, [c.pk for c in page]) == {world.case.pk}
    with CaptureQueriesContext(connection) as queries:
        mark_person_visibility(user=user, cases=page)
    assert len(queries) == 0

    # Break-the-glass (basis by default) in a case the organisation has no part in.
    glass = ggz_case(world, "Glas", datetime.date(1985, 4, 4))
    services.break_glass_open(
        user=user,
        case=glass,
        reason="Acute dreiging, contact met de betrokkene nodig.",
        categories=[],
    )
    user = _fresh(world.politie)
    pages = VisibleCasePages(user=user)
    assert not pages.from_grants
    assert {c.number: c.shows_persons for c in pages[0:50]} == {
        world.case.number: True,
        without_basis.number: False,
        glass.number: True,
    }


def test_the_session_user_comes_with_its_organisation(world: World) -> None:
    with CaptureQueriesContext(connection) as queries:
        user = _fresh(world.politie)
        assert user.organisation.group_id == world.politie.organisation.group_id
    assert len(queries) == 1
