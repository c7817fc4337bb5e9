"""The runner: plan a project's tests, execute them and commit each judged result.

:func:`execute_run` is the whole run of DESIGN §5 on a store it is given: resume
lookup, inventory resolution and digest checks, planning, cache reuse, the
executor, judging (criteria, declared measure types and ranges), artifact
ingestion and committing each result as soon as it is known. It knows the
stores only through the protocols of :mod:`aiqm.core.stores`, so the engine
never imports :mod:`aiqm.storage`; :func:`aiqm.services.runs.run_project`
opens the project's stores and calls it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from aiqm.core.criteria import check_measures, judge
from aiqm.core.levels import check_levels
from aiqm.core.project import ProjectFile, parse_project
from aiqm.core.results import (
    CriterionOutcome,
    MeasureValue,
    ResourceRef,
    RunRecord,
    Status,
    TDResult,
)
from aiqm.core.stores import ArtifactStoreProtocol, RunStore
from aiqm.engine.environment import capture_environment
from aiqm.engine.events import AITPreparing, EventSink, RunPlanned, TaskEvent
from aiqm.engine.executors import ProcessExecutor, make_executor
from aiqm.engine.guidelines import GuidelineSource, resolve_guidelines
from aiqm.engine.inventories import check_digests, resolve_inventories
from aiqm.engine.planner import PlannedTest, plan_tests
from aiqm.engine.task import TaskOutput
from aiqm.exceptions import InputError
from aiqm.plugins.manager import load_registry
from aiqm.qunomon.store import default_store_root

__all__ = [
    "RunOptions",
    "RunSummary",
    "build_result",
    "execute_run",
    "new_run_id",
    "parse_project_dict",
]


@dataclass
class RunOptions:
    """Overrides of the project's settings for one run (None = use the project's).

    Examples
    --------
    >>> RunOptions(executor="inline", select=["accuracy"]).executor
    'inline'
    """

    executor: str | None = None
    workers: int | None = None
    timeout: float | None = None
    memory_limit_mb: int | None = None
    use_cache: bool | None = None
    resume: bool | str = False
    accept_changes: bool = False
    select: Sequence[str] = ()
    plugins: Sequence[str] = ()
    entry_points: bool = True


@dataclass
class RunSummary:
    """What a run produced.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> run = RunRecord(id="r1", project_dir=".", component="demo",
    ...                 created_at=datetime(2024, 1, 1, tzinfo=UTC))
    >>> RunSummary(run).exit_code, RunSummary(run).counts["OK"]
    (0, 0)
    """

    run: RunRecord
    results: list[TDResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        c = {s.value: 0 for s in Status}
        for r in self.results:
            c[r.status.value] += 1
        return c

    @property
    def exit_code(self) -> int:
        """0 when every test is OK, 1 otherwise."""
        return 0 if all(r.status == Status.OK for r in self.results) else 1

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run.id,
            "status": self.run.status,
            "counts": self.counts,
            "exit_code": self.exit_code,
            "tests": [
                {
                    "name": r.td_name, "characteristic": r.characteristic,
                    "ait": f"{r.ait_id}@{r.ait_version}", "status": r.status.value,
                    "measures": {m.name: m.value for m in r.measures},
                    "criteria": [c.model_dump(mode="json") for c in r.criteria],
                    "error": r.error, "cached_from": r.cached_from,
                    "duration_s": r.duration_s,
                }
                for r in self.results
            ],
        }


def new_run_id() -> str:
    """A sortable run id: UTC timestamp plus random suffix, e.g. ``20261129-130512-3fa9c1``."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def parse_project_dict(config: dict[str, Any]) -> ProjectFile:
    """Rebuild a project from the config snapshot stored with a run."""
    return parse_project(yaml.safe_dump(config), source="<stored run config>")


def _guideline_files(
    sources: Sequence[GuidelineSource], artifacts: ArtifactStoreProtocol, store: RunStore
) -> dict[str, Any]:
    """Custom guideline files, stored as artifacts so a report reads the version that was used."""
    out: dict[str, Any] = {}
    for src in sources:
        if src.text is None:
            continue
        data = src.text.encode("utf-8")
        digest = artifacts.put_bytes(data)
        store.record_artifact(digest, len(data), "application/yaml")
        out[src.ref] = {"guideline": src.guideline.ref, "digest": digest}
    return {"guideline_files": out} if out else {}


