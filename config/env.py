"""Reading configuration from the environment.

Every variable may also be given as ``<NAME>_FILE``: the path of a file holding the value
(for container secrets). The value wins over the file when both are set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is not None and value != "":
        return value
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        path = Path(file_name)
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE wijst naar {file_name}, maar dat bestand kan niet worden gelezen "
                f"({exc.strerror})."
            ) from exc
    return default


def env_required(name: str, *, why: str) -> str:
    value = env(name)
    if not value:
        raise ImproperlyConfigured(
            f"Casusregie start niet: {name} (of {name}_FILE) ontbreekt. {why} "
            "Zie docs/configuration.md."
        )
    return value


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on", "ja"}:
        return True
    if value.lower() in {"0", "false", "no", "off", "nee"}:
        return False
    raise ImproperlyConfigured(f"{name} moet true of false zijn, niet {value!r}.")


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} moet een geheel getal zijn, niet {value!r}.") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = env(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def load_settings_or_exit(status: int = 1) -> None:
    """Read the settings now, so that a refusal to start (a missing key, an unsafe value)
    ends the process with its message alone on stderr: the message names what is wrong and
    where it is documented, and a traceback would only bury it."""
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - reading one setting loads them all
    except ImproperlyConfigured as error:
        print(error, file=sys.stderr)
        raise SystemExit(status) from None
