"""Verification codes: 80 bits from `secrets`, Crockford base32, grouped, forgiving on input."""

import re

import pytest

from certificates import codes

GROUPED = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def test_a_new_code_is_16_crockford_digits_in_four_groups():
    code = codes.code_generate()
    assert GROUPED.match(code), code


def test_a_code_carries_80_random_bits_from_secrets(monkeypatch):
    drawn = []

    def fake_token_bytes(n):
        drawn.append(n)
        return bytes(range(n))

    monkeypatch.setattr(codes.secrets, "token_bytes", fake_token_bytes)
    code = codes.code_generate()
    assert drawn == [10]  # 80 bits
    assert codes.code_to_bytes(code) == bytes(range(10))


def test_codes_do_not_repeat_and_use_the_whole_alphabet_in_every_position():
    sample = [codes.code_generate().replace("-", "") for _ in range(3000)]
    assert len(set(sample)) == len(sample)
    for position in range(16):
        assert len({code[position] for code in sample}) == 32


@pytest.mark.parametrize(
    "typed",
    ["7q2m-0d4k-xw9t-h3ce", "7Q2M 0D4K XW9T H3CE", "7q2m0d4kxw9th3ce", " 7Q2M-OD4K-XW9T-H3CE ", "7Q2M-0D4K-XW9T-H3CE"],
)
def test_typed_codes_are_normalised_case_separators_and_o_as_zero(typed):
    assert codes.code_normalize(typed) == "7Q2M-0D4K-XW9T-H3CE"


def test_i_and_l_read_as_one():
    assert codes.code_normalize("IL11-0000-0000-0000") == "1111-0000-0000-0000"


@pytest.mark.parametrize(
    "bad", ["", "7Q2M-0D4K-XW9T", "7Q2M-0D4K-XW9T-H3CEX", "UUUU-0000-0000-0000", "7Q2M_0D4K_XW9T_H3C!"]
)
def test_what_cannot_be_a_code_normalises_to_none(bad):
    assert codes.code_normalize(bad) is None


def test_bytes_and_codes_round_trip():
    raw = b"\x00\xff\x10\x20\x30\x40\x50\x60\x70\x80"
    assert codes.code_to_bytes(codes.code_from_bytes(raw)) == raw
