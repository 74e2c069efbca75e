from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from partners.models import Organisation, User

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_scripts_can_add_an_organisation_a_user_and_a_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "aangemaakt" in run(
        "add_organisation", "--name", "Veilig Thuis Oost", "--kind", "veilig-thuis"
    )
    organisation = Organisation.objects.get(name="Veilig Thuis Oost")
    monkeypatch.setenv("NEW_PASSWORD", "een-lang-en-sterk-wachtwoord")
    run(
        "add_user", "--username", "vt.medewerker", "--organisation", "Veilig Thuis Oost",
        "--role", "ketenpartner", "--password-env", "NEW_PASSWORD",
    )  # fmt: skip
    user = User.objects.get(username="vt.medewerker")
    assert user.organisation == organisation
    assert user.roles == {"ketenpartner"}
    assert user.groups.filter(pk=organisation.group_id).exists()
    assert user.check_password("een-lang-en-sterk-wachtwoord")

    output = run("issue_token", "--organisation", str(organisation.pk), "--name", "registratie")
    key = output.split("Token (wordt niet opnieuw getoond): ")[1].strip()
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/")
    assert response.json()["organisation"]["name"] == "Veilig Thuis Oost"
    assert key not in str(list(User.objects.values()))


def test_generated_password_is_shown_once() -> None:
    run("add_organisation", "--name", "Halt Noord", "--kind", "halt")
    output = run(
        "add_user", "--username", "halt1", "--organisation", "Halt Noord", "--role", "ketenpartner"
    )
    password = output.split("Wachtwoord (wordt niet opnieuw getoond): ")[1].strip()
    assert User.objects.get(username="halt1").check_password(password)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add_organisation", "--name", "X", "--kind", "bakkerij"], "Onbekende soort"),
        (
            [
                "add_user",
                "--username",
                "x",
                "--organisation",
                "Bestaat niet",
                "--role",
                "beheerder",
            ],
            "bestaat niet",
        ),
    ],
)
def test_bad_arguments_are_clear_errors(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_weak_password_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    run("add_organisation", "--name", "Wijkteam", "--kind", "wijkteam")
    monkeypatch.setenv("PW", "123")
    with pytest.raises(CommandError):
        run(
            "add_user",
            "--username",
            "w",
            "--organisation",
            "Wijkteam",
            "--role",
            "ketenpartner",
            "--password-env",
            "PW",
        )
    assert not User.objects.filter(username="w").exists()


def test_role_groups_carry_their_model_permissions(beheerder: User, bob: User) -> None:
    assert beheerder.has_perm("partners.add_organisation")
    assert beheerder.is_staff and not beheerder.is_superuser
    assert not bob.has_perm("partners.add_organisation")
    assert bob.has_perm("partners.view_organisation")


def test_moving_a_user_to_another_organisation_drops_the_old_groups(
    bob: User, charlie: User
) -> None:
    from partners.services import user_set_roles

    old_group = bob.organisation.group
    bob.organisation = charlie.organisation
    bob.save()
    user_set_roles(user=bob, roles=["ketenpartner"])
    assert not bob.groups.filter(pk=old_group.pk).exists()
    assert bob.groups.filter(pk=charlie.organisation.group_id).exists()
