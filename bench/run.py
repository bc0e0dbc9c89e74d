"""`make bench`: the API's hot path under load, against the floor of this stack.

Starts the app under gunicorn (2 workers) on DATABASE_URL and REDIS_URL or
REDIS_CLUSTER_NODES (a Redis Cluster; `make bench-cluster` starts a
throwaway one), or on embedded servers in a temporary folder (the
development data under instance/ is never touched), creates a user, a
confidential client with a huge rate limit and tokens, then loads each case
for BENCH_SECONDS (10) and prints req/s, p50, p99 and status counts per case
and the target ratios.

    (a) GET /api/v1/me with a valid token
    (b) GET /api/bench/redis-get: one Redis GET behind Flask, the floor
    (c) GET /api/v1/me with a well-formed unknown token: 401 is the expected answer
    (d) POST /oauth/introspect (RFC 7662, client_secret_basic)
    (e) POST /oauth/token, grant_type=client_credentials (RFC 6749 §4.4, client_secret_basic)

then the stateful grants (bench/token_flows.py): refresh-token rotations and
authorization-code exchanges per second, each beside the floor (b) loaded
by the same Python client,

then the webhook case (bench/webhooks.py): POST /api/v1/data without and with
a subscription (the outbox's cost) and events/s delivered by one and by two
workers, and the sign-in case (bench/sign_in.py): password sign-ins per second
per core with the chosen hash, beside what one (a) call costs.

The report's header names the Redis it ran on: one Redis, or a cluster of N
primaries (whose nodes on this machine are pinned and counted as stores).

BENCH_WORKER_CLASS=gthread (the default: BENCH_THREADS threads per worker,
connections kept alive) or sync (one request at a time per worker, each
connection closed) chooses gunicorn's worker class; BENCH_CASES=ab loads
only those cases. docs/performance.md lists the other BENCH_* settings.
"""

import atexit
import base64
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import audit  # noqa: E402
from accounts import users  # noqa: E402
from app import create_app  # noqa: E402
from bench import layout, redis_nodes, sign_in, token_flows, webhooks  # noqa: E402
from bench.cpu import app_pids, cpu_seconds, store_pids  # noqa: E402
from bench.load import Case, Result, have_wrk, merge, run_python, run_wrk  # noqa: E402
from bench.order import order_of_turn  # noqa: E402
from oauth import clients, credentials, grants, token_store  # noqa: E402
from oauth.scopes import ALL_SCOPES, format_scope  # noqa: E402
from serve import gunicorn_command  # noqa: E402
from stores import embedded, migrations, postgres  # noqa: E402
from stores.redis_client import get_redis  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
# The cases take turns, SECONDS / ROUNDS at a time, so that a burst of
# other work on the machine weighs on every case alike (in which order:
# bench/order.py; ten turns run each order of five cases once).
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
# gthread keeps connections alive (sync workers close each one); the threads
# only overlap waiting on Redis and PostgreSQL, the GIL does the rest.
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
HUGE_LIMIT = 2_000_000_000  # fits PostgreSQL's integer
FLOW_SECONDS = int(os.environ.get("BENCH_FLOW_SECONDS", "5"))

