"""The published pytest plugins only add: a project of someone else's tests, run with the package
installed beside it, runs as it does with the package's plugins blocked (``-p no:...``): no exit hook,
no garbage collector frozen, no warning filter (its own deprecations still shown), its order kept on
a pytest-xdist worker; and beside pytest-base-url (pytest-playwright's), ``--base-url`` stays its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ..pytest_runs import Run, run_all, run_one

OURS = ["-p", "no:contract_tests", "-p", "no:novunt_mock"]  # the package's two entry points, blocked
PROBE = """
import atexit, gc, json, os

import pytest

FROZEN_BEFORE = gc.get_freeze_count()  # a forked run starts with what it inherited frozen


def pytest_unconfigure(config):
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    frozen = gc.get_freeze_count() - FROZEN_BEFORE
    found = {"exit hooks": atexit._ncallbacks(), "frozen": frozen, "gc on": gc.isenabled(),
             "ini filters": config.getini("filterwarnings")}
    with open(os.path.join(os.environ["PROBE"], f"probe-{worker}.json"), "w") as file:
        json.dump(found, file)


@pytest.fixture
def record():
    def write(text):
        with open(os.path.join(os.environ["PROBE"], "order.txt"), "a") as file:
            file.write(f"{text}\\n")
    return write
"""
PLAIN = """
import warnings


def test_zebra(record):
    record("zebra")


def test_apple(record):
    record("apple")


def test_my_starlette_style_deprecation(record):
    record("starlette")
    warnings.warn("Using `httpx` with `starlette.testclient` is mine to mend", DeprecationWarning)


def test_my_jsonschema_style_deprecation(record):
    record("jsonschema")
    warnings.warn("jsonschema.RefResolver: mine to mend too", DeprecationWarning)
"""
LATE = """
def test_in_a_folder_named_fuzz(record):  # collected last: it must run last
    record("fuzz")
"""
BASE_URL = """
def test_my_base_url(base_url, record):
    record(base_url)
"""
MINE = ("Using `httpx` with `starlette.testclient` is mine to mend", "jsonschema.RefResolver: mine to mend too")


def project(folder: Path, files: dict[str, str]) -> Path:
    for name, text in {"pytest.ini": "[pytest]\n", "conftest.py": PROBE, **files}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def runs(tmp_path: Path, files: dict[str, str], *args: str) -> tuple[dict, dict]:
    """The project run with the package's plugins and with them blocked: each run's output, probes
    and order."""
    found = {}
    planned = {}
    for name, blocked in (("with", []), ("without", OURS)):
        where = project(tmp_path / name, files)
        probes = where / "probes"
        probes.mkdir()
        planned[name] = (Run([*args, *blocked, "-p", "no:cacheprovider"], where, {"PROBE": str(probes)}), probes)
    done = run_all([run for run, _ in planned.values()])
    for (name, (_run, probes)), result in zip(planned.items(), done, strict=True):
        order = probes / "order.txt"
        found[name] = {
            "output": result.stdout,
            "status": result.returncode,
            "probes": {path.stem: json.loads(path.read_text()) for path in sorted(probes.glob("probe-*.json"))},
            "order": order.read_text().split() if order.exists() else [],
        }
    return found["with"], found["without"]


def plugins_line(output: str) -> str:
    return next((line for line in output.splitlines() if line.startswith("plugins:")), "")


def test_a_plain_project_runs_as_if_the_package_were_not_installed(tmp_path):
    pytest.importorskip("xdist")
    files = {"test_plain.py": PLAIN, "zz/fuzz/test_late.py": LATE}
    # on one pytest-xdist worker, whose items are handed out in its order; pytest-base-url blocked:
    # this is the project without it
    mine, bare = runs(tmp_path, files, "-n", "1", "-p", "no:base_url")
    assert mine["status"] == bare["status"] == 0, mine["output"][-3000:]
    assert "novunt-distribution-mock" in plugins_line(mine["output"]), "the package's plugins did not load"
    assert "novunt-distribution-mock" not in plugins_line(bare["output"])
    assert mine["probes"] == bare["probes"] and set(mine["probes"]) == {"probe-main", "probe-gw0"}, (mine, bare)
    assert mine["order"] == bare["order"] == ["zebra", "apple", "starlette", "jsonschema", "fuzz"], mine["order"]
    for message in MINE:
        assert message in mine["output"], f"the project's own DeprecationWarning was hidden: {message}"


def test_beside_pytest_base_url_its_option_stays_its_own(tmp_path):
    pytest.importorskip("pytest_base_url")
    url = "http://127.0.0.1:9"  # nothing listens: the suite's gate would end the run if it looked
    mine, bare = runs(tmp_path, {"test_base_url.py": BASE_URL}, "--base-url", url)
    assert mine["status"] == bare["status"] == 0, mine["output"][-3000:]
    assert mine["order"] == bare["order"] == [url]
    assert mine["probes"] == bare["probes"]
    assert f"baseurl: {url}" in mine["output"], "pytest-base-url's own header line"
    help_text = run_one(Run(["--help", "-p", "no:cacheprovider"], tmp_path / "with", {"PROBE": str(tmp_path)})).stdout
    assert len(re.findall(r"^\s*--base-url=", help_text, re.MULTILINE)) == 1, "one --base-url, pytest-base-url's"
    assert "a live backend to check" not in help_text, "the suite must reuse pytest-base-url's --base-url"
    assert "--contract-strict" in help_text, "the suite's own options are still there"
