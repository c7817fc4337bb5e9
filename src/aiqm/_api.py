"""The public Python API, imported whole: :mod:`aiqm` loads this module on first use of a name."""

from __future__ import annotations

from aiqm.core.manifest import AITManifest
from aiqm.core.project import ProjectFile, load_project
from aiqm.core.results import Status, TDResult
from aiqm.core.testdesc import Criterion, TestDescription
from aiqm.plugins.sdk import AIT, Context, ait
from aiqm.services.demo import create_demo_project
from aiqm.services.projects import init_project
from aiqm.services.reports import build_run_report, write_report
from aiqm.services.runs import RunOptions, RunSummary, run_project

__all__ = [
    "AIT",
    "AITManifest",
    "Context",
    "Criterion",
    "ProjectFile",
    "RunOptions",
    "RunSummary",
    "Status",
    "TDResult",
    "TestDescription",
    "ait",
    "build_run_report",
    "create_demo_project",
    "init_project",
    "load_project",
    "run_project",
    "write_report",
]
