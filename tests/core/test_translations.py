"""Messages follow the language the user chose (the language cookie) and are Dutch otherwise,
also when the browser asks for English. The English catalogue is complete, and messages shown
to users are never built past the translation machinery."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client

from caseroom import services
from caseroom.models import Case, House
from partners.models import User
from partners.roles import Role
from persons.services import person_create
from tests.caseroom.conftest import make_org, make_user, open_case
from tests.conftest import verified_client

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"


@dataclass
class Small:
    house: House
    regisseur: User
    politie: User
    case: Case


@pytest.fixture
def small(db: None) -> Small:
    zvh = make_org("ZVH Rivierenland", "zvh")
    house = services.house_create(name="ZVH Rivierenland", organisation=zvh)
    regisseur = make_user("regisseur", zvh, Role.PROCESREGISSEUR)
    politie = make_user("politie", make_org("Politie Oost", "politie"))
    person = person_create(surname="Haidari", given_names="Farid", bsn="111222333")
    case = open_case(house=house, regisseur=regisseur, referrer=politie, persons=[person])
    return Small(house=house, regisseur=regisseur, politie=politie, case=case)


def client_for(user: User, *, cookie: str | None, accept: str | None) -> Client:
    client = verified_client(user)
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    if accept:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = accept
    return client


def send(small: Small, request: str, client_of: Any) -> Any:
    """One refused request; ``client_of(user)`` gives the client to send it with."""
    case_url = f"/api/v1/cases/{small.case.pk}/"
    if request == "unknown_category":
        return client_of(small.politie).post(
            f"{case_url}contributions/",
            {"category": "geheim", "text": "Drie meldingen overlast."},
            content_type="application/json",
        )
    if request == "closed_case_moves_on":
        services.case_set_status(
            case=small.case, status="afgesloten", closure_reason="doel_bereikt", by=small.regisseur
        )
        return client_of(small.regisseur).patch(
            case_url, {"status": "monitoring"}, content_type="application/json"
        )
    if request == "participant_twice":
        return client_of(small.regisseur).post(
            f"{case_url}participants/",
            {"organisation": small.politie.organisation_id, "categories": ["basis"]},
            content_type="application/json",
        )
    assert request == "unknown_house"
    return client_of(small.politie).post(
        "/api/v1/referrals/",
        {
            "house": small.house.pk + 1000,
            "persons": [{"surname": "Çelik", "given_names": "Deniz", "bsn": "123456782"}],
            "reason": "Ernstige overlast en zorgen over de kinderen.",
            "goal": "Gezamenlijke aanpak.",
            "person_informed": True,
        },
        content_type="application/json",
    )


# request, field, Dutch message, English message (the field's; for the invalid input of a
# serializer the top-level message is the general one).
REFUSALS = [
    (
        "unknown_category",
        "category",
        "Onbekende informatiecategorie: geheim.",
        "Unknown information category: geheim.",
    ),
    (
        "closed_case_moves_on",
        "status",
        "Een afgesloten casus kan alleen worden heropend: zet de status op ‘in behandeling’.",
        "A closed case can only be reopened: set the status to ‘in progress’.",
    ),
    (
        "participant_twice",
        None,
        "Politie Oost neemt al deel aan deze casus.",
        "Politie Oost already takes part in this case.",
    ),
    (
        "unknown_house",
        "house",
        "Onbekend Zorg- en Veiligheidshuis.",
        "Unknown Zorg- en Veiligheidshuis.",
    ),
]


def message_of(response: Any, field: str | None) -> tuple[str, str]:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    shown = error["fields"][field][0]["message"] if field else error["message"]
    return error["message"], shown


@pytest.mark.parametrize(("request_name", "field", "dutch", "english"), REFUSALS)
def test_a_refusal_is_in_english_when_the_user_chose_english(
    small: Small, request_name: str, field: str | None, dutch: str, english: str
) -> None:
    response = send(small, request_name, lambda u: client_for(u, cookie="en", accept=None))
    top, shown = message_of(response, field)
    assert shown == english
    if request_name == "unknown_category":
        assert top == "The input is not valid."
    assert response.headers["Content-Language"] == "en"


@pytest.mark.parametrize("accept", [None, "en-GB,en;q=0.9"])
@pytest.mark.parametrize(("request_name", "field", "dutch", "english"), REFUSALS)
def test_a_refusal_is_dutch_unless_the_user_chose_otherwise(
    small: Small,
    request_name: str,
    field: str | None,
    dutch: str,
    english: str,
    accept: str | None,
) -> None:
    response = send(small, request_name, lambda u: client_for(u, cookie=None, accept=accept))
    top, shown = message_of(response, field)
    assert shown == dutch
    if request_name == "unknown_category":
        assert top == "De invoer is niet geldig."
    assert response.headers["Content-Language"] == "nl"


# --- the catalogue ------------------------------------------------------------------------------


def catalogue() -> Any:
    with CATALOGUE.open("rb") as po:
        return read_po(po)


def test_the_english_catalogue_has_no_empty_and_no_fuzzy_entries() -> None:
    messages = [m for m in catalogue() if m.id]
    assert len(messages) > 1000
    strings = {m.id: m.string if isinstance(m.string, tuple) else (m.string,) for m in messages}
    assert [i for i, s in strings.items() if not all(s)] == []
    assert [m.id for m in messages if m.fuzzy] == []


def test_english_translations_keep_the_placeholders_of_the_dutch_text() -> None:
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue().check()]
    assert problems == []


# --- messages go through the translation machinery ----------------------------------------------

REFUSING = {"ServiceError", "ValidationError", "PermissionDenied"}
APPS = ["audit", "caseroom", "consent", "core", "escalation", "partners", "persons"]


def bare_text(node: ast.expr) -> bool:
    """A literal, an f-string or a literal with % applied: text nobody translated."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.BinOp) and bare_text(node.left)


def test_refusals_are_raised_with_translated_messages() -> None:
    untranslated = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or "management" in path.parts:
                continue  # operator commands speak Dutch to the operator
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in REFUSING and any(bare_text(a) for a in node.args[:1]):
                    untranslated.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert untranslated == []
