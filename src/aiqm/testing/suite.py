"""The conformance suite as a list of named checks (``aiqm ait check``, :func:`check_ait`).

:func:`conformance_report` runs every check on an AIT and returns one outcome per
check — ``pass``, ``fail``, ``warn`` (a convention the AIT should follow) or
``skip`` — instead of stopping at the first problem. The inputs come from the
caller (``datasets=``, ``models=`` … as for :func:`aiqm.testing.run_ait`), else
from the AIT's declared example (:meth:`aiqm.plugins.sdk.AIT.example`), else they
are generated (:mod:`aiqm.testing.generated`).
"""

from __future__ import annotations

import json
import logging
import math
import re
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aiqm.core.guideline import available_guidelines, load_guideline
from aiqm.core.manifest import AITManifest
from aiqm.data.readers import read_table
from aiqm.exceptions import AIQMError, InputError, InvalidParameterError, UntrustedModelError
from aiqm.plugins.sdk import AIT
from aiqm.testing._params import invalid_values, parameters_class_problems
from aiqm.testing.generated import generated_inputs
from aiqm.testing.harness import AITRunResult, run_ait

__all__ = [
    "CheckOutcome", "CheckStatus", "ConformanceReport", "conformance_report", "file_inputs",
]

CheckStatus = Literal["pass", "fail", "warn", "skip"]
InputSource = Literal["given", "example", "generated"]
_INPUT_KEYS = ("datasets", "targets", "models", "documents", "inputs")
_SEED_NAMES = ("random_state", "seed")
_PICKLES = (".joblib", ".pkl", ".pickle")


@dataclass(frozen=True)
class CheckOutcome:
    """One check of the suite: its name, status and the lines that explain it."""

    name: str
    status: CheckStatus
    details: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "details": list(self.details)}


@dataclass
class ConformanceReport:
    """Every check's outcome, and the result of the main run (None when it failed)."""

    ait: str
    inputs: InputSource
    checks: list[CheckOutcome] = field(default_factory=list)
    result: AITRunResult | None = None

    @property
    def passed(self) -> bool:
        """No check failed (warnings and skips allowed)."""
        return all(c.status != "fail" for c in self.checks)

    @property
    def failures(self) -> list[str]:
        """One line per problem of the failed checks."""
        return [f"{c.name}: {d}" for c in self.checks if c.status == "fail"
                for d in (c.details or ("failed",))]

    def to_json(self) -> dict[str, Any]:
        return {"ait": self.ait, "inputs": self.inputs, "passed": self.passed,
                "checks": [c.to_json() for c in self.checks]}


def _outcome(name: str, fails: list[str], passes: list[str] | None = None,
             warns: list[str] | None = None) -> CheckOutcome:
    if fails:
        return CheckOutcome(name, "fail", tuple(fails))
    if warns:
        return CheckOutcome(name, "warn", tuple(warns))
    return CheckOutcome(name, "pass", tuple(passes or ()))


# ---------------------------------------------------------------- static checks


def _manifest_checks(ait: AIT) -> list[CheckOutcome]:
    m = ait.manifest
    fails: list[str] = []
    try:
        AITManifest.from_data(m.model_dump(mode="json"), source=f"manifest of {m.id!r}")
    except AIQMError as exc:
        fails.append(str(exc))
    guidelines = [load_guideline(ref) for ref in available_guidelines()]
    known_chars = {c for g in guidelines for c in g.characteristic_ids}
    fails += [f"characteristic {c!r} is defined by no packaged guideline"
              for c in m.characteristics if c not in known_chars]
    warns: list[str] = []
    for rid in m.requirements:
        owners = [g for g in guidelines if g.requirement(rid) is not None]
        if not owners:
            fails.append(f"requirement id {rid!r} is defined by no packaged guideline "
                         "(`aiqm guideline show aist-mlqm@3` lists the ids)")
    if not m.requirements:
        warns.append("declares no requirement ids; list the guideline requirements it "
                     "evidences in requirements=[...]")
    if not m.licenses:
        warns.append("declares no licence (licenses=[...])")
    reqs = ", ".join(m.requirements) or "none"
    out = [_outcome("manifest validates", fails,
                    [f"{m.ref}: characteristics {', '.join(m.characteristics)}; "
                     f"requirements {reqs}"], warns)]
    lacking = [f"parameter {p.name!r} lacks {'English' if not p.description else 'Japanese'} help"
               for p in m.parameters if not (p.description and p.description_ja)]
    out.append(_outcome("parameters have English and Japanese help", [],
                        [f"{len(m.parameters)} parameter(s)"], lacking))
    if ait.parameters_type is None:
        out.append(CheckOutcome("parameters class matches the manifest", "skip",
                                ("the AIT declares its parameters as a plain list",)))
    else:
        out.append(_outcome("parameters class matches the manifest",
                            parameters_class_problems(ait),
                            [f"{ait.parameters_type.__name__}: "
                             f"{', '.join(p.name for p in m.parameters) or 'no parameters'}"]))
    return out


