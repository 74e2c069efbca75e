from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.validators import is_valid_bsn, normalise_bsn, validate_bsn

VALID = ["111222333", "123456782", "999990019", "999991814", "12345678-2"[:0] + "012345672"]


@pytest.mark.parametrize("bsn", VALID)
def test_valid_bsns_pass_the_elfproef(bsn: str) -> None:
    validate_bsn(bsn)
    assert is_valid_bsn(bsn)


def test_eight_digit_bsn_gets_its_leading_zero_and_separators_are_ignored() -> None:
    assert normalise_bsn("12345672") == "012345672"
    assert is_valid_bsn("1234.56.782")
    assert is_valid_bsn("111 222 333")


@pytest.mark.parametrize(
    ("bsn", "message"),
    [
        ("123456789", "elfproef"),
        ("111222334", "elfproef"),
        ("000000000", "elfproef"),
        ("12345", "9 cijfers"),
        ("1234567890", "9 cijfers"),
        ("12345678a", "alleen uit cijfers"),
        ("١٢٣٤٥٦٧٨٢", "alleen uit cijfers"),
    ],
)
def test_invalid_bsns_are_rejected_with_a_dutch_message(bsn: str, message: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_bsn(bsn)
    assert message in excinfo.value.messages[0]
    assert bsn not in excinfo.value.messages[0]
    assert excinfo.value.code == "invalid_bsn"


@given(st.sampled_from(VALID[:4]), st.integers(0, 8), st.integers(1, 9))
def test_changing_one_digit_of_a_valid_bsn_is_always_detected(
    bsn: str, position: int, delta: int
) -> None:
    digits = list(bsn)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not is_valid_bsn("".join(digits))
