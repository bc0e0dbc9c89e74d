"""Number settings: text that is no number is set aside for config check, never an exception at start."""

import pytest

from config_check import DangerousConfiguration, problems, refuse_dangerous
from settings import UNREADABLE, load_settings


def test_numbers_take_the_defaults_type_and_blank_means_unset():
    settings = load_settings({"ACCESS_TOKEN_TTL": " 600 ", "WEBHOOK_POLL_SECONDS": "2", "DB_POOL_MAX": ""})
    assert settings["ACCESS_TOKEN_TTL"] == 600 and settings["WEBHOOK_POLL_SECONDS"] == 2.0
    assert settings["DB_POOL_MAX"] == 10 and settings[UNREADABLE] == {}


def test_text_that_is_no_number_is_kept_aside_and_the_default_stands_in():
    settings = load_settings({"ACCESS_TOKEN_TTL": "abc", "TRUSTED_PROXY_HOPS": "1e2"})
    assert settings["ACCESS_TOKEN_TTL"] == 3600 and settings["TRUSTED_PROXY_HOPS"] == 0
    assert settings[UNREADABLE] == {"ACCESS_TOKEN_TTL": "abc", "TRUSTED_PROXY_HOPS": "1e2"}


def test_an_unreadable_number_refuses_start_up_even_on_loopback():
    settings = load_settings({"OAUTH_ISSUER": "http://127.0.0.1:5000", "ACCESS_TOKEN_TTL": "abc"})
    with pytest.raises(DangerousConfiguration, match=r"refusing to start: ACCESS_TOKEN_TTL: 'abc' is not a whole"):
        refuse_dangerous(settings, problems(settings))
    refuse_dangerous(load_settings({}), problems(load_settings({})))  # a sound one starts
