from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone

from partners.models import Organisation, User
from partners.roles import Role
from partners.services import api_token_issue, api_token_revoke, service_account_create
from tests.conftest import verified_client
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def token_client(key: str, **headers: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}", **headers)


@pytest.fixture
def service_key() -> tuple[User, str]:
    organisation = OrganisationFactory(name="Politie koppeling")
    account = service_account_create(organisation=organisation, name="bvh")
    _, key = api_token_issue(account=account, name="bvh")
    return account, key


def test_me_shows_the_user_with_organisation_and_roles(bob: User) -> None:
    body = verified_client(bob).get("/api/v1/me/").json()
    assert body["username"] == "bob"
    assert body["organisation"]["name"] == bob.organisation.name
    assert body["roles"] == ["ketenpartner"]
    assert body["is_service_account"] is False


def test_service_account_token_authenticates(service_key: tuple[User, str]) -> None:
    account, key = service_key
    body = token_client(key).get("/api/v1/me/").json()
    assert body["username"] == account.username
    assert body["is_service_account"] is True


def test_revoked_expired_and_unknown_tokens_are_refused(service_key: tuple[User, str]) -> None:
    account, key = service_key
    response = token_client("cr_onzin").get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    _, expired = api_token_issue(
        account=account, name="oud", expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert token_client(expired).get("/api/v1/me/").status_code == 401
    api_token_revoke(token=account.api_tokens.get(name="bvh"))
    assert token_client(key).get("/api/v1/me/").status_code == 401


def test_token_of_a_deactivated_organisation_is_refused(service_key: tuple[User, str]) -> None:
    account, key = service_key
    Organisation.objects.filter(pk=account.organisation_id).update(is_active=False)
    assert token_client(key).get("/api/v1/me/").status_code == 401


def test_service_account_cannot_log_in_with_a_password(service_key: tuple[User, str]) -> None:
    account, _ = service_key
    response = Client().post("/inloggen/", {"username": account.username, "password": ""})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_every_user_lists_active_organisations(bob: User, charlie: User) -> None:
    OrganisationFactory(name="Opgeheven stichting", is_active=False)
    names = [
        o["name"] for o in verified_client(bob).get("/api/v1/organisations/").json()["results"]
    ]
    assert charlie.organisation.name in names
    assert "Opgeheven stichting" not in names


def test_partner_cannot_add_an_organisation(bob: User) -> None:
    response = verified_client(bob).post(
        "/api/v1/organisations/", {"name": "Nieuw", "kind": "ggz"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Organisation.objects.filter(name="Nieuw").exists()


def test_beheerder_adds_an_organisation_with_its_group(beheerder: User) -> None:
    response = verified_client(beheerder).post(
        "/api/v1/organisations/",
        {"name": "GGZ Noord", "kind": "ggz"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    organisation = Organisation.objects.get(name="GGZ Noord")
    assert organisation.kind.code == "ggz"
    assert organisation.group.name.startswith("organisatie:")


def test_bad_input_gets_dutch_field_errors(beheerder: User) -> None:
    OrganisationFactory(name="Bestaat al")
    response = verified_client(beheerder).post(
        "/api/v1/organisations/",
        {"name": "bestaat al", "kind": "onbekend"},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "De invoer is niet geldig."
    assert error["fields"]["name"][0]["code"] == "duplicate"
    assert error["fields"]["kind"][0]["code"] == "does_not_exist"
    assert "bestaat niet" in error["fields"]["kind"][0]["message"]
    assert error["request_id"] == response.headers["X-Request-ID"]


def test_unknown_object_is_a_404_in_the_common_format(bob: User) -> None:
    response = verified_client(bob).get("/api/v1/organisations/999999/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_actor_of_a_token_request_is_in_the_change_log() -> None:
    organisation = OrganisationFactory(name="ZVH koppeling")
    account = service_account_create(organisation=organisation, name="idm", roles=[Role.BEHEERDER])
    _, key = api_token_issue(account=account, name="idm")
    response = token_client(key).post(
        "/api/v1/organisations/",
        {"name": "Halt Zuid", "kind": "halt"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = Organisation.objects.get(name="Halt Zuid")
    entry = LogEntry.objects.get_for_object(created).get(action=LogEntry.Action.CREATE)
    assert entry.actor == account
    assert entry.cid == response.headers["X-Request-ID"]


def test_actor_of_a_session_request_is_in_the_change_log(beheerder: User) -> None:
    organisation = OrganisationFactory(name="Te wijzigen")
    response = verified_client(beheerder).patch(
        f"/api/v1/organisations/{organisation.pk}/",
        {"is_active": False},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    entry = LogEntry.objects.get_for_object(organisation).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == beheerder
    assert "is_active" in entry.changes_dict


def test_schema_and_docs_are_served_to_logged_in_users(bob: User) -> None:
    client = verified_client(bob)
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/me/" in paths and "/api/v1/organisations/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
