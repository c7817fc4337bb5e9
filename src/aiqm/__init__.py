"""aiqm: an AI quality evaluation testbed.

Guidelines as data, AIT plugins, judged results and auditable reports. The
public Python API is re-exported here; see ``docs/`` for the user guide.

Importing :mod:`aiqm` is cheap: the names that need the engine, the stores and
the report layer load on first use (PEP 562, from :mod:`aiqm._api`), so every
``aiqm`` command, which imports this package first, starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiqm._version import __version__
from aiqm.exceptions import AIQMError, InputError, InvalidParameterError

if TYPE_CHECKING:
    from aiqm._api import (
        AIT,
        AITManifest,
        Context,
        Criterion,
        ProjectFile,
        RunOptions,
        RunSummary,
        Status,
        TDResult,
        TestDescription,
        ait,
        build_run_report,
        create_demo_project,
        init_project,
        load_project,
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


def __getattr__(name: str) -> object:
    """Load the public API on first use (PEP 562)."""
    if name not in __all__:
        raise AttributeError(f"module 'aiqm' has no attribute {name!r}")
    from aiqm import _api  # lazy: the API pulls in the engine, stores and reports (~0.3 s)

    value = getattr(_api, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names (whether loaded yet or not)."""
    return sorted(__all__)
