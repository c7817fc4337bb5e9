"""Use cases shared by the CLI, the web app and the Python API."""

from __future__ import annotations

from aiqm.services.demo import create_demo_project
from aiqm.services.projects import init_project
from aiqm.services.reports import build_run_report, render_report, write_report
from aiqm.services.runs import RunOptions, RunSummary, run_project

__all__ = [
    "RunOptions",
    "RunSummary",
    "build_run_report",
    "create_demo_project",
    "init_project",
    "render_report",
    "run_project",
    "write_report",
]
