from __future__ import annotations

from pathlib import Path

from django.core.management import call_command


def test_openapi_schema_is_valid_and_generates_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "/api/v1/organisations/" in text
    assert "apiToken" in text
