"""CPU time spent by the app server (gunicorn) and, when embedded, the stores (Redis, PostgreSQL).

Requests per second swing with whatever else the machine runs; the CPU the
server's own processes spend on each request does not, so the report shows
both. Read from /proc (Linux); elsewhere the figure is simply left out.
"""

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        # Fields after the command name, which may itself contain spaces and parentheses.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()] if Path("/proc").is_dir() else []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def app_pids(gunicorn_pid: int) -> set[int]:
    """The gunicorn arbiter and its workers."""
    return _with_children({gunicorn_pid})


def store_pids(store_folder: str | None) -> set[int]:
    """The embedded stores living in `store_folder` and their children (none for configured stores)."""
    if not store_folder:
        return set()
    return _with_children({pid for pid in _all_pids() if store_folder in _cmdline(pid)})


def _with_children(roots: set[int]) -> set[int]:
    parents = {pid: stat[1] for pid in _all_pids() if (stat := _stat(pid))}
    return roots | {pid for pid, parent in parents.items() if int(parent) in roots}


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU of `pids` so far (processes that have exited count as zero)."""
    total = 0
    for pid in pids:
        stat = _stat(pid)
        if stat:
            total += int(stat[11]) + int(stat[12])
    return total / CLOCK_TICKS
