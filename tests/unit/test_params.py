"""Request parameters as RFC 6749 §3.1 and §3.2 want them read: empty means absent, none repeated."""

import pytest

from oauth.errors import InvalidRequest
from oauth.params import FORM_ENCODING, form_params, require, single_valued


@pytest.mark.parametrize(
    ("params", "single"),
    [
        ({}, {}),
        ({"a": ["1"]}, {"a": "1"}),
        ({"a": ["1"], "b": ["2"]}, {"a": "1", "b": "2"}),
        ({"a": [""]}, {}),
        ({"a": ["", "1"]}, {"a": "1"}),
        ({"a": ["", ""]}, {}),
        ({"a": []}, {}),
    ],
    ids=["nothing", "one", "two names", "empty value", "empty and a value", "two empty values", "no values"],
)
def test_each_name_has_one_value_and_an_empty_one_is_omitted(params, single):
    assert single_valued(params) == single


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"a": ["1", "1"]}, "Repeated parameter: a."),
        ({"a": ["1", "2"]}, "Repeated parameter: a."),
        ({"b": ["1", "2"], "a": ["1", "2"], "c": ["3"]}, "Repeated parameter: a, b."),
    ],
    ids=["same value twice", "two values", "every repeated name, sorted"],
)
def test_a_repeated_parameter_is_an_invalid_request(params, message):
    with pytest.raises(InvalidRequest, match=message):
        single_valued(params)


def test_a_form_encoded_body_is_read_one_value_per_name():
    assert form_params(FORM_ENCODING, {"grant_type": ["refresh_token"]}) == {"grant_type": "refresh_token"}


@pytest.mark.parametrize("mimetype", ["application/json", "multipart/form-data", "text/plain", ""])
def test_a_body_not_form_encoded_is_an_invalid_request(mimetype):
    with pytest.raises(InvalidRequest, match="form-encoded"):
        form_params(mimetype, {"grant_type": ["refresh_token"]})


def test_a_required_parameter_is_returned():
    assert require({"code": "x"}, "code") == "x"


@pytest.mark.parametrize("params", [{}, {"code": ""}, {"other": "x"}], ids=["absent", "empty", "another name"])
def test_a_missing_required_parameter_is_named(params):
    with pytest.raises(InvalidRequest, match="Missing parameter: code."):
        require(params, "code")
