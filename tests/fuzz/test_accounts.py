"""Fuzzing the account pages: the second sign-in step, passwords forgotten and changed, verification, two-factor.

Targets that change an account (its password, its second factor) act as
the "member" visitor, so that the world's other visitors stay as they are.
"""

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from oauth import credentials
from tests.fuzz import strategies as fs
from tests.fuzz.profiles import budget
from tests.fuzz.strategies import EMAILS, ODD_PATH_SEGMENTS, form_post, values
from tests.support.accounts import SECOND_FACTOR_PATH, USER_PASSWORD

CODES = values(st.text("0123456789", min_size=6, max_size=6), "000000", "abcd-efgh-ijkl", " 123 456 ", "١٢٣٤٥٦")
NEW_PASSWORDS = values("long enough pw", "correct horse battery staple", USER_PASSWORD)
# Link tokens: odd path segments, or something shaped like a credential (a live one is not guessed).
LINK_TOKENS = ODD_PATH_SEGMENTS | fs.near_credential(credentials.ACCESS_TOKEN_PREFIX).map(
    lambda t: quote(t[5:], safe="")
)


@given(data=st.data())
def test_second_factor_page(visitors, second_factor_visitor, fuzzer, data):
    fuzz = fuzzer("sign-in code")
    visitor = data.draw(st.sampled_from([second_factor_visitor] * 3 + [visitors["anonymous"]]), label="as")
    if data.draw(st.integers(0, 3), label="GET") == 0:
        fuzz.send(visitor.http, "GET", SECOND_FACTOR_PATH)
        return
    content_type, body = form_post(data, visitor.csrf, {"code": CODES})
    fuzz.send(visitor.http, "POST", SECOND_FACTOR_PATH, body=body, content_type=content_type)


@budget(0.5)
@given(data=st.data())
def test_password_forgot_and_reset(visitors, fuzzer, data):
    fuzz = fuzzer("forgot, reset password")
    visitor = visitors[data.draw(st.sampled_from(["anonymous", "anonymous", "user"]), label="as")]
    token = data.draw(LINK_TOKENS, label="token")
    path = data.draw(st.sampled_from(["/password/forgot", f"/password/reset/{token}"]), label="path")
    query = data.draw(fs.query({"next": values("/developer/apps", "//evil.example")}), label="query")
    if data.draw(st.booleans(), label="GET"):
        fuzz.send(visitor.http, "GET", path, query=query)
        return
    fields = {
        "email": values(st.sampled_from(EMAILS)),
        "next": values("/developer/apps", "//evil.example"),
        "new_password": NEW_PASSWORDS,
        "confirm": NEW_PASSWORDS,
    }
    content_type, body = form_post(data, visitor.csrf, fields)
    fuzz.send(visitor.http, "POST", path, query=query, body=body, content_type=content_type)


@given(data=st.data())
def test_email_verification(visitors, fuzzer, data):
    fuzz = fuzzer("email verification")
    visitor = visitors[data.draw(st.sampled_from(["anonymous", "user"]), label="as")]
    token = data.draw(LINK_TOKENS, label="token")
    path, method = data.draw(
        st.sampled_from(
            [
                ("/signup/verify", "GET"),
                (f"/signup/verify/{token}", "GET"),
                (f"/signup/verify/{token}", "POST"),
                ("/signup/verify/resend", "POST"),
            ]
        ),
        label="route",
    )
    query = data.draw(fs.query({"email": values(st.sampled_from(EMAILS))}), label="query")
    content_type, body = form_post(data, visitor.csrf, {"email": values(st.sampled_from(EMAILS))})
    fuzz.send(
        visitor.http, method, path, query=query, body=body if method == "POST" else None, content_type=content_type
    )


@budget(0.25)  # a submitted current password is hashed
@given(data=st.data())
def test_change_password(visitors, fuzzer, data):
    fuzz = fuzzer("change password")
    visitor = visitors[data.draw(st.sampled_from(["member"] * 3 + ["anonymous"]), label="as")]
    if data.draw(st.integers(0, 3), label="GET") == 0:
        fuzz.send(visitor.http, "GET", "/account/password")
        return
    fields = {"current_password": values(USER_PASSWORD), "new_password": NEW_PASSWORDS, "confirm": NEW_PASSWORDS}
    content_type, body = form_post(data, visitor.csrf, fields)
    fuzz.send(visitor.http, "POST", "/account/password", body=body, content_type=content_type)


@budget(0.5)
@given(data=st.data())
def test_two_factor_settings(visitors, fuzzer, data):
    fuzz = fuzzer("two-factor settings")
    visitor = visitors[data.draw(st.sampled_from(["member"] * 3 + ["anonymous"]), label="as")]
    path, method = data.draw(
        st.sampled_from(
            [
                ("/account/two-factor", "GET"),
                ("/account/two-factor", "POST"),
                ("/account/two-factor/disable", "POST"),
                ("/account/two-factor/recovery-codes", "POST"),
            ]
        ),
        label="route",
    )
    if method == "GET":
        fuzz.send(visitor.http, method, path)
        return
    content_type, body = form_post(data, visitor.csrf, {"code": CODES, "password": values(USER_PASSWORD)})
    fuzz.send(visitor.http, method, path, body=body, content_type=content_type)
