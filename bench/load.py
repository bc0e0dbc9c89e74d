"""Load generators: wrk when installed, else a Python one (threads + keep-alive http.client).

Both take a Case and return a Result with the same fields, so the report
does not care which one ran.
"""

import http.client
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from stores.lua import lua_string


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    method: str
    path: str
    headers: dict[str, str]
    body: str = ""
    expected_status: int = 200


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: Counter = field(default_factory=Counter)
    socket_errors: int = 0
    app_cpu_seconds: float = 0.0  # gunicorn
    store_cpu_seconds: float = 0.0  # the embedded stores

    def app_cpu_us(self) -> float:
        """The app server's CPU per request, in µs."""
        return self._per_request_us(self.app_cpu_seconds)

    def server_cpu_us(self) -> float:
        """The app server's and the stores' CPU per request, in µs."""
        return self._per_request_us(self.app_cpu_seconds + self.store_cpu_seconds)

    def _per_request_us(self, seconds: float) -> float:
        return seconds / self.requests * 1e6 if self.requests else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def non_2xx(self) -> int:
        return sum(count for status, count in self.statuses.items() if not 200 <= status < 300)

    def unexpected(self, expected_status: int) -> int:
        wrong = sum(count for status, count in self.statuses.items() if status != expected_status)
        return wrong + self.socket_errors


def merge(results: list[Result]) -> Result:
    """One result from several turns of a case: counts add up; p50 averaged, p99 the worst."""
    statuses = Counter()
    for result in results:
        statuses.update(result.statuses)
    return Result(
        requests=sum(result.requests for result in results),
        seconds=sum(result.seconds for result in results),
        p50_ms=sum(result.p50_ms for result in results) / len(results),
        p99_ms=max(result.p99_ms for result in results),
        statuses=statuses,
        socket_errors=sum(result.socket_errors for result in results),
        app_cpu_seconds=sum(result.app_cpu_seconds for result in results),
        store_cpu_seconds=sum(result.store_cpu_seconds for result in results),
    )


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


# wrk: the request comes from a Lua script; response() tallies statuses, done() prints them.
WRK_SCRIPT = """
wrk.method = {method}
wrk.body = {body}
{headers}
statuses = {{}}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {{}} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, count in pairs(counts) do io.write(string.format("status %d %d\\n", status, count)) end
  end
  io.write(string.format("p50 %f\\np99 %f\\n", latency:percentile(50), latency:percentile(99)))
  io.write(string.format("requests %d\\nseconds %f\\n", summary.requests, summary.duration / 1e6))
  local e = summary.errors
  io.write(string.format("socket_errors %d\\n", e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(base_url: str, case: Case, seconds: int, connections: int, threads: int) -> Result:
    headers = "\n".join(f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in case.headers.items())
    script = WRK_SCRIPT.format(method=lua_string(case.method), body=lua_string(case.body), headers=headers)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.lua"
        path.write_text(script)
        command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
        command += ["-s", str(path)]
        output = subprocess.run(
            [*command, base_url + case.path], capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> Result:
    """The figures our wrk script's done() prints."""
    values = dict(re.findall(r"^(p50|p99|requests|seconds|socket_errors) (\S+)$", output, re.M))
    statuses = Counter()
    for status, count in re.findall(r"^status (\d+) (\d+)$", output, re.M):
        statuses[int(status)] += int(count)
    return Result(
        requests=int(values["requests"]),
        seconds=float(values["seconds"]),
        p50_ms=float(values["p50"]) / 1000,
        p99_ms=float(values["p99"]) / 1000,
        statuses=statuses,
        socket_errors=int(values["socket_errors"]),
    )


def run_python(base_url: str, case: Case, seconds: int, connections: int) -> Result:
    """The fallback: one thread per connection, each sending requests back to back."""
    parts = urlsplit(base_url)
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors = [0]
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine, counts, failed = [], Counter(), 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request(case.method, case.path, body=case.body or None, headers=case.headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                continue
            mine.append(time.perf_counter() - started)
            counts[response.status] += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(counts)
            errors[0] += failed

    started = time.monotonic()
    workers = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return Result(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=_percentile(latencies, 50) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        statuses=statuses,
        socket_errors=errors[0],
    )


def _percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]
