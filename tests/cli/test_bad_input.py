"""Bad input exits 2 with a message that says what is wrong and how to fix it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from aiqm.cli.main import app

runner = CliRunner()


def _write_data(p: Path) -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x1": rng.normal(size=60), "x2": rng.normal(size=60)})
    df["y"] = (df.x1 + df.x2 > 0).astype(int)
    df.to_csv(p / "data.csv", index=False)
    model = LogisticRegression().fit(df[["x1", "x2"]], df["y"])
    joblib.dump(model, p / "model.joblib")


BASE = textwrap.dedent(
    """\
    component: {name: c, task: binary_classification}
    inventories:
      data: {kind: dataset, path: data.csv, target: y}
      model: {kind: model, path: model.joblib, trusted: true}
    tests:
      - name: acc
        characteristic: C-1
        ait: classification_performance@1
        inventories: {dataset: data, model: model}
        criteria: [{measure: accuracy, op: ">=", value: 0.5}]
      - name: fake
        characteristic: C-1
        ait: fake@1
        parameters: {value: 0.5}
    settings: {plugins: [aiqm.testing.faults], executor: inline}
    """
)


def run(p: Path, *args: str):
    return runner.invoke(app, ["run", str(p), *args])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    _write_data(tmp_path)
    (tmp_path / "aiqm.yaml").write_text(BASE)
    return tmp_path


def _edit(p: Path, old: str, new: str) -> None:
    text = (p / "aiqm.yaml").read_text()
    assert old in text
    (p / "aiqm.yaml").write_text(text.replace(old, new))


def _err(result) -> str:
    return (result.stderr or "") + (result.stdout or "")


def test_good_project_runs(project):
    r = run(project)
    assert r.exit_code == 0, _err(r)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("component: {", "component: [", "not valid YAML"),
        ("ait: fake@1", "ait: faek@1", "no AIT 'faek' is installed"),
        ("ait: fake@1", "ait: fake@9", "no version matching '9'"),
        ("{dataset: data, model: model}", "{dataset: dta, model: model}", "'dta', which is not declared"),
        ("{value: 0.5}", "{value: high}", "The 'value' parameter of AIT 'fake' must be a float"),
        ("{value: 0.5}", "{valeu: 0.5}", "has no parameter 'valeu'"),
        ("path: data.csv", "path: missing.csv", "does not exist"),
        ("path: data.csv", "path: ../outside.csv", "outside"),
        ("trusted: true", "trusted: false", "runs arbitrary code"),
        ("target: y", "target: label", "no column 'label'"),
        ("characteristic: C-1\n    ait: fake", "characteristic: Z-9\n    ait: fake",
         "'Z-9' is not in the component's guideline"),
        ("{dataset: data, model: model}", "{dataset: data}", "needs a model for slot 'model'"),
        ("{dataset: data, model: model}", "{dataset: model, model: model}",
         "takes a dataset inventory, but 'model' is a model"),
    ],
)
def test_bad_input_exits_2(project, old, new, expected):
    _edit(project, old, new)
    r = run(project)
    assert r.exit_code == 2, _err(r)
    assert expected in _err(r)


def test_symlink_escape_rejected(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.csv"
    outside.write_text("a,y\n1,0\n")
    (project / "link.csv").symlink_to(outside)
    _edit(project, "path: data.csv", "path: link.csv")
    r = run(project)
    assert r.exit_code == 2 and "outside" in _err(r)


def test_changed_file_after_registration_names_the_input(project):
    assert run(project).exit_code == 0
    with open(project / "data.csv", "a") as f:
        f.write("0.1,0.2,1\n")
    r = run(project)
    assert r.exit_code == 2
    assert "data: expected sha256:" in _err(r)
    assert "--accept-changes" in _err(r)
    assert run(project, "--accept-changes").exit_code == 0
    assert run(project).exit_code == 0  # the new content is registered now


def test_missing_project_file(tmp_path):
    r = run(tmp_path)
    assert r.exit_code == 2 and "aiqm init" in _err(r)


def test_empty_dataset_is_err_not_crash(project):
    (project / "data.csv").write_text("x1,x2,y\n")
    r = run(project, "--json", "--accept-changes")
    assert r.exit_code == 1, _err(r)
    assert '"status": "ERR"' in r.stdout
    assert "empty" in r.stdout or "no rows" in r.stdout


def test_report_for_unknown_run(project):
    assert run(project).exit_code == 0
    r = runner.invoke(app, ["report", "nosuchrun", "-C", str(project)])
    assert r.exit_code == 2 and "aiqm runs" in _err(r)


def test_report_without_runs(tmp_path):
    r = runner.invoke(app, ["report", "latest", "-C", str(tmp_path)])
    assert r.exit_code == 2 and "aiqm run" in _err(r)
