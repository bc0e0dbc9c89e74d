"""Introspection from a nosy app's side: it learns no more about the person than they allowed."""

from tests.support.oauth import get_tokens, introspect, register_client


def test_introspection_tells_an_app_the_users_email_only_with_read_profile(app, client, signed_in_user):
    registered, secret = register_client(app)
    tokens = get_tokens(client, registered, secret, scope="read:data")
    details = introspect(client, registered, secret, tokens["access_token"])
    assert details["active"] and details["sub"] == str(signed_in_user["id"])
    # The person allowed "See your items", not "See your name and email address".
    assert "username" not in details
    assert signed_in_user["email"] not in str(details)


def test_introspection_names_the_user_to_an_app_allowed_to_see_the_profile(app, client, signed_in_user):
    registered, secret = register_client(app)
    tokens = get_tokens(client, registered, secret, scope="read:profile")
    assert introspect(client, registered, secret, tokens["refresh_token"])["username"] == signed_in_user["email"]


def test_a_resource_server_is_told_the_username_whatever_the_scope(app, client, signed_in_user):
    registered, secret = register_client(app)
    resource_server, rs_secret = register_client(app, name="Resource server", is_resource_server=True)
    tokens = get_tokens(client, registered, secret, scope="read:data")
    assert introspect(client, resource_server, rs_secret, tokens["access_token"])["username"] == signed_in_user["email"]
