"""The error page cannot fail: when rendering it raises, a static page with the same status and headers is served."""

import logging

import pytest
from flask import abort

from tests.support.apps import make_app

PAGE_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Cache-Control")


class TemplateTrouble(Exception):
    pass


@pytest.fixture
def broken_pages(app, store_urls):
    """An app on the test stores whose every template fails to render (a context processor raises)."""
    broken = make_app(store_urls, TESTING=False)

    @broken.context_processor
    def _raises():
        raise TemplateTrouble("template internals")

    @broken.get("/_boom")
    def _boom():
        raise RuntimeError("view internals")

    @broken.get("/_markup")
    def _markup():
        abort(400, description="<script>alert(1)</script>")

    return broken


@pytest.mark.parametrize(("path", "status"), [("/no/such/page", 404), ("/_boom", 500)])
def test_a_failing_error_page_is_replaced_by_the_static_one(broken_pages, client, caplog, path, status):
    caplog.set_level(logging.ERROR)
    response = broken_pages.test_client().get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f"<h1>Error {status}</h1>" in response.text
    assert "internals" not in response.text and "Traceback" not in response.text
    usual = client.get("/no/such/page")  # the same headers as the rendered page has
    assert {name: response.headers.get(name) for name in PAGE_HEADERS} == {
        name: usual.headers.get(name) for name in PAGE_HEADERS
    }
    page_failures = [record for record in caplog.records if "error page could not be rendered" in record.getMessage()]
    assert len(page_failures) == 1
    assert page_failures[0].exc_info[0] is TemplateTrouble


def test_the_static_page_escapes_the_description(broken_pages):
    response = broken_pages.test_client().get("/_markup")
    assert response.status_code == 400
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text and "<script>" not in response.text


def test_the_error_page_renders_as_usual_otherwise(client, caplog):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Back to the start page" in response.text and "<h1>Error 404</h1>" not in response.text
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
