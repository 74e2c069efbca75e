from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.models import User
from partners.roles import Role
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Rate limits live in the cache; user ids repeat between tests on SQLite."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def dutch() -> Iterator[None]:
    """Every test starts in Dutch; a request that switched language does not leak."""
    with translation.override("nl"):
        yield


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(role: str = Role.KETENPARTNER, **kwargs: object) -> User:
        return UserFactory(roles=[role], **kwargs)

    return make


def verified_client(user: User) -> Client:
    """A browser session for a user who passed the password and the second factor."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def alice(make_user: Callable[..., User]) -> User:
    """Procesregisseur at the ZVH."""
    org = OrganisationFactory(name="ZVH Test")
    return make_user(Role.PROCESREGISSEUR, organisation=org, username="alice")


@pytest.fixture
def bob(make_user: Callable[..., User]) -> User:
    """Partner staff (politie)."""
    return make_user(Role.KETENPARTNER, username="bob")


@pytest.fixture
def charlie(make_user: Callable[..., User]) -> User:
    """Another partner's staff: should have no access to what is not theirs."""
    return make_user(Role.KETENPARTNER, username="charlie")


@pytest.fixture
def beheerder(make_user: Callable[..., User]) -> User:
    return make_user(Role.BEHEERDER, username="beheer")
