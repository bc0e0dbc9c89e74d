"""The bearer-token guard's own rules: the bounded memory of dead tokens, scopes checked when a view is guarded."""

import pytest

from api import dead_tokens
from api.guard import require_oauth
from oauth import credentials
from oauth.token_store import access_key


def unknown_token():
    return credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)


def test_the_memory_of_dead_tokens_is_bounded_and_forgets_the_oldest_first(monkeypatch):
    monkeypatch.setattr(dead_tokens, "MAX_REMEMBERED", 3)
    keys = [access_key(unknown_token()) for _ in range(4)]
    for key in keys:
        dead_tokens.remember_dead(key)
    assert [dead_tokens.is_known_dead(key) for key in keys] == [False, True, True, True]


def test_guarding_a_view_with_an_unknown_scope_fails_at_once():
    with pytest.raises(ValueError, match="unknown scope"):
        require_oauth("read:everything")
