"""Load over real HTTP that keeps score through a Redis failover: every answer judged, 503s allowed.

Each Worker is one client of one app with one person signed in, on a
thread of its own. It loops over an API call with its live access token, a
refresh rotation of its own chain, a code exchange (authorize, then the
token endpoint) and the revocation of what that exchange issued, each
revoked token then checked refused by the API and by introspection. A 503
is the one allowed failure: the outage answered as one. The Tally judges
every other answer against what the worker was told before.

What counts as wrong: a 500 or any status the request cannot have; a
revoked token accepted (API 200, introspection active); a spent refresh
token accepted; a refresh token issued by an acknowledged rotation
refused as unknown (its rotation was lost: what WAIT prevents).

What is not wrong, and counted apart: a 503'd rotation whose retry finds
its token spent (the rotation ran, unacknowledged, and the retry ended
its family, as a reused token does); a code or a code exchange's tokens
missing after the failover (those writes are not waited for). Over HTTP a
spent token and an unknown one get the same invalid_grant, so the first
excuse is checked afterwards where the server tells them apart: a reuse
leaves a token.reused row naming the family in the audit log
(unexplained_retries), an unknown token none.
"""

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin

import requests
from redis.cluster import RedisCluster

from oauth import credentials, token_store
from stores import redis_client
from tests.support.consent import sign_in
from tests.support.oauth import authorize_url, basic_auth, bearer, form_fields, pkce_pair, redirect_params

SCOPE = "read:profile"
UNAVAILABLE = 503
TIMEOUT = 10
GIVE_UP_SECONDS = 30  # a request retried after 503s this long means the app did not recover


