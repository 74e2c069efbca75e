"""The demo data: the scenarios load through the real services, twice without duplicates."""

from __future__ import annotations

import pytest
from django.test import override_settings

from caseroom.models import Case, Contribution, GroupRecord, Participation
from caseroom.selectors import address_list_for_user, case_list_for_user, contribution_list_for_user
from demo.data import load_demo
from partners.models import User
from persons.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    with override_settings(DEMO=True):
        load_demo()


def test_loading_twice_adds_nothing(demo: None) -> None:
    counts = (
        User.objects.count(),
        Person.objects.count(),
        Case.objects.count(),
        Contribution.objects.count(),
    )
    with override_settings(DEMO=True):
        load_demo()
    assert counts == (
        User.objects.count(),
        Person.objects.count(),
        Case.objects.count(),
        Contribution.objects.count(),
    )
    assert counts[2] == 6


def test_s1_household_with_secret_address_and_a_withdrawal(demo: None) -> None:
    case = (
        Case.objects.filter(case_persons__person__in=Person.objects.all())
        .order_by("opened_at")
        .first()
    )
    assert case is not None and case.case_persons.values("person").distinct().count() == 5
    layla = next(p for p in Person.objects.all() if p.given_names == "Layla")
    secret = lambda username: [  # noqa: E731
        a.street
        for a in address_list_for_user(user=User.objects.get(username=username), person=layla)
    ]
    assert secret("veiligthuis") == ["Schuiladres 7"]
    assert secret("procesregisseur") == ["Schuiladres 7"]
    assert secret("politie") == []
    withdrawn = Participation.objects.get(case=case, organisation__name__startswith="Algemeen")
    assert withdrawn.withdrawn_at is not None and "bang" in withdrawn.withdrawal_reason
    amw = User.objects.get(username="amw")
    assert case not in case_list_for_user(user=amw)


def test_s2_assessments_side_by_side_and_no_lead_organisation(demo: None) -> None:
    hendrik = next(p for p in Person.objects.all() if p.given_names == "Hendrik")
    case = Case.objects.get(case_persons__person=hendrik)
    assert case.lead_organisation is None
    ggz = User.objects.get(username="ggz")
    texts = {c.organisation.name: c.text for c in contribution_list_for_user(user=ggz, case=case)}
    assert set(texts) == {"GGZ Rivierenland", "Verslavingszorg Oost"}
    woning = User.objects.get(username="woningcorporatie")
    assert {c.category.code for c in contribution_list_for_user(user=woning, case=case)} == {
        "wonen"
    }


def test_s3_group_with_member_cases_visible_to_politie(demo: None) -> None:
    group = GroupRecord.objects.get(name="Jeugdgroep Kanaalzone")
    assert group.classification == "crimineel"
    assert group.cases.count() == 4 and group.members.count() == 4
    politie = User.objects.get(username="politie")
    assert set(group.cases.all()) <= set(case_list_for_user(user=politie))