def _ingest(
    spec_dir: Path, resources: list[dict[str, Any]], artifacts: ArtifactStoreProtocol,
    store: RunStore,
) -> list[ResourceRef]:
    refs: list[ResourceRef] = []
    for r in resources:
        path = Path(r["file"])
        if not path.is_file() or spec_dir not in path.resolve().parents:
            continue  # only files the task wrote into its own folder
        digest = artifacts.put_file(path)
        size = path.stat().st_size
        store.record_artifact(digest, size, r["media_type"])
        refs.append(ResourceRef(
            name=r["name"], kind=r["kind"], media_type=r["media_type"], digest=digest,
            size=size, filename=path.name,
        ))
    return refs


def build_result(
    p: PlannedTest, out: TaskOutput, workdir: Path, artifacts: ArtifactStoreProtocol,
    store: RunStore,
) -> TDResult:
    """Judge a task output and turn it into a stored TD result (artifacts ingested)."""
    resources = _ingest(workdir.resolve(), out.resources, artifacts, store)
    log_ref = None
    log_path = workdir / "log.txt"
    if log_path.is_file() and log_path.stat().st_size:
        digest = artifacts.put_file(log_path)
        size = log_path.stat().st_size
        store.record_artifact(digest, size, "text/plain")
        log_ref = ResourceRef(name="log", kind="log", media_type="text/plain", digest=digest,
                              size=size, filename="log.txt")
    measures: list[MeasureValue] = list(out.measures)
    error = out.error
    if out.status == "completed":
        problems = check_measures(p.ait.manifest, measures)
        if problems:
            error = "the AIT reported invalid measures: " + "; ".join(problems)
    outcomes: list[CriterionOutcome]
    if error is not None:
        status, outcomes = Status.ERR, []
    else:
        status, outcomes = judge(p.td.criteria, measures)
    reqs = list(p.requirements)
    return TDResult(
        td_name=p.td.name, characteristic=p.td.characteristic, requirements=reqs,
        ait_id=p.ait.manifest.id, ait_version=p.ait.manifest.version, parameters=p.params,
        inputs=list(p.input_refs), status=status, measures=measures, criteria=outcomes,
        resources=resources, error=error, log=log_ref, started_at=out.started_at,
        finished_at=out.finished_at,
        duration_s=(out.finished_at - out.started_at).total_seconds(), cache_key=p.cache_key,
    )


def _ait_digests(planned: Sequence[PlannedTest]) -> dict[str, Any]:
    """The package digest of every stored-package AIT (imported Qunomon AITs) the run uses."""
    found = {p.ait.manifest.ref: p.ait.digest for p in planned if p.ait.digest}
    return {"ait_packages": found} if found else {}


def _prepare(todo: Sequence[PlannedTest], emit: EventSink) -> None:
    """Let each AIT get ready before its tests start (imported AITs build their environment)."""
    seen: set[str] = set()
    for p in todo:
        ref = p.ait.manifest.ref
        if ref in seen:
            continue
        seen.add(ref)

        def progress(line: str, ref: str = ref) -> None:
            emit(AITPreparing(ref, line))

        p.ait.prepare(progress)


def _resumable(store: RunStore, root: Path, resume: bool | str) -> RunRecord | None:
    if not resume:
        return None
    resumed = store.get_run(resume) if isinstance(resume, str) else store.latest_unfinished_run(str(root))
    if resumed is None:
        raise InputError("there is no interrupted run of this project to resume; run without --resume")
    if resumed.status == "finished":
        raise InputError(f"run {resumed.id} is already finished; nothing to resume")
    return resumed


