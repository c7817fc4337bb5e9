"""Capture the execution environment for run records and reports."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

import psutil

__all__ = ["capture_environment"]

_PACKAGES = (
    "aiqm", "numpy", "pyarrow", "pandas", "scikit-learn", "scipy", "skops", "onnxruntime",
    "pydantic", "sqlalchemy", "matplotlib", "jinja2", "polars", "fairlearn",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def capture_environment() -> dict[str, Any]:
    """Python, OS, CPU, memory and the versions of the packages that matter."""
    packages: dict[str, str] = {}
    for name in _PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    try:
        memory = int(psutil.virtual_memory().total)
    except Exception:  # pragma: no cover
        memory = 0
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "os": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "cpu": {"model": _cpu_model(), "count": os.cpu_count() or 0},
        "memory_bytes": memory,
        "packages": packages,
    }
