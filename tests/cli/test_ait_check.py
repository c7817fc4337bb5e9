"""`aiqm ait check TARGET`: the conformance suite from the command line, exit 0/1/2."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiqm.cli.main import app

runner = CliRunner()

GOOD = textwrap.dedent('''
    from aiqm.core.constraints import Interval
    from aiqm.plugins.sdk import Context, Param, Parameters, ait


    class ShareParameters(Parameters):
        cut: float = Param(0.5, Interval(low=0, high=1), help="Cut.", help_ja="しきい値。")


    @ait(id="share_above", version="1.0.0", description="Share of x_num above cut.",
         characteristics=["B-3"], requirements=["B-3-L2-4"], parameters=ShareParameters,
         inventories=[{"name": "dataset", "kind": "dataset"}],
         measures=[{"name": "share", "min": 0, "max": 1}],
         resources=[{"name": "counts", "kind": "table"}])
    def share_above(ctx: Context[ShareParameters]) -> None:
        ds = ctx.dataset("dataset")
        if ds.num_rows == 0:
            ctx.undefined("share", "no rows")
            return
        x = ds.to_pandas()["x_num"]
        above = int((x > ctx.params.cut).sum())
        ctx.measure("share", above / len(x))
        ctx.resource("counts", [{"above": above, "rows": len(x)}])
''')

BAD = textwrap.dedent('''
    from aiqm.plugins.sdk import Context, ait


    @ait(id="share_broken", version="1.0.0", description="d", characteristics=["B-3"],
         inventories=[{"name": "dataset", "kind": "dataset"}],
         measures=[{"name": "share", "min": 0, "max": 1}, {"name": "never"}])
    def share_broken(ctx: Context) -> None:
        ds = ctx.dataset("dataset")
        ctx.measure("share", 10 / ds.num_rows)  # out of range, and crashes on 0 rows
''')


def _file(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_conforming_file_passes_every_check(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ait", "check", str(_file(tmp_path, GOOD, "good_ait.py"))])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "aiqm.ait:share_above@1.0.0" in out and "inputs: generated" in out
    for name in ("manifest validates", "parameters class matches the manifest",
                 "bad parameter values are rejected", "runs on generated inputs",
                 "declared measures are reported with their types and ranges",
                 "declared figures and tables are produced", "deterministic under a seed",
                 "empty input", "single-row input"):
        assert f"PASS  {name}" in out, name
    assert "10 checks: 10 passed" in out


def test_a_non_conforming_file_fails_with_the_reasons(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ait", "check", str(_file(tmp_path, BAD, "bad_ait.py"))])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "FAIL  declared measures are reported with their types and ranges" in out
    assert "outside its declared range" in out
    assert "declared measure 'never' was neither reported nor undefined" in out
    assert "FAIL  empty input" in out and "crashed with ZeroDivisionError" in out


def test_json_output_and_given_inputs(tmp_path: Path) -> None:
    csv = tmp_path / "d.csv"
    csv.write_text("x_num\n0.2\n0.9\n0.7\n0.1\n", encoding="utf-8")
    result = runner.invoke(app, ["ait", "check", str(_file(tmp_path, GOOD, "good2.py")),
                                 "-i", f"dataset={csv}", "--param", "cut=0.5", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["passed"] is True
    (report,) = data["aits"]
    assert report["inputs"] == "given" and report["ait"] == "aiqm.ait:share_above@1.0.0"
    measures = next(c for c in report["checks"] if c["name"].startswith("declared measures"))
    assert measures["details"] == ["share = 0.5"]


def test_installed_ids_module_paths_and_quick(tmp_path: Path) -> None:
    by_id = runner.invoke(app, ["ait", "check", "group_fairness", "--quick"])
    assert by_id.exit_code == 0, by_id.output
    assert "(builtin) — inputs: example" in by_id.output
    assert "SKIP  empty input" in by_id.output
    by_module = runner.invoke(app, ["ait", "check", "aiqm.testing.faults:FakeAIT", "--quick"])
    assert by_module.exit_code == 0, by_module.output
    assert "aiqm.ait:fake@1.0.0" in by_module.output


@pytest.mark.parametrize(("target", "message"), [
    ("no_such_ait", "no AIT 'no_such_ait' is installed"),
    ("missing_file.py", "no file 'missing_file.py'"),
    ("aiqm.testing.faults:nothing", "module 'aiqm.testing.faults' has no attribute 'nothing'"),
    ("no_such_module.sub", "cannot import 'no_such_module.sub'"),
    (".", "has no pyproject.toml"),
])
def test_bad_targets_exit_2(target: str, message: str, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["ait", "check", target])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_file_without_an_ait_or_with_a_syntax_error_exits_2(tmp_path: Path) -> None:
    empty = runner.invoke(app, ["ait", "check", str(_file(tmp_path, "x = 1\n", "plain.py"))])
    assert empty.exit_code == 2 and "defines no AIT" in empty.output
    broken = runner.invoke(app, ["ait", "check", str(_file(tmp_path, "def (:\n", "broken.py"))])
    assert broken.exit_code == 2 and "SyntaxError" in broken.output
    slot = runner.invoke(app, ["ait", "check", str(_file(tmp_path, GOOD, "good3.py")),
                               "-i", "data=nothing.csv"])
    assert slot.exit_code == 2 and "has no input slot 'data'" in slot.output
