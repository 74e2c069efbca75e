"""The demo data: the scenarios load through the real services, twice without duplicates."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from caseroom.models import (
    Action,
    Attendee,
    Case,
    Contribution,
    GroupRecord,
    Meeting,
    Minutes,
    Participation,
    PlanAgreement,
)
from caseroom.selectors import address_list_for_user, case_list_for_user, contribution_list_for_user
from consent.models import LegalBasis
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
        Meeting.objects.count(),
        Attendee.objects.count(),
        Minutes.objects.count(),
        Action.objects.count(),
        PlanAgreement.objects.count(),
    )
    with override_settings(DEMO=True):
        load_demo()
    assert counts == (
        User.objects.count(),
        Person.objects.count(),
        Case.objects.count(),
        Contribution.objects.count(),
        Meeting.objects.count(),
        Attendee.objects.count(),
        Minutes.objects.count(),
        Action.objects.count(),
        PlanAgreement.objects.count(),
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
    # The woningcorporatie sees wonen by the covenant, and zorg only by his consent.
    woning = User.objects.get(username="woningcorporatie")
    assert {c.category.code for c in contribution_list_for_user(user=woning, case=case)} == {
        "wonen",
        "zorg",
    }
    zorg = LegalBasis.objects.valid().get(
        case=case, organisation=woning.organisation, category__code="zorg"
    )
    assert (zorg.kind, zorg.person) == ("avg_6_1_a", hendrik)


def test_s3_group_with_member_cases_visible_to_politie(demo: None) -> None:
    group = GroupRecord.objects.get(name="Jeugdgroep Kanaalzone")
    assert group.classification == "crimineel"
    assert group.cases.count() == 4 and group.members.count() == 4
    politie = User.objects.get(username="politie")
    assert set(group.cases.all()) <= set(case_list_for_user(user=politie))


def test_meetings_with_approved_minutes_and_actions_some_overdue(demo: None) -> None:
    held = [
        m
        for m in Meeting.objects.all()
        if m.agenda_items.exists()
        and not m.agenda_items.exclude(minutes__status=Minutes.Status.APPROVED).exists()
        and Action.objects.filter(agenda_item__meeting=m).exists()
    ]
    assert len(held) >= 2
    assert all(m.starts_at < timezone.now() for m in held)
    actions = list(Action.objects.all())
    overdue = [a for a in actions if a.is_overdue and a.status == Action.Status.OPEN]
    assert len(overdue) >= 2
    statuses = {a.status for a in actions}
    assert {Action.Status.IN_PROGRESS, Action.Status.DONE} <= statuses
    assert all(a.owner is not None for a in actions)
    assert any(a.description.startswith("Huisbezoek met twee medewerkers") for a in actions)


def test_past_casusoverleg_invites_only_partners_of_its_cases(demo: None) -> None:
    meeting = Meeting.objects.filter(
        meeting_type__code="casusoverleg", starts_at__lt=timezone.now()
    ).get()
    cases = {item.case for item in meeting.agenda_items.all()}
    assert len(cases) == 2
    invited = {a.organisation for a in meeting.attendees.all()}
    taking_part = {
        p.organisation
        for p in Participation.objects.filter(case__in=cases, withdrawn_at__isnull=True)
    }
    assert invited == taking_part
    assert not any(o.name.startswith("Algemeen") for o in invited)  # withdrew from S1


def test_upcoming_series_every_two_weeks_with_s1_first(demo: None) -> None:
    upcoming = list(
        Meeting.objects.filter(meeting_type__code="casusoverleg", starts_at__gt=timezone.now())
    )
    assert len(upcoming) == 3 and len({m.series for m in upcoming}) == 1
    assert upcoming[0].series is not None
    assert upcoming[1].starts_at - upcoming[0].starts_at == datetime.timedelta(days=14)
    (item,) = upcoming[0].agenda_items.all()
    assert "Farid" in {cp.person.given_names for cp in item.case.case_persons.all()}


def test_justitieel_casusoverleg_only_om_politie_and_gi(demo: None) -> None:
    meeting = Meeting.objects.get(meeting_type__code="justitieel-casusoverleg")
    kinds = {a.organisation.kind.code for a in meeting.attendees.all()}
    assert kinds == {"om", "politie", "gecertificeerde-instelling"}
    group = GroupRecord.objects.get(name="Jeugdgroep Kanaalzone")
    assert {i.case for i in meeting.agenda_items.all()} == set(group.cases.all())
    assert all(i.actions.exists() for i in meeting.agenda_items.all())


def test_s2_plan_with_goals_and_agreements(demo: None) -> None:
    hendrik = next(p for p in Person.objects.all() if p.given_names == "Hendrik")
    case = Case.objects.get(case_persons__person=hendrik)
    domains = {g.domain.code for g in case.plan.goals.all()}
    assert len(domains) >= 2 and "huisvesting" in domains
    assert case.plan.agreements.count() >= 2
    assert case.actions.filter(goal__isnull=False).exists()
