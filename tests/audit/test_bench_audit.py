"""The audit benchmark runs end to end on a small log, so it cannot rot."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from audit.chain import verify

pytestmark = pytest.mark.django_db


def test_bench_audit_prints_its_figures_and_keeps_the_chain_intact() -> None:
    out = StringIO()
    call_command("bench_audit", "--events", "300", "--repeat", "3", "--warmup", "1", stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    assert re.fullmatch(r"audit-bench: events=\d+ log_overhead=\d+\.\d\d verify_per_s=\d+", last)
    assert verify(from_checkpoint=False).ok
