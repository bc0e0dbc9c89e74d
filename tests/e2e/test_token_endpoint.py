"""The token endpoint under real concurrency: requests racing over HTTP to a threaded server."""

import threading

import requests

from oauth import token_store
from stores.redis_client import get_redis
from tests.support.oauth import get_tokens, register_client


def test_ten_concurrent_refreshes_over_http_have_exactly_one_winner(app, live_server, signed_in_user, client):
    registered, secret = register_client(app)
    tokens = get_tokens(client, registered, secret)
    barrier = threading.Barrier(10)
    statuses = []
    winners = []

    def attempt():
        with requests.Session() as session:
            barrier.wait()
            response = session.post(
                live_server.url + "/oauth/token",
                data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                auth=(registered["client_id"], secret),
                timeout=30,
            )
            statuses.append((response.status_code, response.json().get("error")))
            if response.status_code == 200:
                winners.append(response.json())

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count((200, None)) == 1
    assert statuses.count((400, "invalid_grant")) == 9
    # A loser saw the spent token and ended the family: the winner's tokens are dead too.
    (winner,) = winners
    with app.app_context():
        r = get_redis()
        assert not r.exists(token_store.refresh_key(tokens["refresh_token"]))
        assert token_store.lookup_access_token(r, winner["access_token"]) is None
        assert token_store.lookup_refresh_token(r, winner["refresh_token"]) is None  # left to expire, refused
