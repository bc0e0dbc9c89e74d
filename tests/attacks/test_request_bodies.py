"""Bodies that cost the server more than the sender: refused with 413 in the caller's format, in milliseconds.

Before the limits, one 1 MiB urlencoded body of 512k empty fields cost 1.3 s
of CPU on any path, parsed before any route ran. Server time is measured
as the test process's CPU time (time.process_time) around the test
client's call: the app runs in this process, so it is the server's time
plus the client's own small share, an upper bound.
"""

import io
import time

import pytest

from tests.support.accounts import csrf_token
from tests.support.api import user_with_token

FORM = "application/x-www-form-urlencoded"
FIELD_BOMB_1MIB = b"=&" * (512 * 1024)  # 1 MiB: 512k empty fields
BUDGET_SECONDS = 0.050


def cpu_seconds(call, *args, **kwargs):
    """The response of `call(*args, **kwargs)` and the CPU time it took."""
    started = time.process_time()
    response = call(*args, **kwargs)
    return response, time.process_time() - started


def fields(count: int, value: str = "x") -> bytes:
    return "&".join(f"f{n}={value}" for n in range(count)).encode()


@pytest.mark.parametrize(
    "body",
    [FIELD_BOMB_1MIB, b"=&" * 30_000, fields(1001)],
    ids=["1 MiB field bomb", "60 KB of empty fields", "1001 fields"],
)
def test_a_field_bomb_at_a_page_is_a_413_page_in_milliseconds(client, body):
    response, seconds = cpu_seconds(client.post, "/login", data=body, content_type=FORM)
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert seconds < BUDGET_SECONDS, seconds


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
@pytest.mark.parametrize(
    "body",
    [FIELD_BOMB_1MIB, b"=&" * 8_000, fields(101)],
    ids=["1 MiB field bomb", "16 KB of empty fields", "101 fields"],
)
def test_a_field_bomb_at_a_machine_endpoint_is_a_413_json_error_in_milliseconds(client, path, body):
    response, seconds = cpu_seconds(client.post, path, data=body, content_type=FORM)
    assert response.status_code == 413
    assert response.get_json()["error"] == "invalid_request"
    assert response.headers["Cache-Control"] == "no-store"
    assert seconds < BUDGET_SECONDS, seconds


def test_a_body_past_64_kib_at_a_page_is_refused_unread(client):
    body = b"email=" + b"x" * (64 * 1024)
    response, seconds = cpu_seconds(client.post, "/login", data=body, content_type=FORM)
    assert response.status_code == 413
    assert "64 KiB" in response.text
    assert seconds < BUDGET_SECONDS, seconds


def test_a_body_past_16_kib_at_a_machine_endpoint_is_refused_unread(client):
    body = b"grant_type=client_credentials&scope=" + b"a" * (16 * 1024)
    response = client.post("/oauth/token", data=body, content_type=FORM)
    assert response.status_code == 413
    assert "16 KiB" in response.get_json()["error_description"]
    assert len(response.data) < 1000  # the input is not echoed back


def test_a_json_body_past_16_kib_at_the_api_is_a_413(app, client):
    token = user_with_token(app, "writer@example.com", ["write:data"])
    body = b'{"title": "' + b"a" * (16 * 1024) + b'"}'
    response = client.post("/api/v1/data", data=body, content_type="application/json", headers=token.headers)
    assert response.status_code == 413
    assert response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("path", ["/", "/healthz", "/no-such-page", "/developer/apps"])
def test_a_path_that_reads_no_form_never_parses_one(client, path):
    response, seconds = cpu_seconds(client.post, path, data=FIELD_BOMB_1MIB, content_type=FORM)
    assert response.status_code in (302, 404, 405)
    assert seconds < BUDGET_SECONDS, seconds


def test_a_multipart_field_bomb_is_a_413(client):
    parts = {f"f{n}": "x" for n in range(1001)}
    response = client.post("/login", data=parts, content_type="multipart/form-data")
    assert response.status_code == 413


def test_a_page_form_of_a_thousand_fields_is_still_read(client):
    page = client.get("/login")
    body = fields(998) + b"&email=nobody%40example.com&csrf_token=" + csrf_token(page.text).encode()
    response = client.post("/login", data=body, content_type=FORM)
    assert response.status_code != 413
    assert "email" in response.text.lower()


def test_a_machine_form_of_a_hundred_fields_is_still_read(client):
    body = fields(99) + b"&grant_type=client_credentials"
    response = client.post("/oauth/token", data=body, content_type=FORM)
    assert response.status_code == 401  # read, and refused for want of a client
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "path, data",
    [("/oauth/token", "grant_type=client_credentials&scope=a%00"), ("/oauth/revoke", "token=paat_%00")],
)
def test_a_nul_in_a_form_is_still_a_400_where_it_is_read(client, path, data):
    response = client.post(path, data=data, content_type=FORM)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_a_nul_in_a_query_is_still_a_400_where_it_is_read(client):
    response = client.get("/login?next=%00")
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_a_nul_in_a_query_no_route_reads_costs_nothing(client):
    assert client.get("/healthz?x=%00").status_code == 200


@pytest.mark.parametrize("path", ["/oauth/token", "/login"])
def test_a_body_shorter_than_its_content_length_is_a_400_not_a_500(client, path):
    response = client.post(
        path, data=b"grant_type=client_credentials", content_type=FORM, environ_overrides={"CONTENT_LENGTH": "500"}
    )
    assert response.status_code == 400


def test_a_chunked_form_without_a_length_is_read_at_a_machine_endpoint(client):
    # No Content-Length (a chunked body, as a WSGI server hands it on): read to its end, within the cap.
    body = b"grant_type=client_credentials&client_id=pa_client_unknown"
    response = client.post(
        "/oauth/token",
        input_stream=io.BytesIO(body),
        content_type=FORM,
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"  # the form was read: it named a client
