"""`aiqm ait run`: one AIT on files, no project; isolation, judging, reports, bad input → 2."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from aiqm.cli.main import app

runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """data.csv (4 rows, 2 missing cells of 8), labelled.csv and a joblib model."""
    (tmp_path / "data.csv").write_text("a,b\n1,\n2,3\n,4\n5,6\n", encoding="utf-8")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=80), "x2": rng.normal(size=80)})
    frame["y"] = (frame.x1 + frame.x2 > 0).astype(int)
    frame.to_csv(tmp_path / "labelled.csv", index=False)
    joblib.dump(LogisticRegression().fit(frame[["x1", "x2"]], frame["y"]),
                tmp_path / "model.joblib")
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ait", "run", *args])
    return result.exit_code, result.output


def test_a_builtin_on_a_csv_is_judged(files: Path) -> None:
    data = f"dataset={files / 'data.csv'}"
    code, out = _run("data_completeness", "-i", data, "-c", "missing_ratio<=0.3")
    assert code == 0, out
    assert "data_completeness@1.0.0" in out and "OK" in out
    assert "missing_ratio <= 0.3 (got 0.25)" in out  # 2 of 8 cells
    code, out = _run("data_completeness", "-i", data, "-c", "missing_ratio<=0.1",
                     "-c", "n_rows == 4")
    assert code == 1, out
    assert "NG" in out and "✗ missing_ratio <= 0.1 (got 0.25)" in out and "✓ n_rows == 4" in out


def test_json_on_stdout(files: Path) -> None:
    code, out = _run("data_completeness", "-i", f"dataset={files / 'data.csv'}",
                     "--param", "columns=[a, b]", "-c", "max_column_missing_ratio between 0 and 0.25",
                     "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["status"] == "OK" and doc["exit_code"] == 0
    assert doc["measures"]["missing_ratio"] == 0.25 and doc["measures"]["n_rows"] == 4
    assert doc["parameters"]["columns"] == ["a", "b"]
    assert doc["criteria"][0]["passed"] is True and doc["folder"] is None
    assert {r["name"] for r in doc["resources"]} >= {"missing_by_column", "column_summary"}


def test_out_keeps_the_project_reports_and_artifacts(files: Path) -> None:
    out_dir = files / "run1"
    args = ["data_completeness", "-i", f"dataset={files / 'data.csv'}", "--out", str(out_dir)]
    code, out = _run(*args, "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["reports"] == {"md": str(out_dir / "report.md"), "html": str(out_dir / "report.html")}
    md = (out_dir / "report.md").read_text("utf-8")
    assert "AI quality report: aiqm ait run data\\_completeness — OK" in md
    assert "n\\_rows = 4" in md
    assert "data:image/svg+xml;base64," in (out_dir / "report.html").read_text("utf-8")  # inline
    figure = next(r for r in doc["resources"] if r["name"] == "missing_by_column")
    assert Path(figure["file"]).read_text("utf-8").lstrip().startswith("<")
    assert (out_dir / "aiqm.yaml").is_file() and (out_dir / "inputs" / "dataset" / "data.csv").is_file()
    # the same folder again: reused (the result comes from the cache of the first run)
    code, out = _run(*args)
    assert code == 0, out
    # a folder with other files is refused
    (files / "mine").mkdir()
    (files / "mine" / "keep.txt").write_text("x", "utf-8")
    code, out = _run("data_completeness", "-i", f"dataset={files / 'data.csv'}",
                     "--out", str(files / "mine"))
    assert code == 2 and "is a folder with other files" in out
    assert (files / "mine" / "keep.txt").read_text("utf-8") == "x"


def test_plugin_aits_run_isolated_with_their_limits(files: Path) -> None:
    code, out = _run("fake", "-p", "aiqm.testing.faults", "--param", "value=0.7",
                     "--param", "values=[0.2, 0.4]", "-c", "value>=0.5", "-c", "mean(values) <= 0.35")
    assert code == 0, out
    assert "✓ mean of values <= 0.35 (got 0.3)" in out
    code, out = _run("fault_sleep", "-p", "aiqm.testing.faults", "--param", "seconds=30",
                     "--timeout", "1", "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["status"] == "ERR" and "time limit" in doc["error"]


def test_a_model_input_needs_trust_for_a_pickle(files: Path) -> None:
    args = ["classification_performance", "-i", f"dataset={files / 'labelled.csv'}",
            "--target", "dataset=y", "-i", f"model={files / 'model.joblib'}", "-c", "accuracy>=0.8"]
    code, out = _run(*args)
    assert code == 2 and "add --trusted if the file comes from a source you trust" in out
    code, out = _run(*args, "--trusted", "--json")
    assert code == 0, out
    assert json.loads(out)["measures"]["accuracy"] >= 0.8


@pytest.mark.parametrize(("args", "message"), [
    (["no_such_ait"], "no AIT 'no_such_ait' is installed"),
    (["data_completeness", "-i", "data=data.csv"],
     "AIT 'data_completeness' has no input slot 'data'; its slots are: dataset (dataset)"),
    (["data_completeness", "-i", "dataset=missing.csv"],
     "--input dataset=missing.csv: no such file or folder"),
    (["data_completeness"], "needs a dataset for slot 'dataset': add --input dataset=PATH"),
    (["data_completeness", "-i", "dataset"], "--input takes NAME=VALUE; got 'dataset'"),
    (["data_completeness", "-i", "dataset=data.csv", "--param", "columns=7"],
     "The 'columns' parameter of AIT 'data_completeness' must be"),
    (["data_completeness", "-i", "dataset=data.csv", "--param", "no_such=1"],
     "no_such"),
    (["data_completeness", "-i", "dataset=data.csv", "--param", "columns=[a"],
     "--param columns='[a': the value is not valid YAML"),
    (["data_completeness", "-i", "dataset=data.csv", "-c", "missing_ratio=>0.1"],
     "cannot read the criterion 'missing_ratio=>0.1'"),
    (["data_completeness", "-i", "dataset=data.csv", "-c", "accuracy>=0.9"],
     "AIT 'data_completeness' has no measure 'accuracy'; its measures are: missing_ratio"),
    (["data_completeness", "-i", "dataset=data.csv", "-c", "mean(missing_ratio)>=0.9"],
     "mean() needs a sequence measure"),
    (["data_completeness", "-i", "dataset=data.csv", "--target", "model=y"],
     "--target model=y: 'model' is not a dataset slot"),
    (["classification_performance", "-i", "dataset=labelled.csv", "-i", "model=model.joblib",
      "--trusted"], "needs the label column of 'dataset': add --target dataset=COLUMN"),
])
def test_bad_input_exits_2_with_a_clear_message(
    args: list[str], message: str, files: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(files)
    code, out = _run(*args)
    assert code == 2, out
    assert message in " ".join(out.split()), out
    assert not list(files.glob("aiqm-ait-run-*"))  # nothing written in the working folder
