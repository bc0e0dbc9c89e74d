"""Reading a leak report, and finding tokens in a query string: pure rules, case by case."""

from urllib.parse import quote, urlencode

import pytest

from oauth import credentials, leaked
from oauth.errors import InvalidRequest

ACCESS = credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)
REFRESH = credentials.new_secret(credentials.REFRESH_TOKEN_PREFIX)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "JSON object"),
        (["paat_x"], "JSON object"),
        ({"tokens": ["paat_x"]}, "JSON object"),
        ({"credentials": "paat_x"}, "list of strings"),
        ({"credentials": ["paat_x", None]}, "list of strings"),
        ({"credentials": []}, "at least one"),
        ({"credentials": ["x"] * 101}, "at most 100"),
    ],
)
def test_a_report_that_is_not_one_to_a_hundred_strings_is_an_invalid_request(body, message):
    with pytest.raises(InvalidRequest, match=message):
        leaked.read_report(body)


def test_a_report_gives_its_credentials_as_sent():
    assert leaked.read_report({"credentials": [ACCESS, "anything"], "note": "ignored"}) == [ACCESS, "anything"]
    assert len(leaked.read_report({"credentials": ["x"] * 100})) == 100


@pytest.mark.parametrize(
    "query",
    [
        f"access_token={ACCESS}",
        f"a=1&refresh_token={REFRESH}&b=2",
        urlencode({"next": f"/api/v1/me?access_token={ACCESS}"}),
        f"{quote(ACCESS[:2])}{ACCESS[2:]}=",  # percent-encoded characters decode to the token
        f"x=prefix-{ACCESS}-suffix",
    ],
)
def test_a_token_anywhere_in_a_query_string_is_found(query):
    found = leaked.tokens_in_query(query)
    assert found and all(token in (ACCESS, REFRESH) for token in found)


@pytest.mark.parametrize("query", ["", "next=/developer/apps", "x=paat_short", "code=pacd_" + "a" * 49, "%zz"])
def test_a_query_string_without_a_token_gives_none(query):
    assert leaked.tokens_in_query(query) == []


def test_a_query_string_gives_each_token_once_and_a_few_at_most():
    assert leaked.tokens_in_query(f"a={ACCESS}&b={ACCESS}") == [ACCESS]
    many = [credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX) for _ in range(50)]
    assert leaked.tokens_in_query("&".join(f"t={token}" for token in many)) == many[: leaked.MAX_TOKENS_IN_URL]
