"""A real relying party, unchanged: openid-client (Node, pinned in tests/e2e/rp/package-lock.json) on a live server.

The script (tests/e2e/rp/relying_party.mjs) does discovery with the
library's defaults, builds the authorization URL with PKCE, state and a
nonce, and prints it; this test is the person, signing in and allowing
over HTTP, and hands the callback URL back. The library then redeems the
code and validates the ID token as it always does (signature against the
JWKS, iss, aud, exp, nonce, at_hash), reads userinfo, refreshes and builds
the logout URL, which the person follows here.
"""

import json
import subprocess
from urllib.parse import urljoin

import pytest
import requests

from tests.support.accounts import create_user
from tests.support.node import relying_party_dir
from tests.support.oauth import register_client
from tests.support.oidc import SIGNED_OUT_APP_PAGE, callback_params, sign_in_and_allow

CALLBACK = "http://127.0.0.1:8766/callback"  # never served: the person's side stops at the redirect
EMAIL, PASSWORD = "rp.person@example.com", "rp person password"
SCRIPT_SECONDS = 60


@pytest.fixture
def rp_dir():
    return relying_party_dir("openid-client")


def test_openid_client_signs_in_reads_userinfo_refreshes_and_signs_out(app, live_server, rp_dir):
    create_user(app, EMAIL, PASSWORD, name="Robin Person")
    app_client, secret = register_client(app, redirect_uris=[CALLBACK], post_logout_redirect_uris=[SIGNED_OUT_APP_PAGE])
    args = [live_server.url, app_client["client_id"], secret, CALLBACK, SIGNED_OUT_APP_PAGE]
    rp = subprocess.Popen(
        ["node", "relying_party.mjs", *args],
        cwd=rp_dir,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with requests.Session() as person:
        try:
            started = json.loads(rp.stdout.readline() or "{}")
            assert "authorization_url" in started, rp.stderr.read() if rp.poll() is not None else started
            callback = sign_in_and_allow(person, EMAIL, PASSWORD, CALLBACK, started["authorization_url"])
            output, errors = rp.communicate(callback + "\n", timeout=SCRIPT_SECONDS)
        finally:
            if rp.poll() is None:
                rp.kill()
        assert rp.returncode == 0, errors
        learned = json.loads(output)

        claims = learned["id_token_claims"]
        assert claims["iss"] == live_server.url and claims["aud"] == app_client["client_id"]
        assert claims["sub"] != EMAIL and claims["amr"] == ["pwd"] and claims["nonce"]
        assert learned["userinfo"] == {
            "sub": claims["sub"],
            "name": "Robin Person",
            "preferred_username": "Robin Person",
            "updated_at": learned["userinfo"]["updated_at"],
            "email": EMAIL,
            "email_verified": True,
        }
        refreshed = learned["refreshed_id_token_claims"]
        assert (refreshed["sub"], refreshed["auth_time"]) == (claims["sub"], claims["auth_time"])
        assert learned["refreshed_access_token_differs"]

        logout_url = learned["logout_url"]
        assert logout_url.startswith(live_server.url + "/oauth/logout?")
        signed_out = person.get(logout_url, allow_redirects=False, timeout=10)
        assert signed_out.headers["Location"] == SIGNED_OUT_APP_PAGE + "?state=rp-logout-state"
        account = person.get(urljoin(live_server.url, "/account/security"), allow_redirects=False, timeout=10)
        assert account.status_code == 302 and "/login" in account.headers["Location"]
    assert callback_params(callback)["iss"] == live_server.url