def _parameter_check(m: AITManifest) -> CheckOutcome:
    fails: list[str] = []
    n = 0
    for name, values in invalid_values(m).items():
        for v in values:
            n += 1
            try:
                m.validate_parameters({name: v})
            except InvalidParameterError as exc:
                if f"The {name!r} parameter of AIT {m.id!r} must be" not in str(exc):
                    fails.append(f"parameter {name!r}: non-standard message {exc}")
            except Exception as exc:
                fails.append(f"parameter {name!r}: {v!r} raised {type(exc).__name__}: {exc}")
            else:
                fails.append(f"parameter {name!r} accepted the invalid value {v!r}")
    if not any(p.required for p in m.parameters):
        try:
            m.validate_parameters({})
        except AIQMError as exc:
            fails.append(f"the defaults are rejected: {exc}")
    return _outcome("bad parameter values are rejected", fails,
                    [f"{n} generated bad value(s) rejected with the standard message"
                     if n else "no parameters"])


# ---------------------------------------------------------------- runs


@dataclass
class _Run:
    result: AITRunResult | None
    error: BaseException | None = None


def _run(ait: AIT, kwargs: Mapping[str, Any], workdir: Path) -> _Run:
    try:
        return _Run(run_ait(ait, **{**kwargs, "workdir": workdir}))
    except Exception as exc:
        return _Run(None, exc)


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, AIQMError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        shown = ", ".join(_show(v) for v in value[:5])
        return f"[{shown}{', …' if len(value) > 5 else ''}]"
    return repr(value)


def _measure_problems(m: AITManifest, r: AITRunResult) -> list[str]:
    problems = list(r.problems)
    reported = set(r.measures) | set(r.undefined)
    problems += [f"declared measure {s.name!r} was neither reported nor undefined"
                 for s in m.measures if s.name not in reported]
    problems += [f"measure {n!r} is undefined without a reason"
                 for n, why in r.undefined.items() if not why]
    return problems


def _measure_lines(m: AITManifest, r: AITRunResult) -> list[str]:
    lines = []
    for s in m.measures:
        if s.name in r.measures:
            lines.append(f"{s.name} = {_show(r.measures[s.name])}")
        elif s.name in r.undefined:
            lines.append(f"{s.name} undefined: {r.undefined[s.name]}")
    return lines


def _resource_check(m: AITManifest, r: AITRunResult) -> CheckOutcome:
    """Declared resources produced and readable; none undeclared.

    A figure or table may depend on parameters (a per-slice table without slices),
    so one that is missing is a warning; an AIT that declares figures or tables and
    produces none of them fails.
    """
    fails: list[str] = []
    warns: list[str] = []
    passes: list[str] = []
    declared = {x.name for x in m.resources} | {d.name for d in m.downloads}
    fails += [f"resource {x['name']!r} is not declared" for x in r.resources
              if x["name"] not in declared]
    produced = {x["name"]: x for x in r.resources}
    for spec in m.resources:
        got = produced.get(spec.name)
        if got is None:
            warns.append(f"declared {spec.kind} {spec.name!r} was not produced on these inputs")
            continue
        problem = _resource_problem(spec.kind, Path(got["file"]))
        if problem:
            fails.append(f"{spec.kind} {spec.name!r}: {problem}")
        else:
            passes.append(f"{spec.kind} {spec.name!r} ({Path(got['file']).name})")
    if m.resources and not any(x.name in produced for x in m.resources):
        fails.append("none of the declared figures, tables and texts was produced: "
                     + ", ".join(x.name for x in m.resources))
    warns += [f"declared download {d.name!r} was not produced on these inputs"
              for d in m.downloads if d.name not in produced]
    if not m.resources and not m.downloads:
        passes.append("the AIT declares no figures, tables or texts")
    return _outcome("declared figures and tables are produced", fails, passes,
                    warns + passes if warns else None)


