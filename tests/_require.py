"""Skip a test when a system component or optional extra is missing — but fail under CI.

CI (``.ci/run``) installs everything, so a missing component there is a broken CI set-up,
not a reason to skip. On a developer's machine the test is skipped with the install hint.

    from tests._require import require, require_module
    torch = require_module("torch", "pip install 'aiqm[vision]'")
    require(shutil.which("pdftotext") is not None, "apt-get install poppler-utils")
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

__all__ = ["in_ci", "require", "require_module"]


def in_ci() -> bool:
    """Whether the suite runs under CI (``CI`` set to a true value)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(condition: bool, reason: str) -> None:
    """Skip (or, under CI, fail) the calling test unless ``condition`` holds."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"required under CI but missing: {reason}")
    pytest.skip(reason)


def require_module(name: str, install: str) -> ModuleType:
    """Import ``name`` or skip (fail under CI) with the command that installs it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        require(False, f"{name} is not importable ({exc}); install it with: {install}")
        raise  # unreachable: require() skipped or failed
