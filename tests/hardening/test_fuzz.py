"""Property-based fuzzing of the API with schemathesis over ``/api/schema/``, as two partner
identities of different organisations (service accounts with API tokens): politie of house
A, taking part in house A's case, and politie of house B, taking part in house B's case.

For every generated request: no 5xx, the response matches the schema (status code, content
type, body), and no response to one identity contains an id of an object only the other may
see (persons, contributions, participations, referrals, case numbers).

The budget is ``FUZZ_EXAMPLES`` generated requests per identity (small in ``make test``,
larger in ``make fuzz``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks

from caseroom.models import Case
from partners.models import Organisation
from partners.services import api_token_issue, service_account_create
from tests.caseroom.conftest import World
from tests.hardening.authz_world import second_house

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def token_for(organisation: Organisation, name: str) -> str:
    account = service_account_create(organisation=organisation, name=name)
    return api_token_issue(account=account, name=name)[1]


def secrets_of(case: Case) -> set[str]:
    """Identifiers of what only the case's participants may see."""
    found = {case.number}
    found |= {str(p) for p in case.case_persons.values_list("person_id", flat=True)}
    found |= {str(p) for p in case.contributions.values_list("pk", flat=True)}
    found |= {str(p) for p in case.participations.values_list("pk", flat=True)}
    if case.referral_id:
        found.add(str(case.referral_id))
    return found


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """The real WSGI handler, without closing the database connection after each request
    (as Django's test client does): the test's transaction holds the world."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema() -> Iterator[Any]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(schema)
    yield loaded


def no_foreign_ids(forbidden: set[str]) -> Any:
    def check(response: Any) -> None:
        text = response.text if hasattr(response, "text") else response.content.decode()
        leaked = sorted(i for i in forbidden if i in text)
        assert not leaked, f"response contains ids of another organisation's case: {leaked}"

    return check


def test_the_api_survives_fuzzing_and_leaks_nothing_between_organisations(
    world: World, api_schema: Any, wsgi_app: Any
) -> None:
    house_b = second_house(world)
    identities = {
        "A": (token_for(world.politie.organisation, "fuzz-a"), secrets_of(house_b.case)),
        "B": (token_for(house_b.politie.organisation, "fuzz-b"), secrets_of(world.case)),
    }
    app = wsgi_app
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations
    failures: list[str] = []
    seen_statuses: dict[str, int] = {}

    def fuzz(who: str, headers: dict[str, str], leak_check: Any) -> None:
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def run(data: st.DataObject) -> None:
            operation = data.draw(st.sampled_from(operations))
            case = data.draw(operation.as_strategy())
            cache.clear()  # rate limits (hit/no-hit) would turn later questions into 429
            response = case.call(app=app, headers=headers)
            status = str(response.status_code)
            seen_statuses[status] = seen_statuses.get(status, 0) + 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
                leak_check(response)
            except Exception as failure:  # AssertionError or schemathesis' FailureGroup
                failures.append(f"{who} {case.method} {case.formatted_path}: {failure}")
                raise

        run()

    for who, (token, forbidden) in identities.items():
        fuzz(who, {"Authorization": f"Token {token}"}, no_foreign_ids(forbidden))
    assert not failures, "\n".join(failures[:5])
    # The fuzz must reach past authentication and validation, or it proves nothing.
    assert seen_statuses.get("200", 0) > 0, seen_statuses
