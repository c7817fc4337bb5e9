"""Each imported AIT runs in its own virtual environment with its pinned versions.

The package pins ``rich==13.9.4`` while aiqm's environment has a newer rich; the AIT
itself checks which version it runs with. pip installs from the machine's package
mirror (the only network use of the suite is a package install).
"""

from __future__ import annotations

import importlib.metadata
import os
import time
from pathlib import Path

import pytest
from tests.qunomon._packages import env_package

from aiqm.core.results import Status
from aiqm.qunomon.environment import EnvironmentBuildError, ensure_env, env_key
from aiqm.qunomon.store import AITStore
from aiqm.services import aits as ait_service
from aiqm.services.runs import run_project
from aiqm.storage import open_project_store

pytestmark = pytest.mark.slow


def test_the_pinned_version_runs_in_an_isolated_environment_built_once(
    store: AITStore, tmp_path: Path,
) -> None:
    assert importlib.metadata.version("rich") != "13.9.4"  # aiqm's own is another version
    lines: list[str] = []
    out = ait_service.import_package(env_package(tmp_path / "pkg"), store=store,
                                     progress=lines.append)
    assert any("building the environment" in x for x in lines)  # progress was shown
    assert any("rich" in x.lower() for x in lines)
    python = Path(out.env_python)
    assert python.is_relative_to(store.envs_dir)

    root = tmp_path / "proj"
    root.mkdir()
    (root / "aiqm.yaml").write_text(
        "component: {name: e, task: other}\ninventories: {}\ntests:\n"
        "  - {name: env, characteristic: D-1, ait: eval_fixture_env@1, criteria: "
        '[{measure: pinned, op: "==", value: true}, {measure: isolated, op: "==", value: true}]}\n',
        encoding="utf-8")
    r = run_project(root).results[0]
    assert r.status == Status.OK, r.error
    assert r.measure("rich_version").value == 1309
    store_, artifacts = open_project_store(root)
    try:
        ref = next(x for x in r.resources if x.name == "interpreter")
        ran_with = artifacts.get_bytes(ref.digest).decode()
    finally:
        store_.close()
    # `python3` found first on PATH was the environment's
    assert Path(ran_with).parent == python.parent

    # cached: a second package with the same requirements and wheels reuses it, at once
    t0 = time.perf_counter()
    again = ait_service.import_package(env_package(tmp_path / "pkg2", name="eval_fixture_env2"),
                                       store=store)
    assert Path(again.env_python) == python and time.perf_counter() - t0 < 5
    assert len([p for p in store.envs_dir.iterdir() if p.is_dir()]) == 1


def test_a_changed_requirement_builds_a_new_environment(tmp_path: Path) -> None:
    repo = env_package(tmp_path / "a") / "repository"
    key = env_key(repo)
    (repo / "requirements.txt").write_text((repo / "requirements.txt").read_text() + "# pin\n")
    assert env_key(repo) != key
    wheel = next(repo.glob("*.whl"))
    before = env_key(repo)
    os.utime(wheel)  # a timestamp is not a change
    assert env_key(repo) == before


def test_a_package_that_cannot_be_installed_is_named(tmp_path: Path) -> None:
    repo = env_package(tmp_path / "bad", requirements="rich==13.9.4\nqsdk-no-such-pkg-aiqm==1.0\n") / "repository"
    with pytest.raises(EnvironmentBuildError) as info:
        ensure_env(repo, tmp_path / "envs", label="eval_bad")
    assert info.value.package.startswith("qsdk-no-such-pkg-aiqm")
    assert "could not install 'qsdk-no-such-pkg-aiqm==1.0'" in str(info.value)
    assert not any((tmp_path / "envs").glob("*/.ready"))  # nothing half-built is kept


def test_a_missing_bundled_wheel_is_named(tmp_path: Path) -> None:
    repo = env_package(tmp_path / "nowheel") / "repository"
    next(repo.glob("*.whl")).unlink()
    with pytest.raises(EnvironmentBuildError, match=r"qsdk_standin-0\.1\.0-py3-none-any\.whl"):
        ensure_env(repo, tmp_path / "envs")
