"""The optional docker runtime.

The run itself needs a Docker daemon. This machine kind (and so CI) has the docker
client but no daemon, and a daemon cannot be started here; so the end-to-end test
skips when none answers — deliberately a plain skip, not ``tests._require``: the
issue asks for the docker runtime to be "tested where Docker exists", and CI is not
such a place. What does not need a daemon (the locked-down command line, the clear
error without one) is tested always.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.qunomon._packages import typed_package

from aiqm.core.results import Status
from aiqm.qunomon import docker
from aiqm.qunomon.store import AITStore
from aiqm.services import aits as ait_service
from aiqm.services.runs import run_project


def test_the_command_line_is_locked_down(tmp_path: Path) -> None:
    cmd = docker.run_command("docker", "aiqm-ait/x:abc", "aiqm-1", args=tmp_path / "args",
                             mount=tmp_path / "mnt", volumes=["/data/t.csv:/usr/local/qai/inventory/t/t.csv:ro"],
                             memory_mb=512)
    joined = " ".join(cmd)
    assert "--network none" in joined and "--cap-drop ALL" in joined
    assert "--security-opt no-new-privileges" in joined
    user = cmd[cmd.index("--user") + 1]
    assert not user.startswith("0:")  # never root
    assert "--memory 512m --memory-swap 512m" in joined
    assert f"{tmp_path / 'args'}:/usr/local/qai/args:ro" in cmd
    assert "/data/t.csv:/usr/local/qai/inventory/t/t.csv:ro" in cmd
    assert cmd[-2:] == ["aiqm-ait/x:abc", "/usr/local/qai/args"]


def test_without_a_daemon_the_error_says_what_to_do(store: AITStore, tmp_path: Path) -> None:
    ok, why = docker.docker_status(timeout=20)
    if ok:
        pytest.skip("a Docker daemon answers here; the end-to-end test covers it")
    assert why
    with pytest.raises(docker.DockerUnavailableError, match=r"needs a Docker daemon.*aiqm ait env"):
        ait_service.import_package(typed_package(tmp_path / "pkg"), env="docker", store=store)


def test_an_imported_ait_runs_in_its_container(store: AITStore, tmp_path: Path) -> None:
    ok, why = docker.docker_status(timeout=20)
    if not ok:
        pytest.skip(f"docker runtime untested here: {why}")
    ait_service.import_package(typed_package(tmp_path / "pkg"), env="docker", store=store)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "data.csv").write_text("a\n1\n2\n", encoding="utf-8")
    (root / "aiqm.yaml").write_text(
        "component: {name: d, task: other}\ninventories:\n  t: {kind: document, path: data.csv}\n"
        "tests:\n  - {name: ok, characteristic: C-1, ait: eval_fixture_typed@0.4, "
        "inventories: {data_csv: t}, parameters: {verbose: true}}\n", encoding="utf-8")
    r = run_project(root).results[0]
    assert r.status == Status.OK, r.error
    assert r.measure("count").value == 2 and r.measure("passed").value is True