def _resource_problem(kind: str, path: Path) -> str:
    if not path.is_file() or path.stat().st_size == 0:
        return f"its file {path.name} is missing or empty"
    data = path.read_bytes()
    if kind == "figure":
        if data.startswith(b"\x89PNG") or b"<svg" in data[:4096]:
            return ""
        return "is neither SVG nor PNG"
    if kind == "table":
        try:
            table = json.loads(data)
        except ValueError as exc:
            return f"is not valid JSON ({exc})"
        if not isinstance(table, dict) or not isinstance(table.get("columns"), list):
            return "has no columns"
    return ""


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


_TIMING = re.compile(r"(^|_)(ms|seconds|secs|per_s|latency|throughput|duration|time)(_|$)")


def _is_timing(name: str, unit: str = "") -> bool:
    """Timings differ from run to run by nature; the determinism check leaves them out."""
    return unit in ("s", "ms", "seconds") or bool(_TIMING.search(name))


def _tables(r: AITRunResult) -> dict[str, Any]:
    """Each produced table's rows, without its timing columns."""
    out = {}
    for x in r.resources:
        path = Path(x["file"])
        if x["kind"] != "table" or not path.is_file():
            continue
        table = json.loads(path.read_text("utf-8"))
        keep = [i for i, c in enumerate(table.get("columns", [])) if not _is_timing(str(c))]
        out[x["name"]] = [[row[i] for i in keep if i < len(row)] for row in table.get("rows", [])]
    return out


def _determinism_check(m: AITManifest, first: AITRunResult, second: _Run,
                       params: Mapping[str, Any]) -> CheckOutcome:
    name = "deterministic under a seed"
    if second.result is None:
        assert second.error is not None
        return CheckOutcome(name, "fail", (f"the second run failed: {_describe_error(second.error)}",))
    again = second.result
    timings = {s.name for s in m.measures if _is_timing(s.name, s.unit)}
    compared = sorted((set(first.measures) | set(again.measures)) - timings)
    fails = [f"measure {k!r}: {_show(first.measures.get(k))} then {_show(again.measures.get(k))}"
             for k in compared if not _same(first.measures.get(k), again.measures.get(k))]
    fails += [f"measure {k!r} is undefined in one run only"
              for k in sorted((set(first.undefined) ^ set(again.undefined)) - timings)]
    t1, t2 = _tables(first), _tables(again)
    fails += [f"table {k!r} differs between the runs" for k in sorted(t1)
              if not _same(t1[k], t2.get(k))]
    seeds = [f"{p.name}={params.get(p.name)!r}" for p in m.parameters if _is_seed(p.name)]
    how = f"seed {', '.join(seeds)}" if seeds else "no seed parameter"
    passes = [f"two runs ({how}): same measures and tables"]
    if timings:
        passes.append("timings not compared: " + ", ".join(sorted(timings)))
    return _outcome(name, fails, passes)


def _is_seed(name: str) -> bool:
    return name in _SEED_NAMES or name.endswith("_seed")


def _edge_check(name: str, m: AITManifest, run: _Run | None, why_skipped: str) -> CheckOutcome:
    if run is None:
        return CheckOutcome(name, "skip", (why_skipped,))
    if run.result is None:
        assert run.error is not None
        if isinstance(run.error, AIQMError):
            return CheckOutcome(name, "pass", (f"refused with a clear error: {run.error}",))
        return CheckOutcome(name, "fail", (
            f"crashed with {_describe_error(run.error)}; report the measures as undefined "
            "(ctx.undefined) or raise aiqm.exceptions.DataError with a message that says "
            "what is wrong",))
    return _outcome(name, _measure_problems(m, run.result),
                    ["completed: " + ("; ".join(_measure_lines(m, run.result)) or "no measures")])


# ---------------------------------------------------------------- inputs


