"""Node.js relying parties for end-to-end tests: tests/e2e/rp, its packages pinned by package-lock.json.

Without `node` (or `npm`, when the packages are not installed yet) the tests
that need them are skipped, unless REQUIRE_NODE=1 (CI), where that is a
failure. The packages are installed with `npm ci` from the lock file the
first time, into tests/e2e/rp/node_modules (ignored by git).
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

RP_DIR = Path(__file__).resolve().parent.parent / "e2e" / "rp"
NPM_CI = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]
INSTALL_SECONDS = 300


def unavailable(reason: str):
    """Skip the test, or fail it when REQUIRE_NODE=1."""
    if os.environ.get("REQUIRE_NODE") == "1":
        pytest.fail(f"REQUIRE_NODE=1 but {reason}")
    pytest.skip(reason)


def relying_party_dir(package: str) -> Path:
    """tests/e2e/rp with `package` installed, or skip/fail as described above."""
    if shutil.which("node") is None:
        unavailable("node is not installed (apt-get install nodejs npm): the openid-client check needs it")
    if not (RP_DIR / "node_modules" / package / "package.json").exists():
        if shutil.which("npm") is None:
            unavailable(f"npm is not installed (apt-get install npm), so {package} cannot be installed")
        installed = subprocess.run(NPM_CI, cwd=RP_DIR, capture_output=True, text=True, timeout=INSTALL_SECONDS)
        if installed.returncode != 0:
            unavailable(f"npm ci in {RP_DIR} failed: {installed.stderr.strip()[-500:]}")
    return RP_DIR
