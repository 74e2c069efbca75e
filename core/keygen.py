"""Generate local key files for a single-machine (demo) installation.

Runs without Django so that settings can call it before anything else is loaded.
Usage: ``python -m core.keygen var/keys`` — existing files are never overwritten.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

KEY_FILES = {
    "secret_key": lambda: secrets.token_urlsafe(50),
    "encryption_keys": lambda: "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "index_key": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "audit_key": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
}


def ensure_local_keys(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    paths = {}
    for name, make in KEY_FILES.items():
        path = folder / name
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(make() + "\n")
        paths[name] = path
    return paths


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else Path("var/keys")
    for name, path in ensure_local_keys(folder).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
