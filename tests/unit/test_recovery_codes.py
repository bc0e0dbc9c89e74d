"""Recovery codes: 80 random bits shown in groups, typed any which way, stored as a digest."""

import hashlib
import re

import pytest

from accounts import recovery_codes

CODE_SHAPE = re.compile(r"^[0-9a-f]{5}-[0-9a-f]{5}-[0-9a-f]{5}-[0-9a-f]{5}$")


def test_codes_are_four_groups_of_five_hex_digits_and_all_differ():
    codes = {recovery_codes.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(CODE_SHAPE.match(code) for code in codes)


@pytest.mark.parametrize(
    "typed", ["3f9a2-c41b0-77de1-0a6c5", "3F9A2-C41B0-77DE1-0A6C5", " 3f9a2 c41b0 77de1 0a6c5 ", "3f9a2c41b077de10a6c5"]
)
def test_case_spaces_and_dashes_do_not_matter(typed):
    assert recovery_codes.normalize(typed) == "3f9a2c41b077de10a6c5"
    assert recovery_codes.digest(typed) == hashlib.sha256(b"3f9a2c41b077de10a6c5").hexdigest()


@pytest.mark.parametrize(
    "typed", ["", "123456", "3f9a2-c41b0-77de1-0a6c", "3f9a2-c41b0-77de1-0a6c5x", "g" * 20, "٣" * 20]
)
def test_text_of_another_shape_is_no_code(typed):
    assert recovery_codes.normalize(typed) is None
    assert recovery_codes.digest(typed) is None
