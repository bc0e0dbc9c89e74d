"""The systemd units in deploy/systemd pass `systemd-analyze verify`.

They name /srv/oauth-provider; the test installs a copy pointing at this
checkout, whose virtualenv has the gunicorn and flask they start, so verify
also checks that each command exists. A machine without systemd-analyze skips
the test, unless REQUIRE_SYSTEMD=1 (CI), where that is a failure.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
INSTALL_FOLDER = "/srv/oauth-provider"


@pytest.fixture(scope="module")
def systemd_analyze():
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("REQUIRE_SYSTEMD") == "1":
            pytest.fail("REQUIRE_SYSTEMD=1 but systemd-analyze is not installed")
        pytest.skip("systemd-analyze is not installed")
    return found


def installed_copy(unit: Path, folder: Path) -> Path:
    copy = folder / unit.name
    copy.write_text(unit.read_text().replace(INSTALL_FOLDER, str(ROOT)))
    return copy


def verify(systemd_analyze, paths: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run([systemd_analyze, "verify", *map(str, paths)], capture_output=True, text=True, timeout=60)


def test_there_is_a_web_unit_and_a_worker_unit():
    assert [unit.name for unit in UNITS] == ["oauth-provider-web.service", "oauth-provider-worker.service"]
    web, worker = (unit.read_text() for unit in UNITS)
    assert "gunicorn wsgi:app" in web and "flask --app app worker" in worker
    assert all("EnvironmentFile=/etc/oauth-provider/env" in text for text in (web, worker))


def test_the_units_verify_without_a_word(systemd_analyze, tmp_path):
    result = verify(systemd_analyze, [installed_copy(unit, tmp_path) for unit in UNITS])
    assert (result.returncode, result.stderr.strip()) == (0, "")


def test_verify_would_catch_a_wrong_command_or_a_misspelt_setting(systemd_analyze, tmp_path):
    # Proves the check above can fail: both mistakes are reported.
    text = installed_copy(UNITS[1], tmp_path).read_text()
    broken = tmp_path / "broken.service"
    broken.write_text(text.replace(".venv/bin/flask", ".venv/bin/no-such-flask").replace("KillSignal", "KilSignal"))
    result = verify(systemd_analyze, [broken])
    assert result.returncode != 0
    assert "no-such-flask" in result.stderr and "KilSignal" in result.stderr
