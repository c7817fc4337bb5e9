"""aiqm: an AI quality evaluation testbed.

Guidelines as data, AIT plugins, judged results and auditable reports. The
public Python API is re-exported here; see ``docs/`` for the user guide.
"""

from __future__ import annotations

from aiqm._version import __version__
from aiqm.core.manifest import AITManifest
from aiqm.core.project import ProjectFile, load_project
from aiqm.core.results import Status, TDResult
from aiqm.core.testdesc import Criterion, TestDescription
from aiqm.exceptions import AIQMError, InputError, InvalidParameterError
from aiqm.plugins.sdk import AIT, Context, ait
from aiqm.services import (
    RunOptions,
    RunSummary,
    build_run_report,
    create_demo_project,
    init_project,
    run_project,
    write_report,
)

__all__ = [
    "AIT",
    "AIQMError",
    "AITManifest",
    "Context",
    "Criterion",
    "InputError",
    "InvalidParameterError",
    "ProjectFile",
    "RunOptions",
    "RunSummary",
    "Status",
    "TDResult",
    "TestDescription",
    "__version__",
    "ait",
    "build_run_report",
    "create_demo_project",
    "init_project",
    "load_project",
    "run_project",
    "write_report",
]
