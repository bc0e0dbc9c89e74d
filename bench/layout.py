"""Which CPUs the app server, the stores and the load generator run on.

In production Redis and PostgreSQL run on hosts of their own and clients on
other machines altogether; what an API call costs the app server decides how
many calls a server answers. So on a machine of two or more CPUs the bench
gives the app server (gunicorn) CPUs of its own, and puts the load generator
(wrk, or the Python one's threads) on the last CPU and the embedded stores
beside it (on a CPU of their own when there are three or more). Sharing one
CPU with gunicorn, Redis's work would count as app-server time, and the two
would evict each other from the caches on every call: a Lua script that
costs Redis 10 µs in isolation then cost the pair about 100 µs more than a GET.

BENCH_STORES_WITH_APP=1 puts the stores on the app server's CPUs instead (the
whole stack on one CPU); BENCH_PIN=0 pins nothing. Unpinned, the ratios of two
runs differed by up to 50%; pinned, by 1 to 3%.

Each part inherits the CPUs of the bench process when it starts, so the bench
moves itself to the stores' CPUs, starts them, then to the app server's,
starts gunicorn, then to the load generator's for the rest of the run. A
Redis Cluster's nodes on this machine, started before the bench, are moved
to the stores' CPUs (place()).
"""

import os
from typing import NamedTuple


class Layout(NamedTuple):
    app: set[int]
    stores: set[int]
    load: set[int]


def plan(cpus: list[int], stores_with_app: bool = False) -> Layout | None:
    """Where each part runs, given the CPUs this process may use; None when there are too few to separate."""
    cpus = sorted(cpus)
    if len(cpus) < 2:
        return None
    load = {cpus[-1]}
    if stores_with_app:
        return Layout(set(cpus[:-1]), set(cpus[:-1]), load)
    if len(cpus) >= 3:
        return Layout(set(cpus[:-2]), {cpus[-2]}, load)
    return Layout({cpus[0]}, load, load)


def _allowed_cpus() -> list[int]:
    # The CPUs this process may use (a container or cpuset may allow only some).
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


STORES_WITH_APP = os.environ.get("BENCH_STORES_WITH_APP") == "1"
LAYOUT = plan(_allowed_cpus(), STORES_WITH_APP) if os.environ.get("BENCH_PIN", "1") == "1" else None


def move_to(part: str) -> None:
    """Run this process (and what it starts from now on) on the CPUs of `part`: app, stores or load."""
    if LAYOUT is not None:
        os.sched_setaffinity(0, getattr(LAYOUT, part))


def place(pids: set[int], part: str) -> None:
    """Move processes already running (a cluster started before the bench) to the CPUs of `part`."""
    if LAYOUT is not None:
        for pid in pids:
            os.sched_setaffinity(pid, getattr(LAYOUT, part))


def describe(embedded_stores: bool) -> str:
    if LAYOUT is None:
        return "CPUs: not pinned"
    if not embedded_stores:
        stores = "configured stores not pinned"
    elif STORES_WITH_APP:
        stores = "embedded stores with the app server"
    else:
        stores = f"embedded stores on {_names(LAYOUT.stores)}"
    return f"CPUs: app server on {_names(LAYOUT.app)}, load generator on {_names(LAYOUT.load)}, {stores}"


def _names(cpus: set[int]) -> str:
    return ("CPU " if len(cpus) == 1 else "CPUs ") + ", ".join(str(cpu) for cpu in sorted(cpus))
