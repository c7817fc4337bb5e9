"""`aiqm ait run` and `aiqm ait check` on an imported Qunomon AIT, like on any other."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aiqm.cli.main import app

runner = CliRunner()


def test_an_imported_ait_runs_without_a_project(typed, tmp_path: Path) -> None:
    csv = tmp_path / "rows.csv"
    csv.write_text("a\n1\n2\n", encoding="utf-8")
    result = runner.invoke(app, [
        "ait", "run", "eval_fixture_typed@0.4", "-i", f"data_csv={csv}", "--param", "n_items=2",
        "-c", "count == 2", "-c", "all(per_class) > 0.1", "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["status"] == "OK" and doc["measures"]["count"] == 2
    assert doc["measures"]["per_class"] == [0.3333, 0.6667]
    assert {r["name"] for r in doc["resources"]} >= {"plot", "worst_items", "log"}
    assert Path(doc["reports"]["md"]).is_file()
    bad = runner.invoke(app, ["ait", "run", "eval_fixture_typed", "-i", f"data_csv={csv}",
                              "-c", "accuracy>=0.5", "-c", "no_such>1"])
    assert bad.exit_code == 2
    assert "AIT 'eval_fixture_typed' has no measure 'no_such'" in " ".join(bad.output.split())


def test_an_imported_ait_is_checked_from_the_command_line(typed, tmp_path: Path) -> None:
    csv = tmp_path / "rows.csv"
    csv.write_text("a\n1\n2\n", encoding="utf-8")
    result = runner.invoke(app, ["ait", "check", "eval_fixture_typed", "-i", f"data_csv={csv}",
                                 "--param", "n_items=2", "--quick"])
    assert result.exit_code == 0, result.output
    assert "(qunomon sha256:" in result.output and "PASS  runs on given inputs" in result.output
