from __future__ import annotations

import time

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.middleware import IDLE_KEY, STARTED_KEY
from partners.models import User
from partners.services import service_account_create
from tests.conftest import verified_client
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_a_service_account_with_a_password_still_cannot_log_in() -> None:
    account = service_account_create(organisation=OrganisationFactory(), name="koppeling")
    account.set_password("een-echt-wachtwoord-2026")
    account.save()
    response = Client().post(
        "/inloggen/", {"username": account.username, "password": "een-echt-wachtwoord-2026"}
    )
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_beheerder_cannot_read_second_factor_secrets(beheerder: User, bob: User) -> None:
    device = TOTPDevice.objects.create(user=bob, name="app", confirmed=True)
    client = verified_client(beheerder)
    for url in (
        "/beheer/otp_totp/totpdevice/",
        f"/beheer/otp_totp/totpdevice/{device.pk}/change/",
        f"/beheer/otp_totp/totpdevice/{device.pk}/config/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert device.key not in response.content.decode()


def test_a_password_change_is_logged_without_the_hash(bob: User) -> None:
    bob.set_password("een-nieuw-wachtwoord-2026")
    bob.save()
    entry = LogEntry.objects.get_for_object(bob).filter(action=LogEntry.Action.UPDATE).latest("pk")
    assert entry.changes_dict["password"] == ["[versleuteld]", "[versleuteld]"]
    assert bob.password not in str(entry.changes)


def test_linking_a_second_factor_is_logged_without_its_secret(bob: User) -> None:
    device = TOTPDevice.objects.create(user=bob, name="app", confirmed=False)
    entry = LogEntry.objects.get_for_object(device).get()
    assert device.key not in str(entry.changes)


def test_an_active_session_still_ends_after_the_maximum_age(alice: User) -> None:
    client = verified_client(alice)
    assert client.get("/").status_code == 200
    session = client.session
    session[STARTED_KEY] = time.time() - settings.SESSION_MAX_AGE.total_seconds() - 5
    session[IDLE_KEY] = time.time()
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "verlopen=1" in response.url


def test_beheerder_configures_categories_but_sees_no_cases(beheerder: User) -> None:
    client = verified_client(beheerder)
    assert client.get("/beheer/caseroom/informationcategory/").status_code == 200
    response = client.post(
        "/beheer/caseroom/informationcategory/add/",
        {"code": "verslaving", "label": "Verslaving", "is_special": "on", "position": 10},
    )
    assert response.status_code == 302
    from caseroom.models import InformationCategory

    category = InformationCategory.objects.get(code="verslaving")
    assert category.permission.codename == "view_category_verslaving"
    assert client.get("/beheer/caseroom/case/").status_code == 404
    assert client.get("/api/v1/cases/").json()["count"] == 0


def test_beheerder_configures_meeting_types(beheerder: User) -> None:
    client = verified_client(beheerder)
    assert client.get("/beheer/caseroom/meetingtype/").status_code == 200
    assert client.get("/beheer/caseroom/lifedomain/").status_code == 200
    assert client.get("/beheer/caseroom/meeting/").status_code == 404
