"""Server-side sessions as the account security page shows them: list, sign out one, sign out the others."""

from accounts import sessions
from tests.support.accounts import AuthActions, create_user, csrf_token
from tests.support.portal import words

CHROME_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0"
FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def signed_in_browser(app, user_agent: str, ip: str) -> AuthActions:
    browser = AuthActions(app.test_client(), app)
    browser.client.environ_base.update({"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": ip})
    assert browser.login().status_code == 302
    return browser


def test_the_security_page_lists_each_session_with_its_device_and_address(app):
    create_user(app)
    laptop = signed_in_browser(app, CHROME_ON_WINDOWS, "198.51.100.7")
    signed_in_browser(app, FIREFOX_ON_LINUX, "203.0.113.9")
    page = laptop.client.get("/account/security")
    text = words(page.text)
    assert 'Chrome on Windows <strong class="badge">this device</strong>' in text
    assert "198.51.100.7" in text
    assert "Firefox on Linux" in text
    assert "203.0.113.9" in text
    assert text.count("Sign out") >= 2  # one other session's button and "sign out everywhere else"


def test_signing_out_one_session_from_another_ends_only_that_one(app, r):
    user = create_user(app)
    laptop = signed_in_browser(app, CHROME_ON_WINDOWS, "198.51.100.7")
    phone = signed_in_browser(app, FIREFOX_ON_LINUX, "203.0.113.9")
    third = signed_in_browser(app, FIREFOX_ON_LINUX, "203.0.113.10")
    phone_digest = sessions.digest(phone.client.get_cookie("session").value)
    page = laptop.client.get("/account/security")
    form = {"csrf_token": csrf_token(page.text), "confirm": "yes"}
    response = laptop.client.post(f"/account/sessions/{phone_digest}/end", data=form)
    assert response.status_code == 302
    assert phone.client.get("/account/security").status_code == 302
    assert third.client.get("/account/security").status_code == 200
    assert laptop.client.get("/account/security").status_code == 200
    assert phone_digest not in r.smembers(sessions.user_sessions_key(user["id"]))


def test_this_session_cannot_be_ended_from_the_list_only_by_signing_out(app, client, auth):
    create_user(app)
    auth.login()
    own = sessions.digest(client.get_cookie("session").value)
    page = client.get("/account/security")
    response = client.post(f"/account/sessions/{own}/end", data={"csrf_token": csrf_token(page.text), "confirm": "yes"})
    assert response.status_code == 400
    assert client.get("/account/security").status_code == 200


def test_ending_sessions_needs_the_forms_csrf_token(app, client, auth):
    create_user(app)
    other = signed_in_browser(app, FIREFOX_ON_LINUX, "203.0.113.9")
    auth.login()
    assert client.post("/account/sessions/end-others", data={"confirm": "yes"}).status_code == 400
    assert other.client.get("/account/security").status_code == 200


def test_a_reader_of_public_pages_gets_no_stored_session(app, client, r):
    for path in ("/", "/docs"):
        assert client.get(path).status_code == 200
    assert client.get_cookie("session") is None
    assert list(r.scan_iter(match="sess:*")) == []


def test_sign_out_keeps_its_goodbye_message_in_a_fresh_session(app, client, auth):
    create_user(app)
    auth.login()
    before = client.get_cookie("session").value
    response = auth.logout()
    assert response.status_code == 302
    after = client.get_cookie("session")
    assert after is not None and after.value != before
    assert "You are signed out." in client.get(response.headers["Location"]).text