TARGETS = [  # (numerator, denominator, minimum)
    ("a", "b", 0.85),
    ("c", "a", 1.0),
    ("d", "b", 0.7),
    ("e", "b", 0.7),
]


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # exit handlers stop the embedded stores
    # A key of its own, so that the instance/ folder of development is not touched.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    # What starts from here inherits this process's CPUs (bench/layout.py).
    layout.move_to("stores")
    stores, store_folder = store_urls()
    layout.move_to("app")
    app = create_app(stores)
    with app.app_context():
        migrations.migrate(postgres.get_connection())  # as db init does: the webhook tables are migrations
        fixture = create_fixture(postgres.get_connection(), get_redis())
        redis_line, cluster_pids = redis_nodes.describe(get_redis()), redis_nodes.local_cluster_pids(get_redis())
    layout.place(cluster_pids, "stores")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = start_gunicorn(stores, port)
    layout.move_to("load")  # the load generator: wrk, or the Python one's threads
    try:
        wait_until_up(base_url)
        turns = load_all(base_url, selected(cases(fixture)), server.pid, store_folder, cluster_pids)
        stores_measured = store_folder is not None and bool(cluster_pids or not stores.get("REDIS_CLUSTER_NODES"))
        print(report(selected(cases(fixture)), turns, stores_measured, redis_line), flush=True)  # before the rest
        with app.app_context():
            floor = cases(fixture)[1]
            flows = token_flows.measure(base_url, get_redis(), fixture, floor, FLOW_SECONDS, CONNECTIONS)
        webhook_figures = webhooks.measure(app, stores, fixture, lambda case, seconds: load(base_url, case, seconds))
        server.terminate()
        server.wait(30)
        layout.move_to("app")  # the sign-in case runs in this process, on the app server's CPUs
        sign_in_cost = sign_in.measure(app, fixture["email"], fixture["password"])
    finally:
        server.terminate()
        server.wait(30)
        with app.app_context():
            remove_fixture(postgres.get_connection(), get_redis(), fixture)
    print(token_flows.describe(flows))
    print(webhooks.describe(webhook_figures))
    print(sign_in.describe(sign_in_cost, api_cost_us(turns)))
    return 0


def api_cost_us(turns: dict[str, list[Result]]) -> float | None:
    """App-server CPU per (a) call, if (a) ran."""
    return merge(turns["a"]).app_cpu_us() if "a" in turns else None


def store_urls() -> tuple[dict, str | None]:
    """DATABASE_URL and REDIS_URL or REDIS_CLUSTER_NODES, or embedded servers in a temporary folder
    (stopped at exit), and that folder."""
    config = {"DATABASE_URL": os.environ.get("DATABASE_URL")}
    cluster = os.environ.get("REDIS_CLUSTER_NODES", "").strip()
    # The cluster replaces REDIS_URL, which would only be ignored (and warned about).
    config.update({"REDIS_CLUSTER_NODES": cluster} if cluster else {"REDIS_URL": os.environ.get("REDIS_URL")})
    if config["DATABASE_URL"] and (cluster or config["REDIS_URL"]):
        return config, None
    folder = tempfile.mkdtemp(prefix="oauth-bench-")
    # Registered first, so it runs last: after the servers' own exit handlers stopped them.
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    embedded.ensure_started(config, folder)
    return config, folder


def create_fixture(conn, r) -> dict:
    """A user, a confidential client with a huge limit, a grant and an access token."""
    email = f"bench-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(16)
    user = users.create_user(conn, email, password, "Bench User")
    client, secret = clients.create_client(
        conn,
        r,
        audit.CLI,
        owner_id=user["id"],
        name="Benchmark",
        client_type="confidential",
        redirect_uris=["https://bench.example.com/callback"],
        scopes=list(ALL_SCOPES),
        grant_types=["authorization_code", "refresh_token", "client_credentials"],
        rate_limit=HUGE_LIMIT,
        token_rate=HUGE_LIMIT,  # case (e) asks for tokens as fast as it can
    )
    grant = grants.grant_scopes(conn, audit.CLI, user["id"], client["client_id"], list(ALL_SCOPES))
    tokens = token_store.issue(
        r,
        client=client,
        user_id=user["id"],
        scope=format_scope(ALL_SCOPES),
        access_ttl=3600,
        grant_id=grant["id"],
        family=token_store.new_family(),
    )
    return {
        "user_id": user["id"],
        "email": email,
        "password": password,
        "client_id": client["client_id"],
        "client_secret": secret,
        "access_token": tokens.access_token,
        "client": client,
        "grant_id": grant["id"],
    }


