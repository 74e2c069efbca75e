from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.middleware import IDLE_KEY
from partners.models import User
from tests.conftest import verified_client
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def current_totp(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def login(client: Client, username: str, password: str = TEST_PASSWORD) -> object:
    return client.post(reverse("partners:login"), {"username": username, "password": password})


def test_login_page_is_dutch_even_for_an_english_browser() -> None:
    response = Client().get(reverse("partners:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert "Inloggen" in response.content.decode()
    assert response.headers["Content-Language"] == "nl"


def test_anonymous_visitor_is_sent_to_login() -> None:
    response = Client().get(reverse("partners:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("partners:login"))


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_first_login_enrols_a_totp_device_with_a_qr_code(alice: User) -> None:
    client = Client()
    response = login(client, "alice")
    assert response.status_code == 302
    assert response.url == reverse("partners:home")
    # Password alone does not open the start page.
    assert client.get(reverse("partners:home")).url == reverse("partners:two_factor")
    page = client.get(reverse("partners:two_factor"))
    assert "QR-code" in page.content.decode()
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    wrong = client.post(reverse("partners:two_factor"), {"token": "000000"})
    assert "onjuist" in wrong.content.decode()
    response = client.post(reverse("partners:two_factor"), {"token": current_totp(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    home = client.get(reverse("partners:home"))
    assert home.status_code == 200
    assert "Procesregie" in home.content.decode()


def test_wrong_codes_slow_down_further_tries(alice: User) -> None:
    device = TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    client = Client()
    login(client, "alice")
    client.post(reverse("partners:two_factor"), {"token": "000000"})
    response = client.post(reverse("partners:two_factor"), {"token": current_totp(device)})
    assert "Te veel onjuiste codes" in response.content.decode()
    assert client.get(reverse("partners:home")).status_code == 302


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_enrolled_user_must_enter_a_valid_code(alice: User) -> None:
    device = TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    client = Client()
    login(client, "alice")
    page = client.get(reverse("partners:two_factor"))
    assert "QR-code" not in page.content.decode()
    client.post(reverse("partners:two_factor"), {"token": "123456"})
    assert client.get(reverse("partners:home")).status_code == 302
    client.post(reverse("partners:two_factor"), {"token": current_totp(device)})
    assert client.get(reverse("partners:home")).status_code == 200


def test_user_without_verified_second_factor_reaches_no_page_and_no_api(alice: User) -> None:
    client = Client()
    client.force_login(alice)
    for name in ("partners:home", "admin:index"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url == reverse("partners:two_factor")
    for url in ("/api/v1/me/", "/api/v1/organisations/", "/api/schema/", "/api/docs/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "second_factor_required"


def test_nothing_under_api_is_anonymous() -> None:
    for url in ("/api/v1/me/", "/api/v1/organisations/", "/api/schema/", "/api/docs/"):
        response = Client().get(url)
        assert response.status_code == 401, url
        assert response.headers["WWW-Authenticate"] == "Token"
    response = Client().get("/api/v1/me/")
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.json()["error"]["message"] == "Authenticatiegegevens zijn niet opgegeven."


def test_lockout_after_repeated_failures(alice: User) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, "alice", "fout-wachtwoord")
        assert response.status_code == 200
        assert "correct" in response.content.decode() or "juist" in response.content.decode()
    response = login(client, "alice", "fout-wachtwoord")
    assert response.status_code == 429
    # Even the right password is refused now, from another browser too.
    response = login(Client(), "alice", TEST_PASSWORD)
    assert response.status_code == 429
    assert "tijdelijk geblokkeerd" in response.content.decode()


def test_idle_session_expires(alice: User) -> None:
    client = verified_client(alice)
    assert client.get(reverse("partners:home")).status_code == 200
    session = client.session
    session[IDLE_KEY] = time.time() - settings.SESSION_IDLE_TIMEOUT.total_seconds() - 5
    session.save()
    response = client.get(reverse("partners:home"))
    assert response.status_code == 302
    assert "verlopen=1" in response.url
    assert client.get(reverse("partners:home")).status_code == 302


def test_active_session_within_the_idle_limit_stays(alice: User) -> None:
    client = verified_client(alice)
    session = client.session
    session[IDLE_KEY] = time.time() - settings.SESSION_IDLE_TIMEOUT.total_seconds() + 60
    session.save()
    assert client.get(reverse("partners:home")).status_code == 200


def test_logout_ends_the_session(alice: User) -> None:
    client = verified_client(alice)
    client.post(reverse("partners:logout"))
    assert client.get(reverse("partners:home")).status_code == 302


def test_admin_is_only_for_the_beheerder(alice: User, beheerder: User) -> None:
    assert verified_client(beheerder).get(reverse("admin:index")).status_code == 200
    assert verified_client(beheerder).get("/beheer/partners/organisation/").status_code == 200
    response = verified_client(alice).get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/beheer/login/" in response.url


def test_start_page_shows_the_sections_of_the_users_roles(alice: User, bob: User) -> None:
    assert "Procesregie" in verified_client(alice).get("/").content.decode()
    page = verified_client(bob).get("/").content.decode()
    assert "Mijn casussen" in page and "Procesregie" not in page


def test_english_can_be_chosen(alice: User) -> None:
    client = verified_client(alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Log out" in page
    assert 'lang="en"' in page


def test_beheerder_adds_a_user_with_roles_in_the_admin(beheerder: User, bob: User) -> None:
    client = verified_client(beheerder)
    assert client.get("/beheer/partners/user/add/").status_code == 200
    response = client.post(
        "/beheer/partners/user/add/",
        {
            "username": "nieuw",
            "organisation": bob.organisation_id,
            "roles": ["ketenpartner", "procesregisseur"],
            "password1": "een-lang-wachtwoord-2026",
            "password2": "een-lang-wachtwoord-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="nieuw")
    assert user.roles == {"ketenpartner", "procesregisseur"}
    assert user.groups.filter(pk=bob.organisation.group_id).exists()
    page = client.get(f"/beheer/partners/user/{user.pk}/change/")
    assert page.status_code == 200
    assert "organisatie:" not in page.content.decode()


def test_session_requests_without_a_csrf_token_are_refused(beheerder: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies = verified_client(beheerder).cookies
    response = client.post("/api/v1/organisations/", {"name": "Zonder token"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert client.post(reverse("partners:logout")).status_code == 403
    assert client.get(reverse("partners:home")).status_code == 200


def test_login_form_without_a_csrf_token_is_refused(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("partners:login"), {"username": "alice", "password": TEST_PASSWORD}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
