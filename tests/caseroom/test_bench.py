"""The access benchmark (``make bench-access``) runs end to end on tiny data, so it cannot rot.
Figures on tiny data mean nothing; only the shape of the output and the guards are checked."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

LAST_LINE = re.compile(
    r"access-bench: rows=300 broad_ratio=\d+\.\d{2} narrow_ms=\d+\.\d{2} peer_speedup=\d+\.\d"
)


def bench(**options: object) -> list[str]:
    out = StringIO()
    call_command("bench_access", repeat=1, warmup=0, stdout=out, **options)
    return out.getvalue().strip().splitlines()


@pytest.mark.django_db
def test_bench_access_seeds_measures_and_reports() -> None:
    lines = bench(cases=300)
    assert lines[0].startswith("Gevuld: 300 casussen")
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]
    assert re.fullmatch(r"peer_fk_speedup=\d+\.\d peer_bound=\d+\.\d", lines[-2]), lines[-2]

    # A database with cases is not written to without --yes; the same data set is reused.
    with pytest.raises(CommandError, match="--yes"):
        bench(cases=400)
    lines = bench(cases=300, reuse=True)
    assert "niet opnieuw gevuld" in lines[0]
    assert "de kopie van de rechten bestaat al" in lines[1]  # guardian's copy is kept too
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]
