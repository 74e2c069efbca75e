from __future__ import annotations

import datetime
import json

import pytest
from auditlog.models import LogEntry
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from audit.middleware import RequestContextMiddleware
from audit.models import AccessEvent
from audit.services import record_access
from partners.models import User
from partners.services import api_token_issue, service_account_create
from persons.services import person_create, person_update
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def run_in_request(request: HttpRequest, view: object) -> HttpResponse:
    return RequestContextMiddleware(view)(request)  # type: ignore[arg-type]


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_an_access_event_carries_every_field(bob: User) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.7, 10.9.9.9"
    )
    request.user = bob
    events: list[AccessEvent] = []

    def view(req: HttpRequest) -> HttpResponse:
        events.append(
            record_access(
                action=AccessEvent.Action.VIEW,
                object_type="caseroom.case",
                object_id=42,
                person_ids=["p-2", "p-1", "p-2"],
                purpose="casusoverleg; AVG art. 6(1)(e)",
            )
        )
        return HttpResponse()

    response = run_in_request(request, view)
    event = AccessEvent.objects.get(pk=events[0].pk)
    assert event.occurred_at is not None
    assert event.actor_id == bob.pk
    assert event.actor_username == "bob"
    assert event.organisation_id == bob.organisation_id
    assert event.organisation_name == bob.organisation.name
    assert event.role == "ketenpartner"
    assert event.action == "view"
    assert event.object_type == "caseroom.case"
    assert event.object_id == "42"
    assert event.person_ids == ["p-1", "p-2"]
    assert event.purpose == "casusoverleg; AVG art. 6(1)(e)"
    assert event.client_ip == "198.51.100.7"
    assert event.request_id == response.headers["X-Request-ID"]
    assert event.result == "success"
    assert event.on_behalf_of == ""


def test_forwarded_for_from_an_untrusted_peer_is_ignored(bob: User) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    request.user = bob
    events: list[AccessEvent] = []

    def view(req: HttpRequest) -> HttpResponse:
        events.append(record_access(action="list", object_type="caseroom.case"))
        return HttpResponse()

    run_in_request(request, view)
    assert events[0].client_ip == "203.0.113.5"


def test_a_service_account_records_on_whose_behalf_it_acts() -> None:
    account = service_account_create(organisation=OrganisationFactory(), name="bvh")
    api_token_issue(account=account, name="bvh")
    request = RequestFactory().get("/", HTTP_X_ON_BEHALF_OF="agent-4711")
    request.user = account
    events: list[AccessEvent] = []

    def view(req: HttpRequest) -> HttpResponse:
        events.append(
            record_access(action="check", object_type="persons.person", result="not_found")
        )
        return HttpResponse()

    run_in_request(request, view)
    assert events[0].on_behalf_of == "agent-4711"
    assert events[0].actor_username == account.username
    assert events[0].result == "not_found"


def test_access_outside_a_request_is_recorded_for_the_given_user(bob: User) -> None:
    event = record_access(action="export", object_type="audit.report", user=bob)
    assert event.actor_username == "bob" and event.request_id == "" and event.client_ip is None


def test_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown access action"):
        record_access(action="peek", object_type="x")


def test_no_plaintext_of_an_encrypted_field_reaches_the_change_log() -> None:
    person = person_create(
        surname="Haidari",
        given_names="Farid",
        bsn="111222333",
        birth_date=datetime.date(1968, 7, 1),
    )
    person_update(person=person, surname="Haidari-Rahimi", bsn="123456782", given_names="Farid A.")
    actions = set(LogEntry.objects.get_for_object(person).values_list("action", flat=True))
    assert actions == {LogEntry.Action.CREATE, LogEntry.Action.UPDATE}
    secrets = ["Haidari", "Farid", "111222333", "123456782", "1968-07-01", "Rahimi"]
    for entry in LogEntry.objects.all():
        dumped = json.dumps(
            {
                "changes": entry.changes,
                "repr": entry.object_repr,
                "serialized": entry.serialized_data,
                "additional": entry.additional_data,
            },
            default=str,
        )
        for secret in secrets:
            assert secret not in dumped
            # Not even half of it (auditlog's own masking keeps the second half).
            assert secret[len(secret) // 2 :] not in dumped
        assert "bsn_index" not in dumped and "name_index" not in dumped
    update = LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.UPDATE)
    # The change itself is visible, its content is a constant.
    assert update.changes_dict["surname"] == ["[versleuteld]", "[versleuteld]"]
    assert update.changes_dict["bsn"] == ["[versleuteld]", "[versleuteld]"]
    assert "birth_date" not in update.changes_dict
