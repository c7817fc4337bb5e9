"""Use case: compare two runs (stored runs, or report JSON files)."""

from __future__ import annotations

from pathlib import Path

from aiqm.exceptions import InputError
from aiqm.report.builder import load_report
from aiqm.report.compare import Comparison, compare_reports
from aiqm.report.model import Report
from aiqm.services.reports import build_run_report
from aiqm.services.store import open_existing_store
from aiqm.storage.protocol import RunStore

__all__ = ["compare_runs", "load_side"]


def load_side(ref: str, project: str | Path, store: RunStore | None) -> Report:
    """The report of one side: a ``report.json`` file, or a run of the project's store.

    Parameters
    ----------
    ref : str
        A path to a report JSON file (ends with ``.json`` and exists), or a run id,
        id prefix or ``latest``.
    project : str or Path
        The project folder, for messages.
    store : RunStore or None
        The project's run store; None when it has none.
    """
    path = Path(ref)
    if ref.endswith(".json"):
        if not path.is_file():
            raise InputError(f"report file {ref} does not exist; pass a report.json or a run id")
        return load_report(path.read_bytes())
    if store is None:
        raise InputError(
            f"no runs are stored in {Path(project).resolve()}; run `aiqm run` first, pass the "
            "project folder with --project, or compare two report.json files"
        )
    return build_run_report(store, ref)


def compare_runs(
    before: str, after: str, project: str | Path = ".", *, tolerance: float = 0.0
) -> Comparison:
    """Compare run ``before`` (the baseline) with run ``after``.

    Parameters
    ----------
    before, after : str
        Run ids (or prefixes, or ``latest``) of the project, or paths to report
        JSON files (``aiqm report RUN --format json``), which may come from
        another machine.
    project : str or Path, default="."
        The project folder whose store holds the runs.
    tolerance : float, default=0.0
        How far a measure may move the wrong way before it is a regression.

    Returns
    -------
    aiqm.report.compare.Comparison
    """
    store = None
    if not (before.endswith(".json") and after.endswith(".json")):
        store, _ = open_existing_store(project)
    try:
        a = load_side(before, project, store)
        b = load_side(after, project, store)
    finally:
        if store is not None:
            store.close()
    return compare_reports(a, b, tolerance=tolerance)
