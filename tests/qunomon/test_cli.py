"""`aiqm ait import|list|show|env|remove|export` from the command line."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from tests.qunomon._packages import typed_manifest, typed_package, zip_package
from typer.testing import CliRunner

from aiqm.cli.main import app
from aiqm.qunomon.store import AITStore

runner = CliRunner()


@pytest.mark.parametrize("form", ["zip", "wrapped zip", "folder", "repository"])
def test_import_each_package_form_then_list_and_show_its_origin(
    form: str, store: AITStore, tmp_path: Path,
) -> None:
    pkg = typed_package(tmp_path / "pkg")
    path = {
        "zip": lambda: zip_package(pkg, tmp_path / "ait.zip"),
        "wrapped zip": lambda: zip_package(pkg, tmp_path / "ait.zip", wrap="eval_fixture_typed"),
        "folder": lambda: pkg,
        "repository": lambda: pkg / "repository",
    }[form]()
    res = runner.invoke(app, ["ait", "import", str(path), "--env", "current", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["ref"] == "aiqm.ait:eval_fixture_typed@0.4.0" and out["origin"].startswith("qunomon sha256:")
    listed = json.loads(runner.invoke(app, ["ait", "list", "--json"]).output)
    mine = next(a for a in listed if a["id"] == "eval_fixture_typed")
    assert mine["origin"] == out["origin"] and mine["qunomon"]["name"] == "eval_fixture_typed"
    assert next(a for a in listed if a["id"] == "data_drift")["origin"] == "builtin"
    shown = runner.invoke(app, ["ait", "show", "eval_fixture_typed@0.4"])
    assert "origin: qunomon sha256:" in shown.output and "Data_CSV → data_csv" in shown.output
    stored = store.package_dir(out["digest"])
    assert (stored / "repository" / "ait.manifest.json").is_file()
    assert ((stored / "dockerfile").is_file()) == (form != "repository")


def test_an_invalid_manifest_exits_2_naming_each_field(store: AITStore, tmp_path: Path) -> None:
    pkg = typed_package(tmp_path / "pkg")
    data = typed_manifest()
    data["report"]["measures"][2]["structure"] = "matrix"
    data["parameters"][0]["default_val"] = "half"
    (pkg / "repository" / "ait.manifest.json").write_text(json.dumps(data), encoding="utf-8")
    res = runner.invoke(app, ["ait", "import", str(pkg)])
    assert res.exit_code == 2
    assert "report.measures[2].structure: 'matrix' is not allowed" in res.output
    assert "parameters[0].default_val: must be a number" in res.output
    assert store.records() == []


def test_not_a_package_and_unsafe_archives_exit_2(store: AITStore, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    res = runner.invoke(app, ["ait", "import", str(tmp_path / "empty")])
    assert res.exit_code == 2 and "no ait.manifest.json found" in res.output
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("repository/ait.manifest.json", json.dumps(typed_manifest()))
        zf.writestr("../../escape.txt", "x")
    res = runner.invoke(app, ["ait", "import", str(evil)])
    assert res.exit_code == 2 and "outside the package folder" in res.output
    assert not (tmp_path / "escape.txt").exists()
    res = runner.invoke(app, ["ait", "import", str(tmp_path / "nope.zip")])
    assert res.exit_code == 2 and "does not exist" in res.output


def test_env_and_remove(store: AITStore, tmp_path: Path) -> None:
    typed_package(tmp_path / "pkg")
    assert runner.invoke(app, ["ait", "import", str(tmp_path / "pkg"), "--env", "current"]).exit_code == 0
    res = runner.invoke(app, ["ait", "env", "eval_fixture_typed", "venv"])
    assert res.exit_code == 0 and store.records()[0].env == "venv"
    res = runner.invoke(app, ["ait", "env", "eval_fixture_typed", "conda"])
    assert res.exit_code == 2 and "one of venv, current, docker" in res.output
    digest = store.records()[0].digest
    res = runner.invoke(app, ["ait", "remove", "eval_fixture_typed@0.4.0"])
    assert res.exit_code == 0 and store.records() == []
    assert not store.package_dir(digest).exists()
    res = runner.invoke(app, ["ait", "remove", "eval_fixture_typed"])
    assert res.exit_code == 2 and "no imported AIT matches" in res.output


def test_export_from_the_cli(store: AITStore, tmp_path: Path) -> None:
    out = tmp_path / "dd.zip"
    res = runner.invoke(app, ["ait", "export", "data_drift", "-o", str(out), "--no-bundle-aiqm"])
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(out) as zf:
        assert zf.read("repository/requirements.txt").decode().startswith("aiqm==")
        m = json.loads(zf.read("repository/ait.manifest.json"))
    assert m["name"] == "alyz_aiqm_data_drift"
    res = runner.invoke(app, ["ait", "export", "no_such_ait", "-o", str(out)])
    assert res.exit_code == 2 and "no AIT 'no_such_ait' is installed" in res.output