def execute_run(
    project: ProjectFile,
    root: Path,
    store: RunStore,
    artifacts: ArtifactStoreProtocol,
    options: RunOptions | None = None,
    on_event: EventSink | None = None,
) -> RunSummary:
    """Run a project's tests on the given stores, committing each result as soon as it is known.

    Parameters
    ----------
    project : ProjectFile
        The loaded project file (a resumed run uses the configuration stored with it).
    root : Path
        The project folder; work files go to ``root/.aiqm/``.
    store : RunStore
        Where the run, its results and the registered inventories are recorded.
    artifacts : ArtifactStoreProtocol
        Where figures, tables, logs and custom guideline files are stored.
    options : RunOptions, default=None
        Overrides of the project's settings.
    on_event : callable, default=None
        Receives one :class:`~aiqm.engine.events.RunPlanned`, then
        :class:`~aiqm.engine.events.TaskEvent` objects.

    Returns
    -------
    RunSummary

    Raises
    ------
    InputError
        For a missing or changed input, an unknown AIT, a bad parameter, an
        unknown executor … (reported before anything is stored).
    """
    opts = options or RunOptions()
    emit: EventSink = on_event or (lambda e: None)
    resumed = _resumable(store, root, opts.resume)
    if resumed is not None:
        project = parse_project_dict(resumed.config)
    s = project.settings
    executor_name = opts.executor or s.executor
    plugins = list(dict.fromkeys([*s.plugins, *opts.plugins]))
    use_cache = s.cache if opts.use_cache is None else opts.use_cache

    tests = list(project.tests)
    if opts.select:
        names = {t.name for t in tests}
        unknown = [n for n in opts.select if n not in names]
        if unknown:
            raise InputError(f"no test named {unknown[0]!r}; tests: {', '.join(sorted(names))}")
        tests = [t for t in tests if t.name in set(opts.select)]
    if not tests:
        raise InputError("the project has no tests; add some under 'tests' in aiqm.yaml")

    if executor_name == "process":
        ProcessExecutor.warm_up()
    cache_dir = root / ".aiqm" / "cache"
    used = {n for t in tests for n in t.inventories.values()}
    resolved = resolve_inventories(project, root, cache_dir, names=used)
    registered = {k: v["digest"] for k, v in store.registered_inventories().items()}
    if resumed is not None:
        registered = {k: v["digest"] for k, v in resumed.inventories.items()}
    pinned = {n: getattr(inv, "digest", None) for n, inv in project.inventories.items()}
    if opts.accept_changes and resumed is None:
        check_digests(resolved, {}, pinned)
    else:
        check_digests(resolved, registered, pinned)
    ait_store = str(default_store_root())
    registry = load_registry(plugins, entry_points=opts.entry_points)
    sources = resolve_guidelines(project.component.guidelines, root)
    guidelines = [src.guideline for src in sources]
    check_levels(project.component.levels, guidelines)
    planned = plan_tests(tests, registry, resolved, guidelines)
    executor = make_executor(executor_name, workers=opts.workers or s.workers, registry=registry)
    for name, r in resolved.items():
        if registered.get(name) != r.digest and resumed is None:
            store.register_inventory(name, r.kind, r.path, r.digest)

    if resumed is not None:
        run = resumed
        done = {r.td_name for r in store.results(run.id)}
        store.set_run_status(run.id, "running")
    else:
        run = RunRecord(
            id=new_run_id(), project_dir=str(root), component=project.component.name,
            executor=executor_name, created_at=datetime.now(UTC),
            config=project.model_dump(mode="json", exclude_none=True),
            environment={**capture_environment(), **_guideline_files(sources, artifacts, store),
                         **_ait_digests(planned)},
            inventories={n: r.record() for n, r in resolved.items()},
        )
        store.create_run(run)
        done = set()
    run_dir = root / ".aiqm" / "runs" / run.id
    emit(RunPlanned(run.id, tuple(p.td.name for p in planned), tuple(sorted(done))))

    todo: list[PlannedTest] = []
    for p in planned:
        if p.td.name in done:
            continue
        cached = store.find_cached(p.cache_key) if use_cache else None
        if cached is not None:
            copy = cached.model_copy(update={
                "td_name": p.td.name, "characteristic": p.td.characteristic,
                "requirements": list(p.requirements),
                "cached_from": cached.cached_from,
            })
            status, outcomes = judge(p.td.criteria, copy.measures)
            copy = copy.model_copy(update={"status": status, "criteria": outcomes})
            store.save_result(run.id, copy, p.index)
            emit(TaskEvent("finished", p.td.name, status="cached"))
            continue
        todo.append(p)

    _prepare(todo, emit)
    by_name = {p.td.name: p for p in todo}
    specs = [
        p.task(run_id=run.id, run_dir=run_dir, cache_dir=cache_dir, plugins=plugins,
               timeout=opts.timeout or s.timeout,
               memory_limit_mb=opts.memory_limit_mb or s.memory_limit_mb,
               entry_points=opts.entry_points, ait_store=ait_store)
        for p in todo
    ]
    try:
        for out in executor.run(specs, on_event=emit):
            p = by_name[out.td_name]
            spec = next(sp for sp in specs if sp.td_name == out.td_name)
            result = build_result(p, out, Path(spec.workdir), artifacts, store)
            store.save_result(run.id, result, p.index)
    except BaseException:
        store.set_run_status(run.id, "interrupted")
        raise
    store.set_run_status(run.id, "finished", datetime.now(UTC))
    final = store.get_run(run.id)
    return RunSummary(run=final, results=store.results(run.id))
