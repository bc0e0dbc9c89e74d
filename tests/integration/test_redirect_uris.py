"""Redirect URI matching at the endpoints: a native app's loopback port (RFC 8252 §7.3), nothing else lenient.

The matching rules themselves are in tests/unit/test_redirect_uris.py.
"""

import pytest

from tests.support.oauth import authorize_and_get_code, authorize_url, exchange_code, register_client


def test_a_native_app_on_a_random_port_completes_authorization(app, client, auth):
    native, _ = register_client(app, client_type="public", redirect_uris=["http://127.0.0.1/callback"])
    auth.sign_in_as()
    used = "http://127.0.0.1:49152/callback"
    code, verifier = authorize_and_get_code(client, native, redirect_uri=used)
    assert exchange_code(client, native, None, code, verifier, redirect_uri=used).status_code == 200

    code, verifier = authorize_and_get_code(client, native, redirect_uri=used)
    wrong_port = exchange_code(client, native, None, code, verifier, redirect_uri="http://127.0.0.1:49153/callback")
    assert wrong_port.status_code == 400  # the token request must repeat the very URI used


def test_other_ports_are_refused_for_a_confidential_app(app, client, auth):
    confidential, _ = register_client(app, redirect_uris=["http://127.0.0.1/callback"])
    auth.sign_in_as()
    response = client.get(authorize_url(confidential, redirect_uri="http://127.0.0.1:49152/callback"))
    assert response.status_code == 400 and "Location" not in response.headers


TRAILING_HOSTS = ["http://[::1].evil.example/callback", "http://[::1]x:8080/callback", "http://[::1]]/callback"]


@pytest.mark.parametrize("uri", TRAILING_HOSTS)
def test_an_attacker_cannot_lengthen_the_ipv6_loopback_host_at_authorization(app, client, auth, uri):
    native, _ = register_client(app, client_type="public", redirect_uris=["http://[::1]/callback"])
    auth.sign_in_as()
    response = client.get(authorize_url(native, redirect_uri=uri))
    assert response.status_code == 400 and "Location" not in response.headers
