"""The conformance suite as named checks: each check catches what it is for."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from aiqm.core.constraints import Interval
from aiqm.exceptions import DataError
from aiqm.plugins.manager import load_registry
from aiqm.plugins.sdk import Context, Param, Parameters, ait
from aiqm.testing import FakeAIT, check_ait, conformance_report, invalid_values
from aiqm.testing.generated import GENERATED_ROWS, TARGET, generated_frame

COMMON: dict[str, Any] = {"version": "1.0.0", "description": "d", "characteristics": ["B-3"],
                          "inventories": [{"name": "dataset", "kind": "dataset"}]}


def _status(report: Any) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}


def _details(report: Any, name: str) -> str:
    return " ".join(next(c for c in report.checks if c.name == name).details)


class _Help(Parameters):
    k: int = Param(3, Interval(low=1), help="Rows.", help_ja="行数。")


@ait(id="mean_x", parameters=_Help, requirements=["B-3-L2-4"],
     measures=[{"name": "mean_x", "min": -10, "max": 10}],
     resources=[{"name": "head", "kind": "table"}, {"name": "plot", "kind": "figure"}], **COMMON)
def mean_x(ctx: Context[_Help]) -> None:
    ds = ctx.dataset("dataset")
    if ds.num_rows == 0:
        ctx.undefined("mean_x", "no rows")
        return
    ctx.measure("mean_x", float(ds.to_pandas()["x_num"].mean()))
    ctx.resource("head", ds.to_pandas().head(ctx.params.k))
    ctx.resource("plot", "<svg xmlns='http://www.w3.org/2000/svg'></svg>")


def test_a_conforming_ait_passes_every_check_on_generated_data() -> None:
    report = conformance_report(mean_x)
    assert report.inputs == "generated" and report.passed
    assert _status(report) == {
        "manifest validates": "pass",
        "parameters have English and Japanese help": "pass",
        "parameters class matches the manifest": "pass",
        "bad parameter values are rejected": "pass",
        "runs on generated inputs": "pass",
        "declared measures are reported with their types and ranges": "pass",
        "declared figures and tables are produced": "pass",
        "deterministic under a seed": "pass",
        "empty input": "pass",
        "single-row input": "pass",
    }
    frame = generated_frame(GENERATED_ROWS, seed=0)
    assert report.result is not None
    assert report.result.measures["mean_x"] == pytest.approx(frame["x_num"].mean())
    assert "dataset: dataset of 200 rows" in _details(report, "runs on generated inputs")
    assert "mean_x undefined: no rows" in _details(report, "empty input")
    assert report.to_json()["passed"] is True


def test_unknown_ids_fail_and_missing_help_and_requirements_warn() -> None:
    @ait(id="sloppy_ids", characteristics=["B-3", "Z-9"], requirements=["B-3-L9-9"],
         version="1.0.0", description="d",
         parameters=[{"name": "k", "type": "int", "default": 1, "description": "Rows."}],
         measures=[{"name": "a"}])
    def sloppy(ctx: Context) -> None:
        ctx.measure("a", 1.0)

    report = conformance_report(sloppy)
    status = _status(report)
    assert status["manifest validates"] == "fail"
    assert "characteristic 'Z-9' is defined by no packaged guideline" in _details(
        report, "manifest validates")
    assert "requirement id 'B-3-L9-9'" in _details(report, "manifest validates")
    assert status["parameters have English and Japanese help"] == "warn"
    assert "parameter 'k' lacks Japanese help" in _details(
        report, "parameters have English and Japanese help")
    assert status["parameters class matches the manifest"] == "skip"
    with pytest.raises(AssertionError, match="requirement id 'B-3-L9-9'"):
        check_ait(sloppy)


def test_an_unseeded_random_measure_fails_determinism() -> None:
    @ait(id="dice", measures=[{"name": "roll", "min": 0, "max": 1},
                              {"name": "latency_ms", "min": 0}], **COMMON)
    def dice(ctx: Context) -> None:
        ctx.measure("roll", random.random())
        ctx.measure("latency_ms", random.random())  # a timing: never compared

    report = conformance_report(dice, edge_cases=False)
    assert _status(report)["deterministic under a seed"] == "fail"
    details = _details(report, "deterministic under a seed")
    assert "measure 'roll'" in details and "latency_ms" not in details
    with pytest.raises(AssertionError, match="deterministic under a seed: measure 'roll'"):
        check_ait(dice, edge_cases=False)
    check_ait(dice, determinism=False, edge_cases=False)  # the old contract still holds


class _Seed(Parameters):
    seed: int | None = Param(None, help="Seed; null draws one.", help_ja="乱数シード。")


def test_a_nullable_seed_is_fixed_so_two_runs_agree_and_timings_are_left_out() -> None:
    @ait(id="seeded", parameters=_Seed, measures=[{"name": "draw", "min": 0, "max": 1}],
         resources=[{"name": "times", "kind": "table"}], **COMMON)
    def seeded(ctx: Context[_Seed]) -> None:
        rng = random.Random(ctx.params.seed)
        ctx.measure("draw", rng.random())
        ctx.resource("times", [{"step": "fit", "fit_seconds": random.random()}])

    report = conformance_report(seeded, edge_cases=False)
    assert _status(report)["deterministic under a seed"] == "pass"
    assert "seed seed=0" in _details(report, "deterministic under a seed")


def test_a_crash_on_empty_data_fails_and_a_clear_refusal_passes() -> None:
    @ait(id="divides", measures=[{"name": "share", "min": 0, "max": 1}], **COMMON)
    def divides(ctx: Context) -> None:
        ds = ctx.dataset("dataset")
        ctx.measure("share", 1 / ds.num_rows)

    report = conformance_report(divides, determinism=False)
    assert _status(report)["empty input"] == "fail"
    assert "crashed with ZeroDivisionError" in _details(report, "empty input")
    assert _status(report)["single-row input"] == "pass"

    @ait(id="refuses", measures=[{"name": "share", "min": 0, "max": 1}], **COMMON)
    def refuses(ctx: Context) -> None:
        ds = ctx.dataset("dataset")
        if ds.num_rows < 2:
            raise DataError(f"dataset {ds.name!r} needs at least 2 rows")
        ctx.measure("share", 1 / ds.num_rows)

    report = conformance_report(refuses, determinism=False)
    assert _status(report)["empty input"] == "pass"
    assert "refused with a clear error: dataset 'dataset' needs at least 2 rows" in _details(
        report, "empty input")


def test_resources_missing_broken_or_undeclared() -> None:
    @ait(id="no_figures", measures=[{"name": "a"}],
         resources=[{"name": "plot", "kind": "figure"}, {"name": "rows", "kind": "table"}],
         **COMMON)
    def no_figures(ctx: Context) -> None:
        ctx.measure("a", 1.0)

    report = conformance_report(no_figures, determinism=False, edge_cases=False)
    assert _status(report)["declared figures and tables are produced"] == "fail"
    assert "none of the declared figures" in _details(
        report, "declared figures and tables are produced")

    @ait(id="half", measures=[{"name": "a"}],
         resources=[{"name": "plot", "kind": "figure"}, {"name": "rows", "kind": "table"}],
         **COMMON)
    def half(ctx: Context) -> None:
        ctx.measure("a", 1.0)
        ctx.resource("rows", [{"x": 1}])

    report = conformance_report(half, determinism=False, edge_cases=False)
    assert _status(report)["declared figures and tables are produced"] == "warn"
    assert "declared figure 'plot' was not produced" in _details(
        report, "declared figures and tables are produced")

    @ait(id="bad_png", measures=[{"name": "a"}], resources=[{"name": "plot", "kind": "figure"}],
         **COMMON)
    def bad_png(ctx: Context) -> None:
        ctx.measure("a", 1.0)
        ctx.resource("plot", b"not a png")

    report = conformance_report(bad_png, determinism=False, edge_cases=False)
    assert "is neither SVG nor PNG" in _details(report, "declared figures and tables are produced")


def test_a_failing_run_skips_what_depends_on_it() -> None:
    @ait(id="broken", measures=[{"name": "a"}], **COMMON)
    def broken(ctx: Context) -> None:
        raise KeyError("column")

    report = conformance_report(broken)
    status = _status(report)
    assert status["runs on generated inputs"] == "fail"
    assert "KeyError: 'column'" in _details(report, "runs on generated inputs")
    assert status["empty input"] == "skip" and status["deterministic under a seed"] == "skip"
    assert report.result is None and not report.passed


def test_the_declared_example_is_used_and_sized(tmp_path: Path) -> None:
    sizes: list[int | None] = []

    @ait(id="counted", measures=[{"name": "n", "type": "int", "min": 0}], **COMMON)
    def counted(ctx: Context) -> None:
        ctx.measure("n", ctx.dataset("dataset").num_rows)

    @counted.example
    def _example(workdir: Path, rows: int | None) -> dict[str, Any]:
        sizes.append(rows)
        return {"datasets": {"dataset": {"v": list(range(7 if rows is None else rows))}}}

    report = conformance_report(counted, workdir=tmp_path)
    assert report.inputs == "example" and report.passed
    assert sizes == [None, None, 0, 1]
    assert report.result is not None and report.result.measures == {"n": 7}
    assert "completed: n = 0" in _details(report, "empty input")
    assert "completed: n = 1" in _details(report, "single-row input")


def test_given_inputs_are_shrunk_for_the_edge_cases(tmp_path: Path) -> None:
    csv = tmp_path / "d.csv"
    pd.DataFrame({"x_num": [1.0, 2.0, 3.0], TARGET: [0, 1, 0]}).to_csv(csv, index=False)
    report = conformance_report(mean_x, datasets={"dataset": csv}, params={"k": 2})
    assert report.inputs == "given" and report.passed
    assert report.result is not None and report.result.measures["mean_x"] == 2.0
    assert "dataset: dataset d.csv; parameters k=2" in _details(report, "runs on given inputs")


def test_check_ait_returns_the_main_result_for_the_fake_and_the_builtins() -> None:
    assert check_ait(FakeAIT, params={"value": 0.5}).measures["value"] == 0.5
    registry = load_registry()
    for ait_id in ("group_fairness", "process_checklist"):  # their declared examples
        report = conformance_report(registry.get(ait_id))
        assert report.inputs == "example" and report.passed, report.failures


def test_bad_values_are_generated_for_every_kind_of_constraint() -> None:
    @ait(id="constrained", version="1.0.0", description="d", characteristics=["B-3"],
         parameters=[
             {"name": "mode", "type": "str", "default": "a",
              "constraints": [{"kind": "options", "values": ["a", "b"]}]},
             {"name": "k", "type": "int", "default": 2,
              "constraints": [{"kind": "options", "values": [2, 4]}]},
             {"name": "tag", "type": "str", "default": "ab",
              "constraints": [{"kind": "pattern", "regex": "[a-z]+"},
                              {"kind": "length", "min": 2, "max": 3}]},
             {"name": "cols", "type": "list[str]", "default": ["x", "y"],
              "constraints": [{"kind": "length", "min": 1, "max": 2}]},
         ],
         measures=[{"name": "a"}])
    def constrained(ctx: Context) -> None:
        ctx.measure("a", 1.0)

    assert invalid_values(constrained.manifest) == {
        "mode": [12345, "__not_an_option__"],
        "k": ["not an int", 5],
        "tag": [12345, "", "x", "xxxx"],
        "cols": ["not a list", [], ["x", "y", "x"]],
    }
    report = conformance_report(constrained, determinism=False, edge_cases=False)
    assert _status(report)["bad parameter values are rejected"] == "pass"
    assert "11 generated bad value(s)" in _details(report, "bad parameter values are rejected")
