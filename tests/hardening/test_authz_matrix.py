"""The authorization matrix: every route of the URL configuration × every method it serves ×
every role × {own organisation taking part, another house's organisation, an organisation
with no part anywhere}, plus an anonymous visitor, against the outcome declared in one table
(``EXPECTED``, in authz_table.py). A route or method without an entry fails the suite.

Each request runs in a savepoint that is rolled back, so a write by one user does not change
what the next one meets. Write methods are sent with an empty body: a user who may act gets
past the permission checks and meets validation (``invalid``: 400 or 409); a user who may
not gets 403 or 404 before anything is validated. ``ok`` is 2xx or a redirect other than to
the login page (a web form re-shown with its errors is a 200).

``AUTHZ_MATRIX_PRINT=1 pytest tests/hardening/test_authz_matrix.py -k observed -s`` prints
the observed outcomes in the table's notation, to review a new route.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from partners.roles import Role
from tests.caseroom.conftest import World
from tests.conftest import verified_client
from tests.hardening.authz_table import ADMIN_PREFIX, EXPECTED, Outcomes
from tests.hardening.authz_world import CONTEXTS, ROLES, MatrixWorld, build

pytestmark = pytest.mark.django_db
LOGIN = "/inloggen/"
WRITE = ("POST", "PUT", "PATCH", "DELETE")


def routes() -> dict[str, tuple[str, list[str]]]:
    """Route name → (pattern, kwarg names) for every named route outside the admin; the
    format-suffix twins of the API routes share their route's entry."""
    found: dict[str, tuple[str, list[str]]] = {}

    def walk(entries: list[URLPattern | URLResolver], prefix: str, namespace: str) -> None:
        for entry in entries:
            route = prefix + str(entry.pattern).lstrip("^")
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
                walk(list(entry.url_patterns), route, inner)
            elif entry.name and f"{namespace}{entry.name}" not in found:
                kwargs = list(entry.pattern.regex.groupindex)
                found[f"{namespace}{entry.name}"] = (route, kwargs)

    walk(list(get_resolver().url_patterns), "", "")
    return found


def viewset_methods(name: str) -> set[str] | None:
    """The methods a DRF route serves, when the resolver knows them (viewsets)."""
    for pattern in _patterns():
        if pattern[0] == name:
            actions = getattr(pattern[1].callback, "actions", None)
            # DRF adds HEAD to a GET route's actions once it has served a request.
            return {m.upper() for m in actions} - {"HEAD"} if actions else None
    return None


def _patterns() -> Iterator[tuple[str, URLPattern]]:
    def walk(entries: list[URLPattern | URLResolver], namespace: str) -> Iterator[Any]:
        for entry in entries:
            if isinstance(entry, URLResolver):
                if entry.namespace != "admin":
                    inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
                    yield from walk(list(entry.url_patterns), inner)
            elif entry.name:
                yield f"{namespace}{entry.name}", entry

    yield from walk(list(get_resolver().url_patterns), "")


# --- the objects a route's URL names -----------------------------------------------------------

PK_BY_ROUTE: dict[str, str] = {
    "v1:case-detail": "case",
    "v1:case-groups": "case",
    "v1:case-persons": "case",
    "v1:case-timeline": "case",
    "v1:person-detail": "person",
    "v1:person-addresses": "person",
    "v1:person-relations": "person",
    "v1:referral-detail": "referral",
    "v1:referral-triage": "referral",
    "v1:meeting-detail": "meeting",
    "v1:meeting-agenda": "meeting",
    "v1:meeting-attendees": "meeting",
    "v1:meeting-sign": "meeting",
    "v1:meeting-view": "meeting",
    "v1:action-set-status": "action",
    "v1:minutes-detail": "agenda_item",
    "v1:minutes-amend": "agenda_item",
    "v1:minutes-approve": "agenda_item",
    "v1:break-glass-review-detail": "break_glass",
    "v1:audit-review-detail": "review_item",
    "v1:organisation-detail": "organisation",
    "v1:participant-detail": "participation",
    "v1:participant-withdraw": "participation",
    "v1:legal-basis-end": "legal_basis",
    "v1:consent-withdraw": "consent",
    "v1:contribution-detail": "contribution",
    "v1:contribution-attachment": "contribution",
    "v1:subject-request-detail": "subject_request",
    "v1:subject-request-report": "subject_request",
    "v1:subject-request-task-done": "subject_request",
    "v1:subject-request-action": "subject_request",
    "v1:escalation-respond": "escalation",
    "v1:escalation-close": "escalation",
    "v1:directive-pdf": "directive",
    "v1:retention-extension-decide": "extension",
}
CLOSED_CASE_ROUTES = {"v1:retention-hold", "v1:retention-extension-request"}
KWARG_OBJECT = {
    "contribution_id": "contribution",
    "attachment_id": "attachment",
    "attachment_pk": "attachment",
    "participation_id": "participation",
    "person_id": "person",
    "referral_id": "referral",
    "meeting_id": "meeting",
    "attendee_id": "attendee",
    "action_id": "action",
    "request_id": "subject_request",
    "task_pk": "task",
}


