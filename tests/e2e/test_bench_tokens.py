"""`make bench-tokens` runs end to end and prints what the README quotes: bytes per grant, revoke times."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_token_bench_prints_bytes_per_grant_and_revoke_times():
    finished = subprocess.run(
        [sys.executable, "bench/token_growth.py"],
        cwd=ROOT,
        env={**os.environ, "BENCH_TOKENS_LONG": "300"},
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert finished.returncode == 0, finished.stderr
    out = finished.stdout
    assert re.search(r"\| spent refresh token \(rx: marker\) \| \d+ \|", out)
    assert re.search(r"\| 1,000 in a burst \| 2,002 \| [\d,]+ \| \d+ \|", out)
    ways = "reuse of a spent token|RFC 7009 revocation|the grant"
    revokes = re.findall(rf"\| (10|300) \| ({ways}) \| [\d.]+ \| (\d+) \|", out)
    assert len(revokes) == 6
    assert all(int(usec) < 1000 for _, _, usec in revokes)