def _shrink(data: Any, rows: int) -> Any:
    """The first ``rows`` rows of a dataset given as DataFrame, Table, mapping or path."""
    import pyarrow as pa  # lazy: aiqm.testing loads as a plugin, keep it light

    if isinstance(data, str | Path):
        data = read_table(Path(data))
    if isinstance(data, pa.Table):
        return data.slice(0, rows)
    if isinstance(data, Mapping):
        return {k: list(v)[:rows] for k, v in data.items()}
    return data.iloc[:rows]


InputMaker = Callable[[Path, "int | None"], dict[str, Any]]


def _input_maker(ait: AIT, given: Mapping[str, Any]) -> tuple[InputSource, InputMaker]:
    if any(k in given for k in _INPUT_KEYS):
        def from_given(workdir: Path, rows: int | None) -> dict[str, Any]:
            out = {k: v for k, v in given.items() if k in _INPUT_KEYS}
            if rows is not None:
                out["datasets"] = {s: _shrink(d, rows) for s, d in given.get("datasets", {}).items()}
            return out
        return "given", from_given
    factory = ait.example_factory
    if factory is not None:
        def from_example(workdir: Path, rows: int | None) -> dict[str, Any]:
            workdir.mkdir(parents=True, exist_ok=True)
            return dict(factory(workdir, rows))
        return "example", from_example

    def generate(workdir: Path, rows: int | None) -> dict[str, Any]:
        return generated_inputs(ait.manifest, workdir, rows)
    return "generated", generate


def _seeded(m: AITManifest, params: dict[str, Any]) -> dict[str, Any]:
    """A nullable seed parameter left at None (random) gets 0, so two runs can agree."""
    out = dict(params)
    for p in m.parameters:
        if _is_seed(p.name) and out.get(p.name, p.default) is None and p.type == "int":
            out[p.name] = 0
    return out


def conformance_report(
    ait: AIT,
    *,
    determinism: bool = True,
    edge_cases: bool = True,
    quiet: bool = False,
    workdir: str | Path | None = None,
    **run_kwargs: Any,
) -> ConformanceReport:
    """Run every check of the conformance suite on ``ait``.

    Parameters
    ----------
    ait : AIT
        The AIT to check.
    determinism : bool, default=True
        Run it a second time with the same inputs and compare measures and tables.
    edge_cases : bool, default=True
        Run it on empty and on single-row datasets.
    quiet : bool, default=False
        Keep the AIT's log lines and Python warnings from being printed (the
        command line prints the checks instead).
    workdir : path, default=None
        Folder for the runs (a temporary folder when omitted).
    **run_kwargs
        Inputs and parameters as for :func:`aiqm.testing.run_ait` (``datasets``,
        ``targets``, ``models``, ``documents``, ``inputs``, ``params``). Without
        inputs, the AIT's example (or generated inputs) is used; ``params`` are
        laid over the example's.

    Returns
    -------
    ConformanceReport
    """
    wd = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="aiqm-check-"))
    with _quiet() if quiet else nullcontext():
        return _checks(ait, wd, determinism, edge_cases, run_kwargs)


@contextmanager
def _quiet() -> Iterator[None]:
    """The AITs' log lines (logger ``aiqm.ait.<id>``) and warnings are not printed."""
    log = logging.getLogger("aiqm.ait")
    handler, propagate = logging.NullHandler(), log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.removeHandler(handler)
        log.propagate = propagate


