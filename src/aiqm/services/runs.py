"""Use case: run a project's tests and store the judged results.

The orchestration is the engine's (:func:`aiqm.engine.runner.execute_run`);
this module loads the project, opens its stores and hands them over.
"""

from __future__ import annotations

from pathlib import Path

from aiqm import storage
from aiqm.core.project import load_project
from aiqm.core.results import RunRecord
from aiqm.engine.events import AITPreparing, EventSink, RunEvent, RunPlanned, TaskEvent
from aiqm.engine.runner import RunOptions, RunSummary, execute_run, new_run_id, parse_project_dict
from aiqm.services.store import open_existing_store

__all__ = [
    "AITPreparing",
    "EventSink",
    "RunEvent",
    "RunOptions",
    "RunPlanned",
    "RunSummary",
    "TaskEvent",
    "list_runs",
    "new_run_id",
    "parse_project_dict",
    "run_project",
]


def run_project(
    project_dir: str | Path,
    options: RunOptions | None = None,
    on_event: EventSink | None = None,
) -> RunSummary:
    """Run a project's tests, committing each result as soon as it is known.

    Parameters
    ----------
    project_dir : path
        The folder holding ``aiqm.yaml``.
    options : RunOptions, default=None
        Overrides of the project's settings.
    on_event : callable, default=None
        Receives one :class:`~aiqm.engine.events.RunPlanned` event, then
        :class:`~aiqm.engine.events.TaskEvent` objects.

    Returns
    -------
    RunSummary
        The run record and its results; ``exit_code`` is 0 when every test is OK.

    Raises
    ------
    InputError
        For a bad project file, a missing or changed input, an unknown AIT, a bad
        parameter … (nothing is stored then).

    Examples
    --------
    A data-quality test on a two-row CSV, run in this process:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "data.csv").write_text("age,income\\n31,2.5\\n45,\\n")
    ...     _ = (Path(tmp) / "aiqm.yaml").write_text(
    ...         "component: {name: demo, task: other, guideline: aist-mlqm@3}\\n"
    ...         "inventories: {data: {kind: dataset, path: data.csv}}\\n"
    ...         "tests:\\n"
    ...         "  - {name: completeness, characteristic: B-3, ait: data_completeness@1,\\n"
    ...         "     inventories: {dataset: data},\\n"
    ...         "     criteria: [{measure: missing_ratio, op: '<=', value: 0.1}]}\\n")
    ...     summary = run_project(tmp, RunOptions(executor="inline"))
    >>> summary.counts["NG"], summary.exit_code
    (1, 1)
    >>> summary.results[0].measure("missing_ratio").value
    0.25
    """
    project, root = load_project(project_dir)
    store, artifacts = storage.open_project_store(root)
    try:
        return execute_run(project, root, store, artifacts, options, on_event)
    finally:
        store.close()


def list_runs(directory: str | Path, limit: int = 20) -> list[tuple[RunRecord, dict[str, int]]]:
    """The stored runs of a project, newest first, each with its number of results per status.

    Raises
    ------
    InputError
        When the project has no stored runs yet.
    """
    store, _ = open_existing_store(directory)
    try:
        return store.list_runs(limit=limit)
    finally:
        store.close()
