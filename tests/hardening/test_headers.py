"""Headers and sessions (ASVS V3, V14): a strict CSP without unsafe-inline, HSTS on HTTPS,
no framing, a referrer policy; a new session key at login and again at the second factor;
a CSRF token in every form of every page. Rate limits on login and hit/no-hit are tested in
tests/partners/test_auth.py and tests/caseroom/test_api.py."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.models import User
from tests.caseroom.conftest import World
from tests.conftest import verified_client
from tests.hardening.authz_world import build
from tests.hardening.test_authz_matrix import routes, url_for

pytestmark = pytest.mark.django_db
PASSWORD = "een-lang-wachtwoord-2026"


def directives(header: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_every_page_has_a_strict_policy_and_hsts_over_https(world: World) -> None:
    client = verified_client(world.regisseur)
    for url in (reverse("partners:login"), reverse("caseroom:case_list"), "/api/v1/me/"):
        asking = Client() if url == reverse("partners:login") else client
        response = asking.get(url, secure=True)
        assert response.status_code == 200, url
        csp = directives(response["Content-Security-Policy"])
        assert csp["frame-ancestors"] == ["'none'"], url
        assert csp["object-src"] == ["'none'"], url
        for directive in ("default-src", "script-src", "style-src"):
            assert csp[directive] == ["'self'"], (url, directive)  # no unsafe-inline, no eval
        assert "unsafe" not in response["Content-Security-Policy"]
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_session_key_changes_at_login_and_at_the_second_factor(world: World) -> None:
    user: User = world.politie
    user.set_password(PASSWORD)
    user.save()
    device = TOTPDevice.objects.create(user=user, name="telefoon", confirmed=True)
    client = Client()
    client.get(reverse("partners:login"))
    client.session.save()
    anonymous = client.session.session_key
    response = client.post(
        reverse("partners:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    after_password = client.session.session_key
    assert after_password != anonymous  # a planted session id does not survive the login
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(reverse("partners:two_factor"), {"token": code})
    assert response.status_code == 302
    assert client.session.session_key not in (anonymous, after_password)
    assert client.get(reverse("caseroom:case_list")).status_code == 200


FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


def test_every_post_form_on_every_page_carries_a_csrf_token(world: World) -> None:
    matrix = build(world)
    pages = {n: r for n, r in routes().items() if not r[0].startswith("api/")}
    checked = 0
    for user in (matrix.users[(role, "own")] for role, _ in matrix.users if _ == "own"):
        client = verified_client(user)
        for name, (_, kwargs) in pages.items():
            response = client.get(url_for(name, kwargs, matrix))
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            for form in FORM.findall(response.content.decode()):
                if re.search(r'method=["\']?post', form, re.I):
                    assert "csrfmiddlewaretoken" in form, (user.username, name, form[:200])
                    checked += 1
    assert checked > 20  # the pages were reached: forms of triage, meetings, consent, …