def remove_fixture(conn, r, fixture: dict) -> None:
    """Leave configured stores as they were: the client (and its tokens), then the user."""
    clients.delete_client(conn, r, audit.CLI, fixture["client_id"])
    with postgres.transaction(conn) as cur:
        # The sign-in case's audit rows go with the user they are about.
        cur.execute("DELETE FROM audit_log WHERE subject_user_id = %(id)s", {"id": fixture["user_id"]})
        cur.execute("DELETE FROM users WHERE id = %(id)s", {"id": fixture["user_id"]})


def cases(fixture: dict) -> list[Case]:
    bearer = {"Authorization": f"Bearer {fixture['access_token']}"}
    unknown = {"Authorization": f"Bearer {credentials.new_secret(credentials.ACCESS_TOKEN_PREFIX)}"}
    basic = base64.b64encode(f"{fixture['client_id']}:{fixture['client_secret']}".encode()).decode()
    form = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
    return [
        Case("a", "GET /api/v1/me, valid token", "GET", "/api/v1/me", bearer),
        Case("b", "one Redis GET (floor)", "GET", "/api/bench/redis-get", {}),
        Case("c", "GET /api/v1/me, unknown token", "GET", "/api/v1/me", unknown, expected_status=401),
        Case(
            "d",
            "POST /oauth/introspect",
            "POST",
            "/oauth/introspect",
            form,
            urlencode({"token": fixture["access_token"]}),
        ),
        Case(
            "e",
            "POST /oauth/token client_credentials",
            "POST",
            "/oauth/token",
            form,
            urlencode({"grant_type": "client_credentials", "scope": "read:data"}),
        ),
    ]


def selected(all_cases: list[Case]) -> list[Case]:
    """BENCH_CASES=abc runs only those cases (while profiling); the ratios need all five."""
    wanted = os.environ.get("BENCH_CASES")
    return [case for case in all_cases if not wanted or case.key in wanted]


def start_gunicorn(stores: dict, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        **stores,
        "OAUTH_ISSUER": f"http://127.0.0.1:{port}",
        "BENCH_ENDPOINTS": "1",
    }
    # gunicorn turns a sync worker given threads into a gthread one: threads only for gthread.
    threads = ("--threads", str(THREADS)) if WORKER_CLASS == "gthread" else ()
    options = ("--worker-class", WORKER_CLASS, *threads, "--log-level", "warning")
    # The request log (LOG_FORMAT as set) is written as in production, to a file rather than this terminal.
    log = tempfile.NamedTemporaryFile(prefix="oauth-bench-", suffix=".log", delete=False)  # noqa: SIM115
    atexit.register(os.unlink, log.name)
    return subprocess.Popen(gunicorn_command(port, WORKERS, *options), cwd=ROOT, env=env, stderr=log)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base_url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit("gunicorn did not come up")
        time.sleep(0.2)