@dataclass
class Tally:
    """Every answer of the run, with its time, and the wrong ones with why."""

    answers: list[tuple[float, str, int, float]] = field(default_factory=list)  # (when, what, status, seconds)
    wrong: list[str] = field(default_factory=list)
    excused: Counter = field(default_factory=Counter)  # outcomes a failover may leave that are not wrong
    ended_by_retry: list[str] = field(default_factory=list)  # families a 503'd rotation's retry found spent
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, what: str, response: requests.Response) -> int:
        with self.lock:
            self.answers.append((time.monotonic(), what, response.status_code, response.elapsed.total_seconds()))
        return response.status_code

    def judge_wrong(self, what: str, response: requests.Response, why: str) -> None:
        with self.lock:
            self.wrong.append(f"{what}: {why} ({response.status_code} {response.text[:200]!r})")

    def excuse(self, why: str) -> None:
        with self.lock:
            self.excused[why] += 1

    def unexplained_retries(self, reused_families: set[str]) -> None:
        """Judge wrong each family whose retried rotation was refused without a reuse: its token was unknown."""
        for family in self.ended_by_retry:
            if family not in reused_families:
                self.wrong.append(f"family {family}: its acknowledged refresh token unknown after the failover")

    def last_unavailable(self) -> float | None:
        """When the last 503 was answered (monotonic), None if none was."""
        return max((at for at, _, status, _ in self.answers if status == UNAVAILABLE), default=None)

    def unavailable_between(self, start: float, end: float = float("inf")) -> int:
        return sum(1 for at, _, status, _ in self.answers if start <= at < end and status == UNAVAILABLE)

    def served_between(self, start: float, end: float = float("inf")) -> int:
        return sum(1 for at, _, status, _ in self.answers if start <= at < end and status < 500)

    def median_ms(self, what: str, start: float, end: float = float("inf")) -> float:
        """The median time to answer `what` with a 200 between `start` and `end`."""
        answered = [(at, seconds) for at, kind, status, seconds in self.answers if kind == what and status == 200]
        times = sorted(seconds for at, seconds in answered if start <= at < end)
        return 1000 * times[len(times) // 2] if times else float("nan")

    def line(self) -> str:
        unavailable = self.unavailable_between(0)
        excused = ", ".join(f"{count} {why}" for why, count in sorted(self.excused.items())) or "none excused"
        return (
            f"failover: {len(self.answers)} requests, {unavailable} answered 503 during the switch, "
            f"{len(self.wrong)} wrong ({excused})"
        )


@dataclass
class Chain:
    """A worker's refresh-token family: the live pair, the refresh tokens it spent, and how far it can be trusted."""

    access_token: str
    refresh_token: str
    family: str | None  # as the store has it; None if its exchange was lost before it was read
    spent: list[str] = field(default_factory=list)
    # The live refresh token came from a code exchange, a write nobody waited for.
    from_exchange: bool = True
    # Its last rotation was answered 503: it may have run, so its token may be spent.
    unsure: bool = False


class Worker:
    """One app client with its own signed-in person, judging what the server answers."""

    def __init__(self, base: str, client: dict, secret: str, email: str, password: str, tally: Tally, r: RedisCluster):
        self.base = base
        self.r = r  # to read a new family's id from the store
        self.client = client
        self.secret = secret
        self.tally = tally
        self.browser, _ = sign_in(urljoin(base, "/login"), email, password)
        self.http = requests.Session()
        self.chains: list[Chain] = []
        self.revoked: list[str] = []
        self.killed = threading.Event()  # set by the test once the primary is gone
        self._rechecks = itertools.count()

    # -- the loop ------------------------------------------------------------------

    def begin(self) -> None:
        """Press Allow if the consent page is shown (to the person's first worker only), then start a family."""
        url = self.base + authorize_url(self.client, scope=SCOPE)
        page = self.browser.get(url, allow_redirects=False, timeout=TIMEOUT)
        if page.status_code == 200:
            data = {**form_fields(page.text), "decision": "allow"}
            allowed = self.browser.post(
                self.base + "/oauth/authorize", data=data, allow_redirects=False, timeout=TIMEOUT
            )
            assert allowed.status_code in (302, 303), allowed.status_code
        self._restart_chain(None)

    def run_until(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.step()

    def step(self) -> None:
        chain = self.chains[-1]
        self.call_api(chain)
        self.rotate(chain)
        issued = self.exchange()
        if issued:
            self.revoke_and_check(issued, revoke_refresh=len(self.revoked) % 2 == 0)
        self.recheck_one_revoked()

    # -- one request each ------------------------------------------------------------

    def call_api(self, chain: Chain) -> None:
        response = self.http.get(self.base + "/api/v1/me", headers=bearer(chain.access_token), timeout=TIMEOUT)
        status = self.tally.answered("api", response)
        if status == 401 and self._may_be_lost(chain):
            self._restart_chain("an exchange's tokens missing after the failover")
        elif status not in (200, UNAVAILABLE):
            self.tally.judge_wrong("GET /api/v1/me with a live token", response, "refused or failed")

    def rotate(self, chain: Chain) -> None:
        response = self._token_request(grant_type="refresh_token", refresh_token=chain.refresh_token)
        status = self.tally.answered("refresh", response)
        if status == 200:
            tokens = response.json()
            chain.spent.append(chain.refresh_token)
            chain.access_token, chain.refresh_token = tokens["access_token"], tokens["refresh_token"]
            chain.from_exchange = chain.unsure = False
        elif status == UNAVAILABLE:
            chain.unsure = True  # the rotation may have run: the next try will tell
        elif _is_invalid_grant(response) and chain.unsure:
            chain.spent.append(chain.refresh_token)
            if chain.family:
                self.tally.ended_by_retry.append(chain.family)  # a reuse, if the audit log agrees
            self._restart_chain("503'd rotations that had run (family ended by the retry)")
        elif _is_invalid_grant(response) and self._may_be_lost(chain):
            self._restart_chain("an exchange's tokens missing after the failover")
        else:
            self.tally.judge_wrong("refresh with the live refresh token", response, "an acknowledged rotation lost")
            self._restart_chain(None)

    def exchange(self) -> dict | None:
        """Authorize and exchange the code: the token response, or None if either step was a 503."""
        verifier, challenge = pkce_pair()
        url = self.base + authorize_url(self.client, scope=SCOPE, code_challenge=challenge)
        response = self.browser.get(url, allow_redirects=False, timeout=TIMEOUT)
        status = self.tally.answered("authorize", response)
        # 429: the loop, all from one address, reached the endpoint's per-address limit (300 a minute).
        if status in (UNAVAILABLE, 429):
            return None
        code = redirect_params(response).get("code") if status in (302, 303) else None
        if not code:
            self.tally.judge_wrong("GET /oauth/authorize, consent given", response, "no code")
            return None
        return self._exchange(code, verifier)

    def revoke_and_check(self, issued: dict, *, revoke_refresh: bool) -> None:
        """Revoke the refresh token (its family) or the access token until answered 200, then check it refused."""
        token = issued["refresh_token" if revoke_refresh else "access_token"]
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while True:
            response = self.http.post(
                self.base + "/oauth/revoke", data={"token": token}, headers=self._auth(), timeout=TIMEOUT
            )
            status = self.tally.answered("revoke", response)
            if status == 200:
                break
            if status != UNAVAILABLE:
                self.tally.judge_wrong("POST /oauth/revoke", response, "not 200")
                return
            _retry_until(deadline, "a revocation")
        self.revoked.append(token)
        self.check_revoked(token)
        if revoke_refresh:  # its family's access token went with it
            self.check_revoked(issued["access_token"])
            self.revoked.append(issued["access_token"])

    def check_revoked(self, token: str) -> None:
        """A revoked token refused by the API (access tokens) or the token endpoint (refresh), and by introspection."""
        if token.startswith(credentials.ACCESS_TOKEN_PREFIX):
            response = self.http.get(self.base + "/api/v1/me", headers=bearer(token), timeout=TIMEOUT)
            if self.tally.answered("revoked: api", response) not in (401, UNAVAILABLE):
                self.tally.judge_wrong("GET /api/v1/me with a revoked token", response, "not refused")
        else:
            self.check_refused(token, "a revoked refresh token")
        response = self.http.post(
            self.base + "/oauth/introspect", data={"token": token}, headers=self._auth(), timeout=TIMEOUT
        )
        status = self.tally.answered("revoked: introspect", response)
        if (status == 200 and response.json() != {"active": False}) or status not in (200, UNAVAILABLE):
            self.tally.judge_wrong("introspection of a revoked token", response, "not inactive")

    def check_refused(self, refresh_token: str, what: str) -> None:
        response = self._token_request(grant_type="refresh_token", refresh_token=refresh_token)
        status = self.tally.answered("spent or revoked: refresh", response)
        if status != UNAVAILABLE and not _is_invalid_grant(response):
            self.tally.judge_wrong(f"refresh with {what}", response, "accepted or failed")

    def recheck_one_revoked(self) -> None:
        """One earlier revocation again, in turn: each stays refused at every later point, the switch included."""
        if self.revoked:
            self.check_revoked(self.revoked[next(self._rechecks) % len(self.revoked)])

    # -- at the end, once the switch is over ---------------------------------------------

    def check_all_kept(self) -> None:
        """The live chain still rotates; every refresh token spent before stays refused; every revoked token too."""
        self.rotate(self.chains[-1])
        for chain in self.chains:
            for token in chain.spent:
                self.check_refused(token, "a spent refresh token")
        for token in self.revoked:
            self.check_revoked(token)

    # -- helpers --------------------------------------------------------------------------

    def _exchange(self, code: str, verifier: str | None) -> dict | None:
        params = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.client["redirect_uris"][0]}
        response = self._token_request(**params, **({"code_verifier": verifier} if verifier else {}))
        status = self.tally.answered("exchange", response)
        if status == 200:
            return response.json()
        if _is_invalid_grant(response) and self.killed.is_set():
            self.tally.excuse("codes missing after the failover")
        elif status != UNAVAILABLE:
            self.tally.judge_wrong("code exchange", response, "refused or failed")
        return None

    def _token_request(self, **params) -> requests.Response:
        return self.http.post(self.base + "/oauth/token", data=params, headers=self._auth(), timeout=TIMEOUT)

    def _auth(self) -> dict[str, str]:
        return basic_auth(self.client["client_id"], self.secret)

    def _may_be_lost(self, chain: Chain) -> bool:
        """Whether the chain's live tokens may have gone with the primary: issued by an exchange, nobody waited."""
        return chain.from_exchange and self.killed.is_set()

    def _restart_chain(self, why: str | None) -> None:
        """A new family from a new code exchange, in place of one that ended (`why`, if it is excused)."""
        if why:
            self.tally.excuse(why)
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while not (issued := self.exchange()):
            _retry_until(deadline, "a code exchange")
        family = self._family_of(issued["refresh_token"])
        self.chains.append(Chain(issued["access_token"], issued["refresh_token"], family))

    def _family_of(self, refresh_token: str) -> str | None:
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while True:
            try:
                fields = token_store.lookup_refresh_token(self.r, refresh_token)
                return fields["family"] if fields else None
            except redis_client.CONNECTION_ERRORS:
                _retry_until(deadline, "reading a family from the store")


def _is_invalid_grant(response: requests.Response) -> bool:
    return response.status_code == 400 and response.json().get("error") == "invalid_grant"


def _retry_until(deadline: float, what: str) -> None:
    """Pause before trying `what` again; past `deadline` the server did not recover: fail the test."""
    assert time.monotonic() < deadline, f"{what} kept failing for {GIVE_UP_SECONDS} s: no recovery"
    time.sleep(0.05)
