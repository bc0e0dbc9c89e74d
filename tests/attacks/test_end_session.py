"""RP-initiated logout from the attacker's side: forged hints, open redirects, logout CSRF, copied cookies."""

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.support.oauth import register_client
from tests.support.oidc import SIGNED_OUT_APP_PAGE, end_session, is_signed_in, kid_of, published_jwks, sign_in_with

CONFIRMATION = "Sign out of Platform Accounts?"


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def hs256_with_public_key(claims: dict, kid: str, client) -> str:
    """The classic algorithm confusion: an HMAC keyed with the server's public key, as PEM, which anyone has."""
    (published,) = [key for key in published_jwks(client)["keys"] if key["kid"] == kid]
    public_pem = jwt.PyJWK(published).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{b64({'alg': 'HS256', 'kid': kid})}.{b64(claims)}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def forgeries(logout_hint: str, client) -> dict[str, str]:
    """Hints an attacker can make: each names the victim and the app, none is signed by this server."""
    header, payload, signature = logout_hint.split(".")
    claims = jwt.decode(logout_hint, options={"verify_signature": False})
    attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "alg none": f"{b64({'alg': 'none', 'kid': kid_of(logout_hint)})}.{payload}.",
        "modified claims": f"{header}.{b64({**claims, 'sub': 'someone-else'})}.{signature}",
        "another key, our kid": jwt.encode(
            claims, attacker_key, algorithm="RS256", headers={"kid": kid_of(logout_hint)}
        ),
        "HS256 with the public key": hs256_with_public_key(claims, kid_of(logout_hint), client),
        "another issuer": jwt.encode(
            {**claims, "iss": "https://evil.example.com"}, attacker_key, algorithm="RS256", headers={"kid": "evil"}
        ),
        "not a JWT": "not.a.jwt",
        "huge": "a" * 20000,
    }


@pytest.mark.parametrize(
    "kind",
    [
        "alg none",
        "modified claims",
        "another key, our kid",
        "HS256 with the public key",
        "another issuer",
        "not a JWT",
        "huge",
    ],
)
def test_a_forged_or_foreign_hint_gets_the_confirmation_page(client, logout_hint, kind):
    assert_only_asked(client, forgeries(logout_hint, client)[kind])


def assert_only_asked(client, hint: str) -> None:
    """A hint we did not sign leads to the confirmation page: no redirect, the person still signed in."""
    response = end_session(client, "POST", id_token_hint=hint, post_logout_redirect_uri=SIGNED_OUT_APP_PAGE)
    assert response.status_code == 200 and CONFIRMATION in response.text
    assert "Location" not in response.headers
    assert is_signed_in(client)


@pytest.fixture
def es256_hint(app, client, signed_in_user) -> str:
    """An ID token of an app that opted in to ES256, for the signed-in user."""
    app_client, secret = register_client(
        app, name="EC App", id_token_signed_response_alg="ES256", post_logout_redirect_uris=[SIGNED_OUT_APP_PAGE]
    )
    return sign_in_with(client, app_client, secret)["id_token"]


def es256_forgeries(es256_hint: str, client) -> dict[str, str]:
    """Hints made against the EC key: the attacker's own P-256 key, an HMAC of our public key, RS256 on our EC kid."""
    claims = jwt.decode(es256_hint, options={"verify_signature": False})
    kid = kid_of(es256_hint)
    return {
        "another P-256 key, our kid": jwt.encode(
            claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers={"kid": kid}
        ),
        "HS256 with the EC public key": hs256_with_public_key(claims, kid, client),
        "RS256 on our EC kid": jwt.encode(
            claims,
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
            algorithm="RS256",
            headers={"kid": kid},
        ),
    }


@pytest.mark.parametrize("kind", ["another P-256 key, our kid", "HS256 with the EC public key", "RS256 on our EC kid"])
def test_a_forged_es256_hint_gets_the_confirmation_page(client, es256_hint, kind):
    assert_only_asked(client, es256_forgeries(es256_hint, client)[kind])


def test_a_copied_session_cookie_opens_nothing_after_logout(app, client, logout_hint):
    copied = client.get_cookie("session").value
    assert end_session(client, id_token_hint=logout_hint).status_code == 200
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert not is_signed_in(thief)
    assert thief.get("/account/security").headers["Location"].startswith("/login")


def test_a_cross_site_link_without_a_hint_signs_nobody_out(client, logout_app, signed_in_user):
    """Logout CSRF: an <img src> or link on another site carries no ID token of the victim's."""
    app_client, _ = logout_app
    for method in ("GET", "POST"):
        end_session(client, method, client_id=app_client["client_id"], post_logout_redirect_uri=SIGNED_OUT_APP_PAGE)
    assert is_signed_in(client)


@pytest.mark.parametrize(
    "uri",
    ["https://evil.example.com/", "//evil.example.com/", "/\\evil.example.com", "javascript:alert(1)", "data:,x"],
)
def test_no_redirect_to_an_address_the_app_did_not_register(client, logout_app, logout_hint, uri):
    app_client, _ = logout_app
    for params in (
        {"id_token_hint": logout_hint, "post_logout_redirect_uri": uri},
        {"client_id": app_client["client_id"], "post_logout_redirect_uri": uri},
        {"post_logout_redirect_uri": uri},
    ):
        response = end_session(client, **params)
        assert "Location" not in response.headers, params


def test_another_apps_registered_uri_is_not_reachable_with_this_apps_hint(app, client, logout_hint):
    register_client(app, name="Other App", post_logout_redirect_uris=["https://other.example.com/bye"])
    response = end_session(client, id_token_hint=logout_hint, post_logout_redirect_uri="https://other.example.com/bye")
    assert response.status_code == 200 and "Location" not in response.headers


def test_without_a_hint_the_uri_is_checked_against_the_named_app_only(app, client, logout_app):
    register_client(app, name="Other App", post_logout_redirect_uris=["https://other.example.com/bye"])
    app_client, _ = logout_app
    response = end_session(
        client, client_id=app_client["client_id"], post_logout_redirect_uri="https://other.example.com/bye"
    )
    assert response.status_code == 200 and "Location" not in response.headers


def test_repeated_parameters_count_as_not_sent(client, logout_hint):
    response = client.get(
        "/oauth/logout",
        query_string=[
            ("id_token_hint", logout_hint),
            ("post_logout_redirect_uri", SIGNED_OUT_APP_PAGE),
            ("post_logout_redirect_uri", "https://evil.example.com/"),
        ],
    )
    assert response.status_code == 200 and "Location" not in response.headers


def test_a_state_cannot_add_parameters_or_break_out_of_the_query(client, logout_hint):
    response = end_session(
        client, id_token_hint=logout_hint, post_logout_redirect_uri=SIGNED_OUT_APP_PAGE, state="x&code=evil#frag"
    )
    assert response.headers["Location"] == SIGNED_OUT_APP_PAGE + "?state=x%26code%3Devil%23frag"


def test_the_confirmation_page_cannot_be_framed(client, signed_in_user):
    page = end_session(client)
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]  # no clickjacking of "Sign out"
