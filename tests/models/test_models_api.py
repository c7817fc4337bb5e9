from __future__ import annotations

import os
import sys

import aiqm.models


def _isort_key(name: str) -> tuple[int, str]:
    # ruff RUF022 order: CONSTANTS, then Classes, then functions
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def test_all_is_sorted_and_exported() -> None:
    assert list(aiqm.models.__all__) == sorted(aiqm.models.__all__, key=_isort_key)
    for name in aiqm.models.__all__:
        assert hasattr(aiqm.models, name), name


def test_import_is_light() -> None:
    # heavy runtimes load only when a model of that kind is loaded
    import subprocess

    code = (
        "import sys, aiqm.data, aiqm.models; "
        "heavy = [m for m in ('onnxruntime', 'skops', 'sklearn', 'pandas', 'joblib') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == ""
