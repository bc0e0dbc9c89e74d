"""The password policy (accounts.passwords): long enough, not too long, not guessable, no composition rules."""

import pytest

from accounts import passwords

ALICE = {"email": "alice@example.com", "name": "Alice Liddell"}


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("velvet9!", "at least 10 characters"),
        ("plum tide velvet orbit " * 6, "at most 128 characters"),
        ("password123456", "commonly used password"),
        ("qwertyuiop", "too easy to guess"),
        ("11111111111", "Repeats"),
        ("abcdefghijkl", "Sequences"),
        ("alice2024alice", "your name or email address"),
        ("liddell.alice.example", "your name or email address"),
        ("Example2024!", "your name or email address"),
    ],
)
def test_refused_passwords_say_why_and_what_to_do(password, says):
    problem = passwords.why_refused(password, **ALICE)
    assert problem is not None and says in problem
    assert passwords.ADVICE in problem or "at most" in problem


def test_the_same_password_is_fine_for_someone_it_says_nothing_about():
    assert passwords.why_refused("alice2024alice", email="bob@example.org", name="Bob") is None
    assert passwords.why_refused("alice2024alice", **ALICE) is not None


@pytest.mark.parametrize(
    "password",
    [
        "plum tide velvet orbit",  # words, all lower case, no digit, no symbol: no composition rules
        "correct horse battery",
        "x7#Lq9!vR2mZ",
        "ünïcödé wörds für immer",  # any character counts, one per character
        "a" * 40 + "Kq7!zV2#mX9@pL4$wR6^",  # beyond 64 characters only the first 64 are read (here: strong enough)
    ],
)
def test_good_passwords_are_accepted(password):
    assert passwords.why_refused(password, **ALICE) is None


def test_ten_and_128_characters_are_the_bounds():
    ten = "vq7Lz!m2Rx"
    assert len(ten) == 10 and passwords.why_refused(ten) is None
    assert passwords.why_refused(ten[:9]) is not None
    longest = ("plum tide velvet orbit " * 6)[:128]
    assert passwords.why_refused(longest) is None
    assert "at most" in passwords.why_refused(longest + "x")


def test_what_a_guesser_knows_of_the_person():
    words = passwords.personal_words("mary-jane.watson+news@daily.bugle.com", "Mary Jane Watson")
    for word in ("mary", "jane", "watson", "news", "daily", "bugle", "mary jane watson", "platform"):
        assert word in words
    assert "com" not in words  # a top-level domain says nothing about anyone