def url_for(name: str, kwarg_names: list[str], matrix: MatrixWorld) -> str:
    world, ids = matrix.base, matrix.ids
    objects = {
        **ids,
        "case": world.case.pk,
        "person": world.person.pk,
        "organisation": world.politie.organisation_id,
    }
    kwargs: dict[str, Any] = {}
    for kwarg in kwarg_names:
        if kwarg == "format":
            continue
        if kwarg in ("case_id", "case_pk"):
            kwargs[kwarg] = ids["closed_case"] if name in CLOSED_CASE_ROUTES else world.case.pk
        elif kwarg == "pk":
            kwargs[kwarg] = objects[PK_BY_ROUTE[name]]
        elif kwarg == "item_id":
            kwargs[kwarg] = ids["review_item"] if name.startswith("audit:") else ids["agenda_item"]
        elif kwarg == "step":
            kwargs[kwarg] = "extend"
        else:
            kwargs[kwarg] = objects[KWARG_OBJECT[kwarg]]
    query = ""
    if name == "v1:export-anonymised":  # a house and a period are required
        query = f"?house={world.house.organisation_id}"
    return reverse(name, kwargs=kwargs) + query


# --- asking -------------------------------------------------------------------------------------


def outcome(response: Any) -> str:
    code = response.status_code
    if code in (401, 403, 404, 405, 429):
        return str(code)
    if code >= 500:
        return "500"
    if code in (301, 302) and response.get("Location", "").startswith(LOGIN):
        return "login"
    if code in (400, 409):
        return "invalid"  # past the permission checks, stopped by validation
    return "ok"


def ask(client: Client, method: str, url: str, api: bool) -> str:
    """One request in a savepoint that is rolled back; the client's cookies are put back too
    (a logout or a login would otherwise end the session for the next question)."""
    cache.clear()  # rate limits: every question starts fresh
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        if api and method in WRITE:
            response = client.generic(method, url, data="{}", content_type="application/json")
        elif method in WRITE:
            response = client.generic(
                method, url, data="", content_type="application/x-www-form-urlencoded"
            )
        else:
            response = client.generic(method, url)
        transaction.set_rollback(True)
    client.cookies = cookies
    return outcome(response)


def clients(matrix: MatrixWorld) -> dict[tuple[str, str], Client]:
    made: dict[tuple[str, str], Client] = {}
    for key, user in matrix.users.items():
        made[key] = verified_client(user)
    return made


def observe(
    matrix: MatrixWorld, name: str, method: str, made: dict[tuple[str, str], Client]
) -> Outcomes:
    route, kwarg_names = routes()[name]
    url = url_for(name, kwarg_names, matrix)
    api = route.startswith("api/")
    seen: dict[str, str] = {}
    for role in ROLES:
        seen[role] = " ".join(ask(made[(role, c)], method, url, api) for c in CONTEXTS)
    seen["anonymous"] = ask(APIClient() if api else Client(), method, url, api)
    return seen


def declared_methods(name: str) -> set[str]:
    return set(EXPECTED.get(name, {}))


# --- the tests ------------------------------------------------------------------------------------


def test_every_route_and_method_has_an_entry() -> None:
    names = set(routes())
    missing = sorted(names - set(EXPECTED))
    assert not missing, f"declare these routes in tests/hardening/authz_table.py: {missing}"
    unknown = sorted(set(EXPECTED) - names)
    assert not unknown, f"the table names routes that do not exist: {unknown}"
    for name in sorted(names):
        served = viewset_methods(name)
        if served is not None:
            assert declared_methods(name) == served, (name, sorted(served))


def test_the_admin_is_the_beheerders_alone(world: World) -> None:
    matrix = build(world)
    seen = {}
    for (role, context), user in matrix.users.items():
        response = verified_client(user).get(ADMIN_PREFIX)
        seen[(role, context)] = response.status_code
    assert {k: v for k, v in seen.items() if k[0] == Role.BEHEERDER} == {
        (Role.BEHEERDER, c): 200 for c in CONTEXTS
    }
    refused = {k: v for k, v in seen.items() if k[0] != Role.BEHEERDER}
    assert set(refused.values()) <= {302, 403, 404}, refused
    assert Client().get(ADMIN_PREFIX).status_code == 302


CASES = sorted((name, method) for name, methods in EXPECTED.items() for method in methods)
CHUNKS = 8  # one world per chunk: building it costs more than its questions


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_route_answers_every_role_as_declared(world: World, chunk: int) -> None:
    matrix = build(world)
    made = clients(matrix)
    wrong: list[str] = []
    for name, method in CASES[chunk::CHUNKS]:
        seen = observe(matrix, name, method, made)
        expected = EXPECTED[name][method]
        assert set(expected) == set(seen), f"{name}: declare every role and the anonymous visitor"
        wrong += [
            f"{method} {name} {who}: seen {seen[who]!r}, declared {want!r}"
            for who, want in expected.items()
            if seen[who] != want
        ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.skipif(not os.environ.get("AUTHZ_MATRIX_PRINT"), reason="AUTHZ_MATRIX_PRINT not set")
def test_print_observed(world: World) -> None:
    """Not a check: prints what every route answers now, for review (see the docstring)."""
    matrix = build(world)
    made = clients(matrix)
    only = os.environ.get("AUTHZ_MATRIX_ONLY", "")
    for name in sorted(routes()):
        if only and not re.search(only, name):
            continue
        methods = viewset_methods(name) or {"GET", "POST"}
        for method in sorted(methods):
            seen = observe(matrix, name, method, made)
            print(f"    {name!r}: {{{method!r}: {seen!r}}},")
