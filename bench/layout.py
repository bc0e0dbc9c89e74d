"""Which CPUs the load generator, the app server and the stores run on.

In production Redis and PostgreSQL run on hosts of their own and clients on
other machines altogether; what an API call costs the app server decides how
many calls a server answers. So on a machine of two or more CPUs the bench
gives the app server (gunicorn) CPUs of its own, and puts the load generator
on the last CPU and the embedded stores beside it (on a CPU of their own when
there are three or more). Sharing one CPU with gunicorn, Redis's work would
count as app-server time, and the two would evict each other from the
caches on every call: a Lua script that costs Redis 10 µs in isolation
then cost the pair about 100 µs more than a GET.

BENCH_STORES_WITH_APP=1 puts the stores on the app server's CPUs instead (the
whole stack on one CPU); BENCH_PIN=0 pins nothing. Unpinned, the ratios of two
runs differed by up to 50%; pinned, by 1 to 3%.
"""

import os
import shutil

CPUS = os.cpu_count() or 1
PIN = os.environ.get("BENCH_PIN", "1") == "1" and CPUS >= 2 and shutil.which("taskset") is not None
STORES_WITH_APP = os.environ.get("BENCH_STORES_WITH_APP") == "1"

LOAD_CPU = CPUS - 1
if STORES_WITH_APP:
    APP_CPUS = STORE_CPUS = set(range(CPUS - 1))
elif CPUS >= 3:
    APP_CPUS, STORE_CPUS = set(range(CPUS - 2)), {CPUS - 2}
else:
    APP_CPUS, STORE_CPUS = set(range(CPUS - 1)), {LOAD_CPU}

LOAD_CPU_PREFIX = ["taskset", "-c", str(LOAD_CPU)] if PIN else []


def describe(embedded_stores: bool) -> str:
    if not PIN:
        return "CPUs: not pinned"
    if not embedded_stores:
        stores = "configured stores not pinned"
    elif STORES_WITH_APP:
        stores = "embedded stores with the app server"
    else:
        stores = f"embedded stores on {_names(STORE_CPUS)}"
    return f"CPUs: app server on {_names(APP_CPUS)}, load generator on CPU {LOAD_CPU}, {stores}"


def _names(cpus: set[int]) -> str:
    return ("CPU " if len(cpus) == 1 else "CPUs ") + ", ".join(str(cpu) for cpu in sorted(cpus))
