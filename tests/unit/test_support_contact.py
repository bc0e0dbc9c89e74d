"""SUPPORT_CONTACT: an email address becomes a mailto: link, an http(s) URL a link, anything else nothing."""

import pytest

from config_check import problems
from settings import load_settings
from web.support import SupportContact, support_contact


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("help@platform.example", SupportContact("mailto:help@platform.example", "help@platform.example")),
        (" help@platform.example ", SupportContact("mailto:help@platform.example", "help@platform.example")),
        ("https://help.example/apps", SupportContact("https://help.example/apps", "https://help.example/apps")),
        ("http://127.0.0.1:8000/help", SupportContact("http://127.0.0.1:8000/help", "http://127.0.0.1:8000/help")),
    ],
)
def test_an_email_or_a_web_address_is_a_link(value, expected):
    assert support_contact(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "javascript:alert(1)",
        "help",
        "Help <help@platform.example>",
        "help@platform.example\nBcc: x@y.example",
        "ftp://files.example/help",
        "https://",
        "https://help.example/a b",
    ],
)
def test_anything_else_shows_no_contact(value):
    assert support_contact(value) is None


def test_config_check_refuses_a_contact_it_cannot_link():
    found = problems(load_settings({"SUPPORT_CONTACT": "call us"}))
    assert [(problem.setting, problem.level) for problem in found] == [("SUPPORT_CONTACT", "error")]
    assert not problems(load_settings({"SUPPORT_CONTACT": "help@platform.example"}))
    assert load_settings({})["SUPPORT_CONTACT"] is None
