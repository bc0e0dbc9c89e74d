"""make lint's import rules (pyproject.toml) hold on the tree and fail on an import that breaks them."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # a subprocess per case: seconds, so not in the unit tier
# Every package the lint checks, as pyproject.toml names them.
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=tree, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the packages and the lint configuration, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def add_import(tree: Path, module: str, line: str) -> None:
    path = tree / module
    path.write_text(line + "\n" + path.read_text())


def test_the_tree_keeps_every_import_rule(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout


def test_a_cycle_between_packages_fails_the_lint(tree):
    # oauth already imports stores; stores importing oauth back closes a cycle.
    add_import(tree, "stores/__init__.py", "import oauth.scopes  # noqa")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "BROKEN" in result.stdout and "stores" in result.stdout


def test_an_arrow_pointing_up_fails_the_lint(tree):
    add_import(tree, "oauth/clients.py", "from portal import sudo  # noqa")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "oauth.clients -> portal.sudo" in result.stdout


def test_flask_in_a_pure_protocol_module_fails_the_lint(tree):
    add_import(tree, "oauth/pkce.py", "import flask  # noqa")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "oauth.pkce -> flask" in result.stdout
