"""The app page's usage panel: served and refused calls told apart, a meter that changes colour, a day of bars."""

import re
import xml.etree.ElementTree as ElementTree
from datetime import datetime

import pytest

import audit
from api.rate_limit import KEPT_WINDOWS, counter_key, refused_key, window_index
from oauth import clients
from stores import postgres
from stores.redis_client import get_redis
from tests.support.accounts import AuthActions
from tests.support.api import user_with_token

OWNER = "owner@example.com"


@pytest.fixture
def limited(app, client):
    """An app limited to 5 calls an hour, its owner signed in."""
    issued = user_with_token(app, OWNER, ["read:profile"], rate_limit=5)
    AuthActions(client, app).login(email=OWNER)
    return issued


def call_api(client, issued, times: int) -> list[int]:
    return [client.get("/api/v1/me", headers=issued.headers).status_code for _ in range(times)]


def usage_section(client, issued) -> str:
    page = client.get(f"/developer/apps/{issued.client_id}").text
    return page.split('<section class="card" id="usage">', 1)[1].split("</section>", 1)[0]


def meter_attributes(section: str) -> dict[str, str]:
    tag = re.search(r"<meter [^>]*>", section).group(0)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def bars(section: str) -> list[dict[str, float]]:
    """Each bar's served and refused heights, left to right, read from the SVG itself."""
    svg = ElementTree.fromstring(re.search(r"<svg .*?</svg>", section, re.S).group(0))
    drawn = []
    for group in svg.iter("g"):
        heights = {rect.get("class"): float(rect.get("height")) for rect in group if rect.tag.endswith("rect")}
        drawn.append({"served": heights["served"], "refused": heights.get("refused", 0.0)})
    return drawn


def test_seven_calls_against_a_limit_of_five_show_five_served_and_two_refused(client, limited):
    assert call_api(client, limited, 7) == [200] * 5 + [429] * 2
    section = usage_section(client, limited)
    assert "5 of 5 allowed calls served this hour" in section
    assert "2 refused" in section
    assert "The limit was reached this hour" in section


def test_served_and_refused_counts_after_n_and_m_calls(client, limited, r):
    assert call_api(client, limited, 3) == [200] * 3
    section = usage_section(client, limited)
    assert "3 of 5 allowed calls served this hour" in section
    assert "0 refused" in section
    assert "limit was reached" not in section
    index = window_index(r.time()[0])
    assert r.get(counter_key(limited.client_id, index)) == "3"
    assert r.get(refused_key(limited.client_id, index)) is None


def test_the_meter_is_green_under_80_percent_amber_from_it_and_red_at_the_limit(app, client):
    issued = user_with_token(app, OWNER, ["read:profile"], rate_limit=10)
    AuthActions(client, app).login(email=OWNER)
    attributes = meter_attributes(usage_section(client, issued))
    assert attributes == {
        "id": "usage-meter",
        "min": "0",
        "max": "10",
        "low": "8",
        "high": "9.5",
        "optimum": "0",
        "value": "0",
        "aria-labelledby": "calls-served",
    }
    # With optimum at 0, a browser draws value < low green, low <= value <= high amber, value > high red.
    call_api(client, issued, 7)
    assert float(meter_attributes(usage_section(client, issued))["value"]) < 8  # green
    call_api(client, issued, 1)
    assert 8 <= float(meter_attributes(usage_section(client, issued))["value"]) <= 9.5  # amber from 80 %
    call_api(client, issued, 4)
    assert meter_attributes(usage_section(client, issued))["value"] == "10"  # above high: red


def test_a_limit_lowered_during_the_window_is_said_so_not_shown_as_a_green_bar(app, client, limited):
    with app.app_context():
        clients.set_rate_limit(postgres.get_connection(), get_redis(), audit.CLI, limited.client_id, 1000)
    assert call_api(client, limited, 14) == [200] * 14
    with app.app_context():
        clients.set_rate_limit(postgres.get_connection(), get_redis(), audit.CLI, limited.client_id, 10)
    assert call_api(client, limited, 1) == [429]
    section = usage_section(client, limited)
    assert "14 of 10 allowed calls served" in section
    assert "1 refused" in section
    assert "it was lowered during this hour" in section
    attributes = meter_attributes(section)
    assert float(attributes["value"]) > float(attributes["high"])


def test_the_chart_has_a_bar_for_each_of_the_last_24_hours_scaled_to_the_busiest(client, limited, r):
    index = window_index(r.time()[0])
    r.set(counter_key(limited.client_id, index - 1), 12)  # the busiest hour: 12 + 3 calls
    r.set(refused_key(limited.client_id, index - 1), 3)
    r.set(counter_key(limited.client_id, index - 23), 6)  # the oldest hour charted
    r.set(counter_key(limited.client_id, index - 24), 999)  # too old to chart
    assert call_api(client, limited, 6) == [200] * 5 + [429]

    drawn = bars(usage_section(client, limited))
    assert len(drawn) == KEPT_WINDOWS == 24
    assert drawn[-1] == {"served": 20.0, "refused": 4.0}  # 5 and 1 of 15 on a 60-unit scale
    assert drawn[-2] == {"served": 48.0, "refused": 12.0}
    assert drawn[0] == {"served": 24.0, "refused": 0.0}
    assert all(bar == {"served": 0.0, "refused": 0.0} for bar in drawn[1:-2])
    assert "busiest: 15" in usage_section(client, limited)


def test_the_chart_of_an_unused_app_has_24_empty_bars(client, limited):
    drawn = bars(usage_section(client, limited))
    assert drawn == [{"served": 0.0, "refused": 0.0}] * 24


def test_the_page_says_when_the_quota_resets(client, limited, r):
    now = r.time()[0]
    section = usage_section(client, limited)
    reset = re.search(r'<time id="usage-reset" datetime="([^"]+)">', section).group(1)
    assert reset.endswith("+00:00")
    hour_end = (now // 3600 + 1) * 3600
    assert datetime.fromisoformat(reset).timestamp() == hour_end


def test_counters_outlive_their_window_for_the_chart_and_refused_ones_too(client, limited, r):
    call_api(client, limited, 6)
    index = window_index(r.time()[0])
    for key in (counter_key(limited.client_id, index), refused_key(limited.client_id, index)):
        assert 3600 * (KEPT_WINDOWS - 1) < r.ttl(key) <= 3600 * KEPT_WINDOWS


def test_the_figures_behind_the_chart_are_a_table_too_latest_first(client, limited, r):
    r.set(counter_key(limited.client_id, window_index(r.time()[0]) - 1), 12)
    assert call_api(client, limited, 6) == [200] * 5 + [429]
    section = usage_section(client, limited)
    rows = re.findall(r"<tr><td>(\d\d:\d\d)</td><td>(\d+)</td><td>(\d+)</td></tr>", section)
    assert len(rows) == 24
    assert [(served, refused) for _, served, refused in rows[:3]] == [("5", "1"), ("12", "0"), ("0", "0")]


def test_the_admin_sees_the_same_figures_on_the_apps_admin_page(app, client, limited, admin):
    call_api(client, limited, 7)
    page = client.get(f"/admin/apps/{limited.client_id}").text
    section = page.split('<section class="card" id="usage">', 1)[1].split("</section>", 1)[0]
    assert "5 of 5 allowed calls served this hour" in section and "2 refused" in section