def load_all(
    base_url: str, all_cases: list[Case], gunicorn_pid: int, store_folder: str | None, cluster_pids: set[int]
) -> dict[str, list[Result]]:
    """Warm every case up, then run them in turns; return each case's result per turn."""
    for case in all_cases:
        load(base_url, case, 1)
    # After the warm-up, so that the workers and the pooled PostgreSQL backends exist.
    app, stores = app_pids(gunicorn_pid), store_pids(store_folder) | cluster_pids
    per_round = max(1, SECONDS // ROUNDS)
    rounds: dict[str, list[Result]] = {case.key: [] for case in all_cases}
    for number in range(1, ROUNDS + 1):
        for case in order_of_turn(all_cases, number - 1):
            print(f"round {number}/{ROUNDS}: ({case.key}) {case.title}, {per_round} s", file=sys.stderr, flush=True)
            app_before, stores_before = cpu_seconds(app), cpu_seconds(stores)
            result = load(base_url, case, per_round)
            result.app_cpu_seconds = cpu_seconds(app) - app_before
            result.store_cpu_seconds = cpu_seconds(stores) - stores_before
            rounds[case.key].append(result)
    return rounds


def load(base_url: str, case: Case, seconds: int) -> Result:
    if have_wrk():
        return run_wrk(base_url, case, seconds, CONNECTIONS, threads=1)
    return run_python(base_url, case, seconds, CONNECTIONS)


def turn_ratio(turns: dict[str, list[Result]], numerator: str, denominator: str) -> float:
    """The median over turns of numerator req/s / denominator req/s measured in the same turn.

    Pairing each case with the other case's neighbouring second cancels slow
    drift in what else the machine is doing, and the median ignores a turn
    that a burst of other work happened to hit.
    """
    ratios = [
        top.rps / bottom.rps for top, bottom in zip(turns[numerator], turns[denominator], strict=True) if bottom.rps
    ]
    return statistics.median(ratios) if ratios else 0.0


def report(all_cases: list[Case], turns: dict[str, list[Result]], stores_measured: bool, redis_line: str) -> str:
    """The table of cases and ratios; the stores' CPU only when they run here (embedded, or a local cluster)."""
    results = {key: merge(results) for key, results in turns.items()}

    def with_stores(value: float, digits: int = 2) -> str:
        return f"{value:.{digits}f}" if stores_measured else "–"

    lines = [
        f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}",
        f"server: gunicorn, {WORKERS} workers, {worker_description()}; "
        f"load: {'wrk' if have_wrk() else 'Python threads'}, {CONNECTIONS} connections, "
        f"{SECONDS} s per case in {ROUNDS} turns",
        redis_line,
        layout.describe(embedded_stores=stores_measured),
        "",
        "| case | req/s | p50 ms | p99 ms | non-2xx | errors | app CPU µs/req | app + stores CPU µs/req |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for case in all_cases:
        result = results[case.key]
        lines.append(
            f"| ({case.key}) {case.title} | {result.rps:,.0f} | {result.p50_ms:.2f} | {result.p99_ms:.2f} "
            f"| {result.non_2xx()} | {result.unexpected(case.expected_status)} "
            f"| {result.app_cpu_us():.0f} | {with_stores(result.server_cpu_us(), digits=0)} |"
        )
    lines += [
        "",
        "errors: responses other than the expected status (401 for (c), 200 otherwise) plus socket errors;",
        "p50 is the mean of the turns' medians, p99 the worst turn's; app CPU is gunicorn's; "
        + ("stores CPU is the embedded stores'" if stores_measured else "the configured stores' CPU is not measured"),
        "",
    ]
    lines += [
        "| ratio | median of per-turn ratios | target | met | whole-run req/s ratio | app CPU ratio "
        "| app + stores CPU ratio |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for numerator, denominator, minimum in TARGETS:
        if numerator not in results or denominator not in results:
            continue
        ratio = turn_ratio(turns, numerator, denominator)
        whole_run = results[numerator].rps / results[denominator].rps if results[denominator].rps else 0.0
        met = ratio >= minimum
        if numerator == "a":
            met = met and results["a"].unexpected(200) == 0
        app_cost = cost_ratio(results[numerator].app_cpu_us(), results[denominator].app_cpu_us())
        server_cost = cost_ratio(results[numerator].server_cpu_us(), results[denominator].server_cpu_us())
        lines.append(
            f"| ({numerator})/({denominator}) | {ratio:.2f} | >= {minimum} | {'yes' if met else 'NO'} "
            f"| {whole_run:.2f} | {app_cost:.2f} | {with_stores(server_cost)} |"
        )
    return "\n".join(lines)


def worker_description() -> str:
    return f"{WORKER_CLASS} x {THREADS} threads" if WORKER_CLASS == "gthread" else WORKER_CLASS


def cost_ratio(numerator_us: float, denominator_us: float) -> float:
    """The same comparison by cost: how many (numerator) requests the CPU of one (denominator) request pays for."""
    return denominator_us / numerator_us if numerator_us else 0.0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
