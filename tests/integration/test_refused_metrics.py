"""/metrics names the clients the rate limit refused most this window, and no more than ten of them."""

from prometheus_client.parser import text_string_to_metric_families

from api.refused_metrics import MOST_REFUSED
from tests.support.api import user_with_token
from tests.support.metrics import sample, scrape
from tests.support.oauth import bearer

TOP = "oauth_api_calls_refused_top"


def call(client, issued, times: int) -> list[int]:
    return [client.get("/api/v1/me", headers=bearer(issued.access_token)).status_code for _ in range(times)]


def labelled_clients(text: str) -> set[str]:
    return {
        found.labels["client_id"]
        for family in text_string_to_metric_families(text)
        for found in family.samples
        if found.name == TOP
    }


def test_refused_calls_are_shown_per_client_served_ones_are_not(app, client):
    busy = user_with_token(app, "busy@example.com", ["read:profile"], rate_limit=1)
    calm = user_with_token(app, "calm@example.com", ["read:profile"], rate_limit=1)
    quiet = user_with_token(app, "quiet@example.com", ["read:profile"], rate_limit=5)
    assert call(client, busy, 5) == [200, 429, 429, 429, 429]
    assert call(client, calm, 3) == [200, 429, 429]
    assert call(client, quiet, 3) == [200, 200, 200]
    text = scrape(client)
    assert sample(text, TOP, client_id=busy.client_id) == 4
    assert sample(text, TOP, client_id=calm.client_id) == 2
    assert quiet.client_id not in labelled_clients(text)


def test_only_the_most_refused_clients_get_a_label(app, client):
    apps = [
        user_with_token(app, f"user{n}@example.com", ["read:profile"], rate_limit=1) for n in range(MOST_REFUSED + 2)
    ]
    for n, issued in enumerate(apps):
        call(client, issued, 2 + n)  # the n-th app is refused n + 1 times
    shown = labelled_clients(scrape(client))
    assert shown == {issued.client_id for issued in apps[2:]}


def test_the_rest_of_the_metrics_answer_when_redis_does_not(store_urls):
    from tests.support.apps import make_app

    down = make_app({**store_urls, "REDIS_URL": "redis://127.0.0.1:1/0"})
    text = scrape(down.test_client())
    assert "oauth_http_requests_total" in text and TOP not in text
