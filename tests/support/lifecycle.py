"""The verification and password pages driven through their real forms, CSRF token included."""

from tests.support.accounts import csrf_token

NEW_PASSWORD = "plum tide velvet orbit"  # passes the policy for every test account


def confirm_email(client, link: str):
    """Open a verification link and press its button: the response to the press."""
    page = client.get(link)
    assert page.status_code == 200, page.status_code
    return client.post(link, data={"csrf_token": csrf_token(page.text)})


def forgot_password(client, email: str, **kwargs):
    """Ask for a reset link at /password/forgot: the response."""
    page = client.get("/password/forgot", **kwargs)
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token(page.text)}, **kwargs)


def reset_password(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    """Set a password through a reset link's form (or post to a link that shows none): the response."""
    page = client.get(link)
    token = csrf_token(page.text) if page.status_code == 200 else csrf_token(client.get("/password/forgot").text)
    data = {"new_password": password, "confirm": password if confirm is None else confirm, "csrf_token": token}
    return client.post(link, data=data)


def change_password(client, current: str, new: str = NEW_PASSWORD, confirm: str | None = None):
    """Change the signed-in person's password at /account/password: the response."""
    page = client.get("/account/password")
    data = {
        "current_password": current,
        "new_password": new,
        "confirm": new if confirm is None else confirm,
        "csrf_token": csrf_token(page.text),
    }
    return client.post("/account/password", data=data)


def resend_verification(client):
    """Press "Send a new link" on /signup/verify: the response."""
    page = client.get("/signup/verify")
    return client.post("/signup/verify/resend", data={"csrf_token": csrf_token(page.text)})
