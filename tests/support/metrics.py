"""Reading GET /metrics the way Prometheus does: one sample's value by name and labels."""

from prometheus_client.parser import text_string_to_metric_families


def sample(metrics_text: str, name: str, **labels: str) -> float:
    """The value of sample `name` with exactly `labels`; 0 when the series does not exist yet."""
    for family in text_string_to_metric_families(metrics_text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0


def scrape(http) -> str:
    """GET /metrics as the test client (a loopback peer); the text."""
    response = http.get("/metrics")
    assert response.status_code == 200, response.text
    return response.text
