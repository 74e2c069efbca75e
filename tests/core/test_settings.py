"""Production settings, checked in a fresh process as an operator would start them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env, env_bool, env_list
from core.keygen import ensure_local_keys

ROOT = Path(__file__).resolve().parents[2]
OURS = {
    "CASUSREGIE_MODE",
    "SECRET_KEY",
    "ENCRYPTION_KEYS",
    "INDEX_KEY",
    "AUDIT_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "CELERY_RESULT_BACKEND",
}


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keys = ensure_local_keys(tmp_path / "keys")
    environ = {k: v for k, v in os.environ.items() if k not in OURS and not k.endswith("_FILE")}
    environ.update(
        CASUSREGIE_MODE="production",
        CASUSREGIE_VAR_DIR=str(tmp_path / "var"),
        ALLOWED_HOSTS="casusregie.example.nl",
        SECRET_KEY_FILE=str(keys["secret_key"]),
        ENCRYPTION_KEYS_FILE=str(keys["encryption_keys"]),
        INDEX_KEY_FILE=str(keys["index_key"]),
        AUDIT_KEY_FILE=str(keys["audit_key"]),
        # Never the developer's or CI's real database or broker.
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
    )
    environ.update(extra)
    return {k: v for k, v in environ.items() if v != ""}


def manage(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRINT_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
    "s.SECURE_SSL_REDIRECT, 'partners.middleware.SecondFactorRequiredMiddleware' in s.MIDDLEWARE, "
    "'default-src' in s.CONTENT_SECURITY_POLICY['DIRECTIVES'])"
)


def test_production_settings_are_safe(tmp_path: Path) -> None:
    result = manage(production_env(tmp_path), "shell", "-v", "0", "-c", PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "True", "True"]


@pytest.mark.parametrize(
    "missing", ["ENCRYPTION_KEYS", "INDEX_KEY", "AUDIT_KEY", "SECRET_KEY", "ALLOWED_HOSTS"]
)
def test_production_refuses_to_start_without_its_keys(tmp_path: Path, missing: str) -> None:
    environ = production_env(tmp_path)
    environ.pop(f"{missing}_FILE", None)
    environ.pop(missing, None)
    result = manage(environ, "check")
    assert result.returncode != 0
    assert "Casusregie start niet" in result.stderr
    assert missing in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "true"),
        ("ENCRYPTION_KEYS", "k1:kort"),
        ("INDEX_KEY", "kort"),
        ("DATABASE_URL", ""),
        ("CELERY_BROKER_URL", ""),
    ],
)
def test_production_refuses_unsafe_or_missing_settings(
    tmp_path: Path, name: str, value: str
) -> None:
    result = manage(production_env(tmp_path, **{name: value}), "check")
    assert result.returncode != 0, result.stdout
    assert "Casusregie start niet" in result.stderr or name in result.stderr


def test_a_key_file_that_cannot_be_read_is_a_clear_error(tmp_path: Path) -> None:
    environ = production_env(tmp_path, ENCRYPTION_KEYS_FILE=str(tmp_path / "bestaat-niet"))
    result = manage(environ, "check")
    assert result.returncode != 0
    assert "ENCRYPTION_KEYS_FILE" in result.stderr and "kan niet worden gelezen" in result.stderr


@pytest.mark.parametrize("command", [["demo_totp"], ["load_demo"]])
def test_no_second_factor_bypass_exists_outside_demo_mode(
    tmp_path: Path, command: list[str]
) -> None:
    environ = production_env(tmp_path)
    assert manage(environ, "migrate", "--noinput").returncode == 0
    result = manage(environ, *command)
    assert result.returncode != 0
    assert "alleen in demomodus" in result.stderr


def test_variables_can_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret"
    secret.write_text("uit-een-bestand\n")
    monkeypatch.delenv("SOMETHING", raising=False)
    monkeypatch.setenv("SOMETHING_FILE", str(secret))
    assert env("SOMETHING") == "uit-een-bestand"
    monkeypatch.setenv("SOMETHING", "direct")
    assert env("SOMETHING") == "direct"


def test_malformed_values_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAG", "misschien")
    with pytest.raises(ImproperlyConfigured, match="true of false"):
        env_bool("FLAG", False)
    monkeypatch.setenv("HOSTS", "a.nl, b.nl,")
    assert env_list("HOSTS") == ["a.nl", "b.nl"]
