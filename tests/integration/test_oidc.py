"""OpenID Connect on the real stack: the oidcc-basic certification modules that apply to a code-flow provider.

Each test is named after the conformance suite's module it holds the server
to (oidcc-server -> test_oidcc_server), with that module's failure
conditions as assertions; ID tokens are checked as a relying party checks
them, with PyJWT against the published JWKS.
"""

import json
import logging
import re
import time
import uuid

import jwt
import pytest

from oauth import signing_keys
from stores import sealing
from stores.postgres import get_connection
from tests.support.accounts import AuthActions, csrf_token
from tests.support.apps import make_app
from tests.support.oauth import (
    REDIRECT_URI,
    STATE,
    authorize_and_get_code,
    authorize_params,
    authorize_url,
    bearer,
    exchange_code,
    pkce_pair,
    redirect_params,
    refresh,
    register_client,
)
from tests.support.oidc import at_hash, kid_of, published_jwks, sign_in_with, verify_id_token
from tests.support.two_factor import enable_two_factor

NONCE = "n-0S6_WzA2Mj"


@pytest.fixture
def registered(app):
    return register_client(app)


def userinfo(client, access_token: str, method: str = "GET", **kwargs):
    return client.open("/oauth/userinfo", method=method, headers=bearer(access_token), **kwargs)


def test_oidcc_server(client, registered, signed_in_user):
    """Code flow with PKCE, openid profile email and a nonce: an ID token a relying party accepts."""
    app_client, secret = registered
    tokens = sign_in_with(client, app_client, secret, nonce=NONCE)
    assert tokens["scope"] == "openid profile email"
    claims = verify_id_token(client, tokens["id_token"], app_client)
    assert claims["nonce"] == NONCE
    assert claims["at_hash"] == at_hash(tokens["access_token"])
    assert claims["azp"] == app_client["client_id"]
    assert claims["amr"] == ["pwd"]
    assert claims["iat"] <= time.time() < claims["exp"]
    assert abs(claims["auth_time"] - time.time()) < 60
    assert set(claims) == {"iss", "sub", "aud", "azp", "exp", "iat", "auth_time", "amr", "nonce", "at_hash"}


def test_oidcc_idtoken_signature(client, registered, signed_in_user):
    app_client, secret = registered
    id_token = sign_in_with(client, app_client, secret)["id_token"]
    header = jwt.get_unverified_header(id_token)
    assert header["alg"] == "RS256"
    assert header["kid"] in [key["kid"] for key in published_jwks(client)["keys"]]
    header_part, payload_part, signature = id_token.split(".")
    forged_payload = jwt.utils.base64url_encode(
        json.dumps({**jwt.decode(id_token, options={"verify_signature": False}), "sub": "someone-else"}).encode()
    ).decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify_id_token(client, f"{header_part}.{forged_payload}.{signature}", app_client)


def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(client, registered, signed_in_user):
    app_client, secret = registered
    claims = verify_id_token(client, sign_in_with(client, app_client, secret)["id_token"], app_client)
    assert "nonce" not in claims


@pytest.mark.parametrize("nonce", ["x", "a b+c/d=", "é-ünïcode", "n" * 500])
def test_the_nonce_comes_back_exactly_as_sent(client, registered, signed_in_user, nonce):
    app_client, secret = registered
    claims = verify_id_token(client, sign_in_with(client, app_client, secret, nonce=nonce)["id_token"], app_client)
    assert claims["nonce"] == nonce


def test_the_nonce_survives_the_consent_page(client, registered, signed_in_user):
    app_client, secret = registered
    first = sign_in_with(client, app_client, secret, scope="openid", nonce="first")
    assert verify_id_token(client, first["id_token"], app_client)["nonce"] == "first"
    # Asking for more scopes shows the page again; the nonce goes through it.
    second = sign_in_with(client, app_client, secret, nonce="second", prompt="consent")
    assert verify_id_token(client, second["id_token"], app_client)["nonce"] == "second"


def test_no_id_token_without_openid(client, registered, signed_in_user):
    app_client, secret = registered
    tokens = sign_in_with(client, app_client, secret, scope="read:profile")
    assert "id_token" not in tokens