def _checks(ait: AIT, wd: Path, determinism: bool, edge_cases: bool,
            run_kwargs: Mapping[str, Any]) -> ConformanceReport:
    m = ait.manifest
    source, make = _input_maker(ait, run_kwargs)
    report = ConformanceReport(ait=m.ref, inputs=source)
    report.checks += _manifest_checks(ait)
    report.checks.append(_parameter_check(m))

    def inputs(label: str, rows: int | None) -> dict[str, Any]:
        made = make(wd / f"inputs-{label}", rows)
        params = {**dict(made.get("params") or {}), **dict(run_kwargs.get("params") or {})}
        return {**made, "params": _seeded(m, params)}

    try:
        main_inputs = inputs("main", None)
    except Exception as exc:
        report.checks.append(CheckOutcome(f"runs on {source} inputs", "fail",
                                          (f"making the inputs failed: {_describe_error(exc)}",)))
        return report
    first = _run(ait, main_inputs, wd / "run-1")
    names = ["declared measures are reported with their types and ranges",
             "declared figures and tables are produced", "deterministic under a seed",
             "empty input", "single-row input"]
    if first.result is None:
        assert first.error is not None
        report.checks.append(CheckOutcome(f"runs on {source} inputs", "fail",
                                          (_describe_error(first.error),)))
        report.checks += [CheckOutcome(n, "skip", ("the AIT did not run",)) for n in names]
        return report
    result = report.result = first.result
    report.checks.append(CheckOutcome(f"runs on {source} inputs", "pass",
                                      (_input_summary(main_inputs),)))
    report.checks.append(_outcome(names[0], _measure_problems(m, result), _measure_lines(m, result)))
    report.checks.append(_resource_check(m, result))
    if determinism:
        report.checks.append(_determinism_check(
            m, result, _run(ait, inputs("again", None), wd / "run-2"), main_inputs["params"]))
    else:
        report.checks.append(CheckOutcome(names[2], "skip", ("not asked for",)))
    shrinks = source == "example" or bool(main_inputs.get("datasets"))
    for label, rows, title in (("empty", 0, names[3]), ("single", 1, names[4])):
        run = None
        if edge_cases and shrinks:
            try:
                run = _run(ait, inputs(label, rows), wd / f"run-{label}")
            except Exception as exc:  # the example could not make that size
                run = _Run(None, exc)
        report.checks.append(_edge_check(
            title, m, run, "not asked for" if not edge_cases else "no dataset input to shrink"))
    return report


def _rows(data: Any) -> Any:
    if isinstance(data, Mapping):
        return len(next(iter(data.values()), []))
    return getattr(data, "num_rows", None) or len(data)


def _input_summary(kwargs: Mapping[str, Any]) -> str:
    parts = [f"{slot}: dataset {Path(data).name}" if isinstance(data, str | Path)
             else f"{slot}: dataset of {_rows(data)} rows"
             for slot, data in (kwargs.get("datasets") or {}).items()]
    parts += [f"{slot}: model {model if isinstance(model, str | Path) else type(model).__name__}"
              for slot, model in (kwargs.get("models") or {}).items()]
    parts += [f"{slot}: document {Path(p).name}" for slot, p in (kwargs.get("documents") or {}).items()]
    params = kwargs.get("params") or {}
    if params:
        parts.append("parameters " + ", ".join(f"{k}={v!r}" for k, v in params.items()))
    return "; ".join(parts) or "no inputs"


def file_inputs(
    manifest: AITManifest, files: Mapping[str, str | Path], targets: Mapping[str, str],
    params: Mapping[str, Any], *, trusted: bool = False,
) -> dict[str, Any]:
    """Keyword arguments of :func:`run_ait` for files given per slot (``aiqm ait check -i``).

    Raises
    ------
    InputError
        For an unknown slot, a missing file, a target on a slot that is not a dataset,
        or a joblib/pickle model without ``trusted``.
    """
    kinds = {s.name: s.kind for s in manifest.inventories}
    out: dict[str, Any] = {}
    for slot, text in files.items():
        kind = kinds.get(slot)
        if kind is None:
            raise InputError(f"AIT {manifest.id!r} has no input slot {slot!r}; its slots are: "
                             f"{', '.join(kinds) or 'none'}")
        path = Path(text)
        if not path.exists():
            raise InputError(f"--input {slot}={text}: no such file or folder")
        if kind == "model" and path.suffix.lower() in _PICKLES and not trusted:
            raise UntrustedModelError(
                f"--input {slot}={text} is a {path.suffix[1:]} file; loading it runs arbitrary "
                "code stored in the file: add --trusted if it comes from a source you trust")
        key = {"dataset": "datasets", "model": "models"}.get(kind, "documents")
        out.setdefault(key, {})[slot] = path
    for slot in targets:
        if kinds.get(slot) != "dataset":
            raise InputError(f"--target {slot}=…: {slot!r} is not a dataset slot of AIT "
                             f"{manifest.id!r}")
    if targets:
        out["targets"] = dict(targets)
    if params:
        out["params"] = dict(params)
    return out
