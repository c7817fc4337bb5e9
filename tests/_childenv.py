"""A throw-away Python environment layered over the test environment, for installing AITs.

Tests of ``aiqm ait new`` and of the authoring tutorial install generated packages with
``pip install -e``; doing that in the test environment itself would register their AITs
for every later test. A child environment (``python -m venv --without-pip``) gets a
``.pth`` line that adds the test environment's site-packages, so aiqm, pip, pytest and the
build backend (hatchling, from ``aiqm[author]``) come from there, while what the test
installs lands in the child only. Installs use ``--no-deps --no-build-isolation``: nothing
is fetched from an index.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ChildEnv", "make_child_env"]


@dataclass(frozen=True)
class ChildEnv:
    root: Path
    python: Path
    bin: Path  # shims: aiqm, pip, pytest, python — put first on PATH

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for commands run in the child (shims first on PATH)."""
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env.setdefault("MPLBACKEND", "Agg")
        env.update(extra)
        return env

    def run(self, *args: str, cwd: Path, check: bool = True, timeout: float = 300,
            ) -> subprocess.CompletedProcess[str]:
        """Run ``python args…`` in the child environment."""
        proc = subprocess.run([str(self.python), *args], cwd=cwd, env=self.env(),
                              capture_output=True, text=True, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {proc.returncode}\n"
                                 f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        return proc

    def aiqm(self, *args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "aiqm", *args, cwd=cwd, check=check)

    def pip_install_editable(self, folder: Path) -> None:
        self.run("-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                 "-e", str(folder), cwd=folder)


_SHIMS = {
    "aiqm": '#!/bin/sh\nexec "{py}" -m aiqm "$@"\n',
    "pytest": '#!/bin/sh\nexec "{py}" -m pytest -p no:cacheprovider "$@"\n',
    "python": '#!/bin/sh\nexec "{py}" "$@"\n',
    # nothing from an index: the dependencies are in the parent environment already
    "pip": ('#!/bin/sh\nif [ "$1" = install ]; then shift; '
            'exec "{py}" -m pip install --quiet --no-deps --no-build-isolation "$@"; fi\n'
            'exec "{py}" -m pip "$@"\n'),
}


def make_child_env(root: Path) -> ChildEnv:
    """Create the child environment in ``root``."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([base, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip()
    parent = sysconfig.get_paths()["purelib"]
    Path(purelib, "_aiqm_test_parent.pth").write_text(
        f"import site; site.addsitedir({parent!r})\n", encoding="utf-8")
    shims = root / "shims"
    shims.mkdir()
    for name, text in _SHIMS.items():
        path = shims / name
        path.write_text(text.format(py=python), encoding="utf-8")
        path.chmod(0o755)
    return ChildEnv(root, python, shims)
