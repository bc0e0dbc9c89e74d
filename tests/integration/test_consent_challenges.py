"""Consent challenges in Redis: stored as a digest, ten minutes, taken once, only by whom they were shown to."""

import json

import pytest

from oauth import consent_challenges
from oauth.consent_challenges import ConsentChallenge
from tests.support.stores import commands_run, keys_matching

PARAMS = {"response_type": "code", "client_id": "pa_client_x", "scope": "read:profile", "state": "s"}
SESSION = "a" * 64


@pytest.fixture
def challenge(r) -> str:
    return consent_challenges.create_challenge(r, ConsentChallenge(7, SESSION, PARAMS))


def test_only_a_digest_of_the_id_is_stored_with_a_ten_minute_ttl(r, challenge):
    assert len(challenge) == consent_challenges.ID_LENGTH
    assert keys_matching(r, "consent:*") == [consent_challenges.key(challenge)]
    assert challenge not in keys_matching(r, "consent:*")[0]
    assert 0 < r.ttl(consent_challenges.key(challenge)) <= consent_challenges.CHALLENGE_TTL == 600
    stored = json.loads(r.get(consent_challenges.key(challenge)))
    assert stored == {"user_id": 7, "session": SESSION, "params": PARAMS}


def test_taken_once_by_its_person_and_session(r, challenge):
    assert consent_challenges.take_challenge(r, challenge, user_id=7, session_digest=SESSION) == PARAMS
    assert consent_challenges.take_challenge(r, challenge, user_id=7, session_digest=SESSION) is None


@pytest.mark.parametrize("user_id, session", [(8, SESSION), (7, "b" * 64), (7, None), (7, "")])
def test_another_person_or_session_gets_nothing_and_spends_it(r, challenge, user_id, session):
    assert consent_challenges.take_challenge(r, challenge, user_id=user_id, session_digest=session) is None
    if session:
        assert consent_challenges.take_challenge(r, challenge, user_id=7, session_digest=SESSION) is None


def test_a_malformed_id_is_refused_before_any_lookup(r):
    before = commands_run(r)
    for made_up in ("", "x" * 42, "x" * 44, "a" * 42 + "/", "é" * 43):
        assert consent_challenges.take_challenge(r, made_up, user_id=7, session_digest=SESSION) is None
        assert consent_challenges.get_params(r, made_up) is None
    after = commands_run(r)
    assert (after["get"], after["getdel"]) == (before["get"], before["getdel"])


def test_peeking_for_the_way_back_does_not_take_it(r, challenge):
    assert consent_challenges.get_params(r, challenge) == PARAMS
    assert consent_challenges.take_challenge(r, challenge, user_id=7, session_digest=SESSION) == PARAMS