def test_oidcc_refresh_token(client, registered, signed_in_user):
    app_client, secret = registered
    tokens = sign_in_with(client, app_client, secret, nonce=NONCE)
    first = verify_id_token(client, tokens["id_token"], app_client)
    time.sleep(1.1)  # iat counts whole seconds
    refreshed = refresh(client, app_client, secret, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.get_json()
    again = verify_id_token(client, body["id_token"], app_client)
    for name in ("iss", "sub", "aud", "azp", "auth_time", "amr"):
        assert again[name] == first[name], name
    assert again["iat"] > first["iat"]
    assert again["at_hash"] == at_hash(body["access_token"])
    assert "nonce" not in again  # Core §12.2: it belonged to the authorization request
    # And again from the rotated token: the sign-in is carried through every rotation.
    twice = refresh(client, app_client, secret, body["refresh_token"]).get_json()
    assert verify_id_token(client, twice["id_token"], app_client)["auth_time"] == first["auth_time"]


def test_a_narrowed_refresh_keeps_the_id_token(client, registered, signed_in_user):
    app_client, secret = registered
    tokens = sign_in_with(client, app_client, secret)
    body = refresh(client, app_client, secret, tokens["refresh_token"], scope="profile").get_json()
    assert body["scope"] == "profile"
    assert verify_id_token(client, body["id_token"], app_client)["sub"]


def test_amr_names_the_second_factor(app, client, auth, registered):
    user = auth.sign_in_as("two-factor@example.com")
    auth.authenticators["two-factor@example.com"] = enable_two_factor(app, user["id"])
    auth.sign_in_as("two-factor@example.com")
    app_client, secret = registered
    claims = verify_id_token(client, sign_in_with(client, app_client, secret)["id_token"], app_client)
    assert claims["amr"] == ["pwd", "otp"]


def test_auth_time_is_the_sign_in_not_the_token(client, registered, signed_in_user):
    app_client, secret = registered
    first = verify_id_token(client, sign_in_with(client, app_client, secret)["id_token"], app_client)
    time.sleep(1.1)
    later = verify_id_token(client, sign_in_with(client, app_client, secret)["id_token"], app_client)
    assert later["auth_time"] == first["auth_time"] < later["iat"]


def test_sub_is_stable_opaque_and_differs_between_people(app, client, auth, registered):
    app_client, secret = registered
    subjects = {}
    for email in ("ann@example.com", "bob@example.com"):
        user = auth.sign_in_as(email)
        claims = verify_id_token(client, sign_in_with(client, app_client, secret)["id_token"], app_client)
        again = verify_id_token(client, sign_in_with(client, app_client, secret)["id_token"], app_client)
        assert claims["sub"] == again["sub"]
        assert claims["sub"] not in (email, str(user["id"]))
        assert email not in claims["sub"] and uuid.UUID(claims["sub"])  # random, 122 bits
        subjects[email] = claims["sub"]
    assert len(set(subjects.values())) == 2


def test_sub_is_the_same_for_every_app(app, client, signed_in_user):
    # A "public" subject type: two apps of the same person see the same sub (Discovery advertises public).
    first, first_secret = register_client(app, name="First")
    second, second_secret = register_client(app, name="Second")
    one = verify_id_token(client, sign_in_with(client, first, first_secret)["id_token"], first)
    two = verify_id_token(client, sign_in_with(client, second, second_secret)["id_token"], second)
    assert one["sub"] == two["sub"] and one["aud"] != two["aud"]


def test_a_public_client_gets_an_id_token_with_pkce(app, client, signed_in_user):
    app_client, _ = register_client(app, client_type="public", redirect_uris=["https://spa.example.com/cb"])
    claims = verify_id_token(client, sign_in_with(client, app_client, None, nonce=NONCE)["id_token"], app_client)
    assert claims["aud"] == app_client["client_id"] and claims["nonce"] == NONCE


def test_a_public_client_without_pkce_is_refused_with_openid(app, client, signed_in_user):
    app_client, _ = register_client(app, client_type="public", redirect_uris=["https://spa.example.com/cb"])
    response = client.get(authorize_url(app_client, scope="openid"))
    assert redirect_params(response)["error"] == "invalid_request"


def test_a_confidential_client_may_omit_pkce(client, registered, signed_in_user):
    app_client, secret = registered
    code, _ = authorize_and_get_code(client, app_client, use_pkce=False, scope="openid")
    assert "id_token" in exchange_code(client, app_client, secret, code, None).get_json()


# Userinfo ------------------------------------------------------------------------------------------


def test_oidcc_userinfo_get(client, registered, signed_in_user):
    app_client, secret = registered
    tokens = sign_in_with(client, app_client, secret)
    response = userinfo(client, tokens["access_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    claims = response.get_json()
    assert claims["sub"] == verify_id_token(client, tokens["id_token"], app_client)["sub"]
    assert claims["email"] == signed_in_user["email"]


def test_oidcc_userinfo_post_header(client, registered, signed_in_user):
    app_client, secret = registered
    tokens = sign_in_with(client, app_client, secret)
    response = userinfo(client, tokens["access_token"], "POST")
    assert response.status_code == 200
    assert response.get_json()["email"] == signed_in_user["email"]


def test_oidcc_userinfo_post_body(client, registered, signed_in_user):
    app_client, secret = registered
    tokens = sign_in_with(client, app_client, secret)
    response = client.post("/oauth/userinfo", data={"access_token": tokens["access_token"]})
    assert response.status_code == 200
    assert response.get_json()["sub"] == verify_id_token(client, tokens["id_token"], app_client)["sub"]


def test_oidcc_scope_profile(client, registered, signed_in_user):
    app_client, secret = registered
    claims = userinfo(
        client, sign_in_with(client, app_client, secret, scope="openid profile")["access_token"]
    ).get_json()
    assert set(claims) == {"sub", "name", "preferred_username", "updated_at"}
    assert claims["name"] == signed_in_user["name"]
    assert isinstance(claims["updated_at"], int) and abs(claims["updated_at"] - time.time()) < 600


def test_oidcc_scope_email(client, registered, signed_in_user):
    app_client, secret = registered
    claims = userinfo(client, sign_in_with(client, app_client, secret, scope="openid email")["access_token"]).get_json()
    assert claims == {"sub": claims["sub"], "email": signed_in_user["email"], "email_verified": True}


def test_oidcc_scope_all(client, registered, signed_in_user):
    app_client, secret = registered
    claims = userinfo(client, sign_in_with(client, app_client, secret)["access_token"]).get_json()
    assert set(claims) == {"sub", "name", "preferred_username", "updated_at", "email", "email_verified"}


def test_openid_alone_tells_only_sub(client, registered, signed_in_user):
    app_client, secret = registered
    claims = userinfo(client, sign_in_with(client, app_client, secret, scope="openid")["access_token"]).get_json()
    assert list(claims) == ["sub"]


def test_an_unverified_email_says_so(app, client, auth, registered):
    from tests.support.accounts import create_user

    create_user(app, "new@example.com", verified=False)
    with app.app_context(), get_connection().cursor() as cur:
        cur.execute("UPDATE users SET email_verified_at = NULL WHERE email = 'new@example.com'")
        cur.connection.commit()
    auth.sign_in_as("new@example.com")
    app_client, secret = registered
    claims = userinfo(client, sign_in_with(client, app_client, secret, scope="openid email")["access_token"]).get_json()
    assert claims["email_verified"] is False


def test_updated_at_follows_a_name_change(client, registered, signed_in_user):
    app_client, secret = registered
    tokens = sign_in_with(client, app_client, secret, scope="openid profile write:profile")
    before = userinfo(client, tokens["access_token"]).get_json()["updated_at"]
    time.sleep(1.1)
    assert (
        client.patch("/api/v1/me", json={"name": "New Name"}, headers=bearer(tokens["access_token"])).status_code == 200
    )
    after = userinfo(client, tokens["access_token"]).get_json()
    assert after["name"] == "New Name" and after["updated_at"] > before


# Codes, request objects, the authorization endpoint ------------------------------------------------


def test_oidcc_codereuse(client, registered, signed_in_user):
    app_client, secret = registered
    code, verifier = authorize_and_get_code(client, app_client, scope="openid")
    first = exchange_code(client, app_client, secret, code, verifier)
    assert first.status_code == 200
    second = exchange_code(client, app_client, secret, code, verifier)
    assert second.status_code == 400 and second.get_json()["error"] == "invalid_grant"
    # The tokens the first exchange gave stop working (RFC 6749 §4.1.2).
    assert userinfo(client, first.get_json()["access_token"]).status_code == 401


@pytest.mark.parametrize(
    ("parameter", "error"),
    [("request", "request_not_supported"), ("request_uri", "request_uri_not_supported")],
)
def test_oidcc_unsigned_request_object_rejected_as_unsupported(client, registered, signed_in_user, parameter, error):
    app_client, _ = registered
    value = "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9." if parameter == "request" else "https://rp.example/r"
    _, challenge = pkce_pair()
    response = client.get(authorize_url(app_client, scope="openid", code_challenge=challenge, **{parameter: value}))
    assert response.status_code == 302
    params = redirect_params(response)
    assert response.headers["Location"].startswith(REDIRECT_URI)
    assert params["error"] == error and params["state"] == STATE and params["iss"] == "http://localhost"


@pytest.mark.parametrize("parameter", ["request", "request_uri"])
def test_a_request_object_with_an_unregistered_redirect_gets_a_page_not_a_redirect(
    client, registered, signed_in_user, parameter
):
    app_client, _ = registered
    url = authorize_url(app_client, scope="openid", redirect_uri="https://evil.example/cb", **{parameter: "x"})
    response = client.get(url)
    assert response.status_code == 400 and "Location" not in response.headers


def test_oidcc_ensure_post_request_succeeds(client, registered, signed_in_user):
    app_client, secret = registered
    verifier, challenge = pkce_pair()
    page = client.post("/oauth/authorize", data=authorize_params(app_client, scope="openid", code_challenge=challenge))
    assert page.status_code == 200 and 'value="allow"' in page.text  # the consent page, as for a GET
    fields = {"csrf_token": csrf_token(page.text), "decision": "allow"}
    fields["consent_challenge"] = re.search(r'name="consent_challenge" value="([^"]+)"', page.text).group(1)
    allowed = client.post("/oauth/authorize", data=fields)
    code = redirect_params(allowed)["code"]
    tokens = exchange_code(client, app_client, secret, code, verifier).get_json()
    assert verify_id_token(client, tokens["id_token"], app_client)


def test_a_post_request_when_signed_out_signs_in_first_then_continues(client, auth, registered):
    app_client, _ = registered
    auth.sign_in_as()
    auth.logout()
    response = client.post("/oauth/authorize", data=authorize_params(app_client, scope="openid", nonce=NONCE))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert "nonce" in response.headers["Location"]


def test_oidcc_prompt_none_logged_in(client, registered, signed_in_user):
    app_client, secret = registered
    sign_in_with(client, app_client, secret)  # consented once
    verifier, challenge = pkce_pair()
    response = client.get(
        authorize_url(app_client, scope="openid profile email", code_challenge=challenge, prompt="none")
    )
    code = redirect_params(response)["code"]
    assert "id_token" in exchange_code(client, app_client, secret, code, verifier).get_json()


@pytest.mark.parametrize(
    "extra",
    [
        {"ui_locales": "se"},
        {"claims_locales": "se"},
        {"acr_values": "1 2"},
        {"display": "page"},
        {"display": "popup"},
        {"extra": "foobar"},
        {"claims": '{"userinfo": {"name": {"essential": true}}}'},
    ],
    ids=["ui_locales", "claims_locales", "acr_values", "display_page", "display_popup", "unknown", "claims"],
)
def test_oidcc_optional_parameters_are_accepted(client, registered, signed_in_user, extra):
    app_client, secret = registered
    assert "id_token" in sign_in_with(client, app_client, secret, **extra)


def test_oidcc_id_token_hint(client, registered, signed_in_user):
    app_client, secret = registered
    first = sign_in_with(client, app_client, secret)
    verifier, challenge = pkce_pair()
    url = authorize_url(
        app_client, scope="openid", code_challenge=challenge, prompt="none", id_token_hint=first["id_token"]
    )
    code = redirect_params(client.get(url))["code"]
    again = exchange_code(client, app_client, secret, code, verifier).get_json()
    assert (
        verify_id_token(client, again["id_token"], app_client)["sub"]
        == (verify_id_token(client, first["id_token"], app_client)["sub"])
    )


def test_oidcc_login_hint(client, registered):
    app_client, _ = registered
    response = client.get(authorize_url(app_client, scope="openid", login_hint="hinted@example.com"))
    page = client.get(response.headers["Location"])
    assert 'value="hinted@example.com"' in page.text


def test_oidcc_ensure_other_scope_order_succeeds(client, registered, signed_in_user):
    app_client, secret = registered
    tokens = sign_in_with(client, app_client, secret, scope="email openid")
    assert set(tokens["scope"].split()) == {"openid", "email"}
    assert verify_id_token(client, tokens["id_token"], app_client)["sub"]


def test_oidcc_response_type_missing(client, registered, signed_in_user):
    app_client, _ = registered
    response = client.get(authorize_url(app_client, scope="openid", response_type=None))
    assert response.status_code == 302 and response.headers["Location"].startswith(REDIRECT_URI)
    params = redirect_params(response)
    assert params["error"] in ("invalid_request", "unsupported_response_type") and "code" not in params
    assert params["state"] == STATE


def test_oidcc_ensure_registered_redirect_uri(client, registered, signed_in_user):
    app_client, _ = registered
    response = client.get(authorize_url(app_client, scope="openid", redirect_uri="https://evil.example/callback"))
    assert response.status_code == 400 and "Location" not in response.headers  # a page, never a redirect


def test_oidcc_prompt_none_not_logged_in(client, registered):
    app_client, _ = registered
    response = client.get(authorize_url(app_client, scope="openid", prompt="none"))
    assert response.status_code == 302 and response.headers["Location"].startswith(REDIRECT_URI)
    params = redirect_params(response)
    assert params["error"] == "login_required" and params["state"] == STATE and "code" not in params


def test_oidcc_server_client_secret_post(client, registered, signed_in_user):
    app_client, secret = registered
    code, verifier = authorize_and_get_code(client, app_client, scope="openid", nonce=NONCE)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    response = client.post("/oauth/token", data={**form, "client_id": app_client["client_id"], "client_secret": secret})
    assert response.status_code == 200, response.text
    assert verify_id_token(client, response.get_json()["id_token"], app_client)["nonce"] == NONCE


def test_client_credentials_never_carry_identity_scopes(client, registered):
    app_client, secret = registered
    from tests.support.oauth import token_request

    body = token_request(client, app_client, secret, grant_type="client_credentials").get_json()
    assert "openid" not in body["scope"].split() and "id_token" not in body
    refused = token_request(client, app_client, secret, grant_type="client_credentials", scope="openid")
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_scope"


# Keys, discovery -----------------------------------------------------------------------------------


def test_a_rotated_key_keeps_old_id_tokens_verifiable_and_signs_new_ones(client, runner, registered, signed_in_user):
    app_client, secret = registered
    old = sign_in_with(client, app_client, secret)["id_token"]
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    rotation = json.loads(result.output)
    (rsa,) = [key for key in rotation["rotated"] if key["alg"] == "RS256"]
    assert rsa["retired"] == [kid_of(old)] and rsa["kid"] != kid_of(old)
    assert {rsa["kid"], kid_of(old)} <= set(rotation["published"])
    new = sign_in_with(client, app_client, secret)["id_token"]
    assert kid_of(new) == rsa["kid"]
    jwks = published_jwks(client)
    assert verify_id_token(client, old, app_client, jwks=jwks)["sub"] == verify_id_token(client, new, app_client)["sub"]


def test_a_key_retired_longer_than_an_id_token_lives_leaves_the_jwks(app, client, runner, registered, signed_in_user):
    app_client, secret = registered
    old_kid = kid_of(sign_in_with(client, app_client, secret)["id_token"])
    runner.invoke(args=["keys", "rotate"])
    with app.app_context(), get_connection().cursor() as cur:
        cur.execute(
            "UPDATE signing_keys SET retired_at = now() - make_interval(secs => %(age)s) WHERE kid = %(kid)s",
            {"age": signing_keys.PUBLISHED_AFTER_RETIREMENT + 1, "kid": old_kid},
        )
        cur.connection.commit()
    assert old_kid not in [key["kid"] for key in published_jwks(client)["keys"]]
    result = json.loads(runner.invoke(args=["keys", "rotate"]).output)
    assert old_kid in result["dropped"]  # and its sealed private key is gone from the database


def test_a_changed_secret_key_replaces_the_signing_key_instead_of_failing(
    app, store_urls, client, registered, signed_in_user, caplog
):
    app_client, secret = registered
    old = sign_in_with(client, app_client, secret)["id_token"]
    changed = make_app(store_urls, SECRET_KEY="the key after a redeploy")  # same stores, another SECRET_KEY
    changed_client = changed.test_client()
    AuthActions(changed_client, changed).login()
    caplog.set_level(logging.ERROR, logger="oauth.signing_keys")

    first = sign_in_with(changed_client, app_client, secret)["id_token"]
    second = sign_in_with(changed_client, app_client, secret)["id_token"]

    assert kid_of(first) == kid_of(second) != kid_of(old)
    jwks = published_jwks(changed_client)
    assert {kid_of(old), kid_of(first)} == {key["kid"] for key in jwks["keys"] if key["alg"] == "RS256"}
    subjects = {verify_id_token(changed_client, token, app_client, jwks=jwks)["sub"] for token in (old, first)}
    assert len(subjects) == 1
    (logged,) = [record for record in caplog.records if record.levelno >= logging.ERROR]  # once, not per request
    assert kid_of(old) in logged.getMessage() and "SECRET_KEY" in logged.getMessage()


def test_the_private_key_at_rest_is_sealed_not_the_pem(app, client, registered, signed_in_user):
    app_client, secret = registered
    kid = kid_of(sign_in_with(client, app_client, secret)["id_token"])
    with app.app_context(), get_connection().cursor() as cur:
        cur.execute("SELECT * FROM signing_keys WHERE kid = %(kid)s", {"kid": kid})
        row = cur.fetchone()
    stored = bytes(row["private_ciphertext"])
    assert b"PRIVATE KEY" not in stored and b"-----" not in stored
    assert "d" not in row["public_jwk"] and "p" not in row["public_jwk"]
    sealing_key = sealing.derive_key(app.config["SECRET_KEY"], signing_keys.KEY_INFO)
    opened = sealing.unseal(sealing_key, row["private_nonce"], stored, f"signing_keys:{kid}".encode())
    assert opened.startswith(b"-----BEGIN PRIVATE KEY-----")
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(
            sealing.derive_key("another secret key", signing_keys.KEY_INFO), row["private_nonce"], stored, b""
        )


def test_the_jwks_publishes_public_rsa_keys_with_cache_headers(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    (key,) = [key for key in response.get_json()["keys"] if key["kty"] == "RSA"]
    assert key["alg"] == "RS256" and key["use"] == "sig" and key["kid"]
    assert len(jwt.utils.base64url_decode(key["n"])) * 8 >= 2048
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    etag = response.headers["ETag"]
    assert client.get("/.well-known/jwks.json", headers={"If-None-Match": etag}).status_code == 304


def test_oidcc_discovery(client):
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    document = response.get_json()
    assert document["issuer"] == "http://localhost"
    assert document["jwks_uri"] == "http://localhost/.well-known/jwks.json"
    assert document["userinfo_endpoint"] == "http://localhost/oauth/userinfo"
    assert document["response_types_supported"] == ["code"]
    assert document["subject_types_supported"] == ["public"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256", "ES256"]
    assert {"openid", "profile", "email"} <= set(document["scopes_supported"])
    assert not {"address", "phone", "offline_access"} & set(document["scopes_supported"])
    assert {"sub", "auth_time", "nonce", "email_verified", "updated_at"} <= set(document["claims_supported"])
    assert document["request_parameter_supported"] is False
    assert document["request_uri_parameter_supported"] is False
    oauth_document = client.get("/.well-known/oauth-authorization-server").get_json()
    for name, value in oauth_document.items():
        assert document[name] == value, name


def test_the_docs_page_documents_every_claim_and_openid_endpoint(client):
    page = client.get("/docs").text
    section = page.split('id="openid-connect"', 1)[1].split("</section>", 1)[0]
    for claim in client.get("/.well-known/openid-configuration").get_json()["claims_supported"]:
        assert f"<td><code>{claim}</code></td>" in section, claim
    document = client.get("/.well-known/openid-configuration").get_json()
    for field in ("userinfo_endpoint", "end_session_endpoint", "jwks_uri"):
        assert document[field] in page, field
    assert "http://localhost/.well-known/openid-configuration" in page
