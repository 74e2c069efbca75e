"""Every need-to-know rule of DESIGN.md §6, through the API, with the three personas:
the participant who may, the partner who may not, the outsider."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from audit.models import AccessEvent, ReviewItem
from caseroom.models import CaseGroupObjectPermission
from partners.models import User
from tests.caseroom.conftest import World
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def get(user: User, url: str) -> tuple[int, object]:
    response = verified_client(user).get(url)
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    body = response.json() if is_json else None
    return response.status_code, body


def case_numbers(user: User) -> list[str]:
    status, body = get(user, "/api/v1/cases/")
    assert status == 200
    return [c["number"] for c in body["results"]]  # type: ignore[index]


def categories_seen(user: User, world: World) -> set[str]:
    status, body = get(user, f"/api/v1/cases/{world.case.pk}/contributions/")
    assert status == 200
    return {c["category"] for c in body["results"]}  # type: ignore[index]


# Rule 1: a case is visible only through a participation (or break-the-glass, or the house).


def test_participant_sees_the_case(world: World) -> None:
    assert world.case.number in case_numbers(world.politie)
    assert get(world.politie, f"/api/v1/cases/{world.case.pk}/")[0] == 200


def test_partner_not_in_the_case_sees_neither_list_entry_nor_case(world: World) -> None:
    assert world.other_case.number not in case_numbers(world.politie)
    assert get(world.politie, f"/api/v1/cases/{world.other_case.pk}/")[0] == 404


def test_outsider_gets_404_everywhere_in_the_case(world: World) -> None:
    case = world.case.pk
    contribution = world.contributions["politie"].pk
    for url in (
        f"/api/v1/cases/{case}/",
        f"/api/v1/cases/{case}/contributions/",
        f"/api/v1/cases/{case}/contributions/{contribution}/",
        f"/api/v1/cases/{case}/participants/",
        f"/api/v1/cases/{case}/timeline/",
        f"/api/v1/cases/{case}/persons/",
        f"/api/v1/persons/{world.person.pk}/",
    ):
        assert get(world.outsider, url)[0] == 404, url
    assert world.case.number not in case_numbers(world.outsider)


def test_house_procesregisseur_sees_every_case_of_the_house(world: World) -> None:
    assert {world.case.number, world.other_case.number} <= set(case_numbers(world.regisseur))


def test_privacy_officer_sees_no_case_content(world: World) -> None:
    assert case_numbers(world.privacy) == []
    assert get(world.privacy, f"/api/v1/cases/{world.case.pk}/")[0] == 404


def test_missing_and_forbidden_look_the_same(world: World) -> None:
    forbidden = verified_client(world.outsider).get(f"/api/v1/cases/{world.case.pk}/")
    missing = verified_client(world.outsider).get("/api/v1/cases/999999/")
    assert forbidden.status_code == missing.status_code == 404
    forbidden_body = {k: v for k, v in forbidden.json()["error"].items() if k != "request_id"}
    missing_body = {k: v for k, v in missing.json()["error"].items() if k != "request_id"}
    assert forbidden_body == missing_body


# Rules 2 and 3: categories.


def test_politie_sees_politie_and_justitie_but_not_zorg(world: World) -> None:
    assert categories_seen(world.politie, world) == {"politie", "justitie"}


def test_ggz_sees_zorg_but_not_justitie(world: World) -> None:
    assert categories_seen(world.ggz, world) == {"zorg"}


def test_woningcorporatie_sees_only_basis_and_wonen(world: World) -> None:
    assert categories_seen(world.woning, world) == {"wonen"}
    participation = world.participations["woning"]
    assert set(participation.categories.values_list("code", flat=True)) == {"basis", "wonen"}


def test_partner_without_zorg_category_gets_404_on_health_contribution(world: World) -> None:
    zorg = world.contributions["zorg"].pk
    assert get(world.politie, f"/api/v1/cases/{world.case.pk}/contributions/{zorg}/")[0] == 404
    assert get(world.ggz, f"/api/v1/cases/{world.case.pk}/contributions/{zorg}/")[0] == 200


def test_timeline_hides_contributions_of_categories_not_granted(world: World) -> None:
    status, body = get(world.woning, f"/api/v1/cases/{world.case.pk}/timeline/")
    assert status == 200
    categories = {e["category"] for e in body if e["kind"] == "contribution_added"}  # type: ignore[union-attr]
    assert categories == {"wonen"}


# Rule 5 is above (404). Rule 6: withdrawal takes effect on the next request.


def test_withdrawal_takes_effect_on_the_next_request(world: World) -> None:
    client = verified_client(world.woning)
    assert client.get(f"/api/v1/cases/{world.case.pk}/").status_code == 200
    participation = world.participations["woning"]
    response = verified_client(world.regisseur).post(
        f"/api/v1/cases/{world.case.pk}/participants/{participation.pk}/withdraw/",
        {"reason": "Medewerkers zijn bang voor de familie."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert client.get(f"/api/v1/cases/{world.case.pk}/").status_code == 404
    assert client.get(f"/api/v1/cases/{world.case.pk}/contributions/").status_code == 404
    assert not CaseGroupObjectPermission.objects.filter(
        content_object=world.case, group=world.woning.organisation.group
    ).exists()
    # The withdrawal is on the timeline for those who remain.
    status, body = get(world.politie, f"/api/v1/cases/{world.case.pk}/timeline/")
    assert "participant_withdrawn" in [e["kind"] for e in body]  # type: ignore[union-attr]


def test_a_partner_may_withdraw_its_own_participation(world: World) -> None:
    participation = world.participations["ggz"]
    response = verified_client(world.ggz).post(
        f"/api/v1/cases/{world.case.pk}/participants/{participation.pk}/withdraw/",
        {"reason": "Geen behandelrelatie meer."},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert get(world.ggz, f"/api/v1/cases/{world.case.pk}/")[0] == 404


def test_another_partner_cannot_withdraw_someone_elses_participation(world: World) -> None:
    participation = world.participations["ggz"]
    response = verified_client(world.politie).post(
        f"/api/v1/cases/{world.case.pk}/participants/{participation.pk}/withdraw/",
        {"reason": "Poging"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert get(world.ggz, f"/api/v1/cases/{world.case.pk}/")[0] == 200


def test_participation_until_a_past_date_gives_no_access(world: World) -> None:
    participation = world.participations["woning"]
    participation.until = timezone.localdate() - timedelta(days=1)
    participation.save()
    from caseroom.services import _write_grants

    _write_grants(participation)
    assert get(world.woning, f"/api/v1/cases/{world.case.pk}/")[0] == 404


# The secret address.


def secret_streets(user: User, world: World) -> list[str]:
    status, body = get(user, f"/api/v1/persons/{world.person.pk}/")
    assert status == 200
    return [a["street"] for a in body["addresses"] if a["is_secret"]]  # type: ignore[index]


def test_secret_address_exists_only_for_its_organisations(world: World) -> None:
    assert secret_streets(world.veilig_thuis, world) == ["Geheimstraat 1"]
    assert secret_streets(world.regisseur, world) == ["Geheimstraat 1"]
    for user in (world.politie, world.ggz, world.woning):
        assert secret_streets(user, world) == []
        body = verified_client(user).get(f"/api/v1/persons/{world.person.pk}/").content.decode()
        assert "Geheimstraat" not in body and "Elders" not in body


# Rule 7: break-the-glass.


def break_glass(user: User, number: str, categories: list[str] | None = None) -> object:
    return verified_client(user).post(
        "/api/v1/break-glass/",
        {
            "case_number": number,
            "reason": "Acute crisis: betrokkene dreigt het huis in brand te steken.",
            **({"categories": categories} if categories else {}),
        },
        content_type="application/json",
    )


def test_break_the_glass_opens_the_case_for_a_few_hours_and_is_logged(world: World) -> None:
    number = world.case.number
    assert get(world.outsider, f"/api/v1/cases/{world.case.pk}/")[0] == 404
    response = break_glass(world.outsider, number)
    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    assert get(world.outsider, f"/api/v1/cases/{world.case.pk}/")[0] == 200
    assert number in case_numbers(world.outsider)
    # Only basis was asked for: no politie or zorg content.
    assert categories_seen(world.outsider, world) == set()
    event = AccessEvent.objects.get(action="break_glass")
    assert event.actor_username == "buiten"
    assert str(world.person.pk) in event.person_ids
    use = world.case.break_glass_uses.get()
    review = ReviewItem.objects.get(source_id=str(use.pk))
    assert (review.rule, review.status, review.event_seq) == ("break_glass", "open", event.seq)
    with freeze_time(timezone.now() + timedelta(hours=5)):
        assert get(world.outsider, f"/api/v1/cases/{world.case.pk}/")[0] == 404
        assert number not in case_numbers(world.outsider)


def test_break_the_glass_needs_a_real_reason(world: World) -> None:
    response = verified_client(world.outsider).post(
        "/api/v1/break-glass/",
        {"case_number": world.case.number, "reason": "even kijken"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert get(world.outsider, f"/api/v1/cases/{world.case.pk}/")[0] == 404


def test_break_the_glass_on_an_unknown_case_is_404(world: World) -> None:
    assert break_glass(world.outsider, "ZVH-1999-9999").status_code == 404  # type: ignore[attr-defined]


def test_break_the_glass_notifies_the_privacy_officer_without_names(
    world: World, mailoutbox: list[object], django_capture_on_commit_callbacks: object
) -> None:
    world.privacy.email = "privacy@zvh.invalid"
    world.privacy.save()
    from caseroom.tasks import notify_break_glass

    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        break_glass(world.outsider, world.case.number)
    assert len(callbacks) == 1  # the notification is queued once the grant is committed
    access_id = str(world.case.break_glass_uses.get().pk)
    assert notify_break_glass(access_id) == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert world.case.number in mail.subject  # type: ignore[attr-defined]
    assert "Haidari" not in mail.body and "Farid" not in mail.body  # type: ignore[attr-defined]
    # Safe to run twice: a second delivery sends nothing.
    assert notify_break_glass(access_id) == 0
    assert len(mailoutbox) == 1


# Every read is an access event with the persons exposed.


def test_every_read_writes_an_access_event_with_the_persons(world: World) -> None:
    client = verified_client(world.politie)
    for url in (
        "/api/v1/cases/",
        f"/api/v1/cases/{world.case.pk}/",
        f"/api/v1/cases/{world.case.pk}/contributions/",
        f"/api/v1/cases/{world.case.pk}/persons/",
        f"/api/v1/persons/{world.person.pk}/",
        "/api/v1/persons/",
    ):
        before = AccessEvent.objects.count()
        assert client.get(url).status_code == 200, url
        event = AccessEvent.objects.order_by("-pk").first()
        assert AccessEvent.objects.count() == before + 1, url
        assert event is not None and str(world.person.pk) in event.person_ids, url
        assert event.organisation_name == "Politie Oost"


def test_anonymous_and_unverified_users_get_nothing(world: World) -> None:
    assert Client().get("/api/v1/cases/").status_code == 401
    client = Client()
    client.force_login(world.politie)
    assert client.get("/api/v1/cases/").status_code == 403


def test_break_the_glass_lets_one_read_but_not_contribute(world: World) -> None:
    break_glass(world.outsider, world.case.number, ["basis", "politie"])
    assert categories_seen(world.outsider, world) == {"politie"}
    response = verified_client(world.outsider).post(
        f"/api/v1/cases/{world.case.pk}/contributions/",
        {"category": "politie", "text": "Iets toevoegen"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "category_not_granted"
