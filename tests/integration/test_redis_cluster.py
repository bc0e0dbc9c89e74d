"""REDIS_CLUSTER_NODES: the app runs on a Redis Cluster, and a cluster that cannot serve is a 503 like any outage.

Each test starts a small cluster of its own (three primaries, no replicas,
a short node timeout), so that it may stop nodes; it runs in every pass of
the suite, on a single Redis or a cluster alike.
"""

import time

import pytest
from redis.cluster import RedisCluster

from stores import postgres, redis_client
from tests.support.apps import make_app
from tests.support.cluster import Cluster

NODE_TIMEOUT_MS = 500


@pytest.fixture
def cluster():
    with Cluster(primaries=3, replicas=0, node_timeout_ms=NODE_TIMEOUT_MS) as started:
        yield started


@pytest.fixture
def cluster_app(app, store_urls, cluster):
    return app_on(cluster, store_urls)


def app_on(cluster: Cluster, store_urls: dict):
    """An app whose Redis is `cluster`; REDIS_URL is left out, as an operator would."""
    on_cluster = make_app(
        {"DATABASE_URL": store_urls["DATABASE_URL"]}, REDIS_URL=None, REDIS_CLUSTER_NODES=cluster.seed_nodes
    )
    with on_cluster.app_context():
        postgres.apply_schema(postgres.get_connection())
    return on_cluster


def test_the_cluster_client_serves_the_app_when_cluster_nodes_are_set(cluster_app, cluster):
    assert isinstance(cluster_app.extensions["redis"], RedisCluster)
    client = cluster_app.test_client()
    assert client.get("/healthz").json == {"status": "ok", "postgres": "ok", "redis": "ok"}
    assert client.get("/login").status_code == 200  # its CSRF token is kept in a session in Redis
    with redis_client.create_cluster_client(cluster.seed_nodes) as r:
        assert list(r.scan_iter(match="sess:*"))  # scanned on every primary


def test_a_cluster_that_is_down_answers_503_to_programs_and_people(cluster_app, cluster):
    client = cluster_app.test_client()
    assert client.get("/healthz").status_code == 200
    for node in cluster.nodes:
        node.stop()
    assert_unavailable(client)


def test_clusterdown_answers_503_to_programs_and_people(cluster_app, cluster):
    client = cluster_app.test_client()
    assert client.get("/healthz").status_code == 200
    cluster.primaries[0].stop()  # its slots have no node now: the others say CLUSTERDOWN for every key
    wait_until_cluster_fails(cluster.primaries[1:])
    assert_unavailable(client)


def test_an_app_started_while_its_cluster_is_down_answers_503_then_serves_once_it_is_up(app, store_urls):
    cluster = Cluster(primaries=3, replicas=0, node_timeout_ms=NODE_TIMEOUT_MS)  # not started yet
    try:
        client = app_on(cluster, store_urls).test_client()
        assert_unavailable(client)
        cluster.start()
        assert client.get("/healthz").status_code == 200
        assert client.get("/login").status_code == 200
    finally:
        cluster.stop()


def assert_unavailable(client) -> None:
    started = time.monotonic()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["redis"] == "down"

    token = client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=("some-app", "some-secret"))
    assert token.status_code == 503
    assert token.json["error"] == "temporarily_unavailable"

    page = client.get("/login")
    assert page.status_code == 503
    assert page.mimetype == "text/html"
    assert "temporarily unavailable" in page.text and "Traceback" not in page.text
    # Retried briefly, not for long: three requests, each a few tries at most.
    assert time.monotonic() - started < 10


def wait_until_cluster_fails(nodes, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not all("cluster_state:fail" in node.cluster("INFO") for node in nodes):
        assert time.monotonic() < deadline, "the cluster did not notice its lost primary"
        time.sleep(0.05)
