"""An error description quoting what the client sent keeps to RFC 6749 §5.2's characters and stays short.

The fuzz suite found the token endpoint answering `Repeated parameter: \\x01.`:
a parameter's name, a grant type or a JSON field name is the caller's text,
and a client parsing the error by the RFC's grammar would choke on it.
"""

import re
from urllib.parse import urlencode

import pytest

from oauth.errors import MAX_ERROR_TEXT
from tests.support.api import user_with_token
from tests.support.oauth import basic_auth, register_client

ERROR_TEXT = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")
ODD_NAMES = ["\x01", "é", '"', "\\", "\u202e", "x" * 5000]
ODD_IDS = ["control", "non-ASCII", "quote", "backslash", "bidi override", "5,000 characters"]


def assert_rfc_error(response, status: int, error: str) -> str:
    assert response.status_code == status
    document = response.get_json()
    assert document["error"] == error
    description = document["error_description"]
    assert ERROR_TEXT.fullmatch(description), description
    assert len(description) <= MAX_ERROR_TEXT
    return description


@pytest.mark.parametrize("name", ODD_NAMES, ids=ODD_IDS)
@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
def test_a_repeated_parameter_with_an_odd_name_is_described_in_rfc_characters(client, path, name):
    body = urlencode([(name, "a"), (name, "b")])
    response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    description = assert_rfc_error(response, 400, "invalid_request")
    assert description.startswith("Repeated parameter: ")


@pytest.mark.parametrize("grant_type", ODD_NAMES, ids=ODD_IDS)
def test_an_odd_grant_type_from_a_known_client_is_described_in_rfc_characters(app, client, grant_type):
    registered, secret = register_client(app)
    headers = basic_auth(registered["client_id"], secret)
    response = client.post("/oauth/token", data={"grant_type": grant_type}, headers=headers)
    assert_rfc_error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize("name", ODD_NAMES, ids=ODD_IDS)
def test_an_odd_field_name_in_an_api_body_is_described_in_rfc_characters(app, client, name):
    issued = user_with_token(app, "writer@example.com", ["write:data"])
    response = client.post("/api/v1/data", json={"title": "A title", name: 1}, headers=issued.headers)
    description = assert_rfc_error(response, 400, "invalid_request")
    assert description.startswith("Unknown field(s): ")
