"""GET /metrics from a real gunicorn with two workers: the counts of both, added up, by exactly what was done."""

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict

from serve import gunicorn_command
from tests.support.apps import wait_until_serving
from tests.support.metrics import sample
from tests.support.stores import free_port

ROOT = Path(__file__).resolve().parents[2]
LIVEZ = {"endpoint": "health.livez", "method": "GET", "status": "2xx"}


@pytest.fixture
def two_workers(app, store_urls, tmp_path):
    """gunicorn (sync workers, as gunicorn.conf.py has them) with 2 workers: (base URL, metrics folder)."""
    port = free_port()
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {
        **os.environ,
        **store_urls,
        "SECRET_KEY": "test-secret-key",
        "OAUTH_ISSUER": f"http://127.0.0.1:{port}",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen(gunicorn_command(port, 2), cwd=ROOT, env=env, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base)
        yield base, folder
    finally:
        server.terminate()
        server.wait(30)


def livez_counts_by_process(folder: Path) -> dict[str, float]:
    """What each process's own file holds for the /livez series (file name: counter_<pid>.db)."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        for key, value, _timestamp, _position in MmapedDict.read_all_values_from_file(str(path)):
            if '"oauth_http_requests_total"' in key and '"health.livez"' in key and '"2xx"' in key:
                counts[path.stem] = value
    return counts


def scrape(base: str) -> str:
    response = requests.get(base + "/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return response.text


def test_metrics_add_up_both_workers_counts(two_workers, app_client):
    base, folder = two_workers
    registered, secret = app_client
    before = scrape(base)
    sent = 0
    # New connections in parallel until both workers have answered some (the kernel picks who accepts).
    with ThreadPoolExecutor(8) as pool:
        while sent < 2000 and len([n for n in livez_counts_by_process(folder).values() if n]) < 2:
            statuses = list(pool.map(lambda _: requests.get(base + "/livez", timeout=10).status_code, range(40)))
            assert statuses == [200] * 40
            sent += 40
    per_process = livez_counts_by_process(folder)
    assert len([n for n in per_process.values() if n]) == 2, per_process
    for _ in range(3):
        response = requests.post(
            base + "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "read:data"},
            auth=(registered["client_id"], secret),
            timeout=10,
        )
        assert response.status_code == 200, response.text

    after = scrape(base)
    # The scrape adds up both files; the warm-up's /livez came before `before`.
    moved = sample(after, "oauth_http_requests_total", **LIVEZ) - sample(before, "oauth_http_requests_total", **LIVEZ)
    assert moved == sent
    assert sample(after, "oauth_http_requests_total", **LIVEZ) == sum(livez_counts_by_process(folder).values())
    issued = "oauth_tokens_issued_total"
    assert (
        sample(after, issued, grant_type="client_credentials") - sample(before, issued, grant_type="client_credentials")
        == 3
    )
