"""What the consent page tells a person about where they will be sent."""

import pytest

from oauth.consent import redirect_host


@pytest.mark.parametrize(
    ("redirect_uri", "shown"),
    [
        ("https://app.example.com/callback", "app.example.com"),
        ("https://APP.example.com/callback", "app.example.com"),
        ("https://app.example.com:8443/callback", "app.example.com:8443"),
        ("https://user@app.example.com/callback", "app.example.com"),
        ("http://127.0.0.1:51234/callback", "127.0.0.1:51234"),
        ("com.example.app:/callback", "the app (com.example.app:)"),
    ],
    ids=["host", "host lower-cased", "port kept", "user info dropped", "loopback port", "app scheme"],
)
def test_the_person_sees_the_host_they_will_land_on_or_the_apps_scheme(redirect_uri, shown):
    assert redirect_host(redirect_uri) == shown
