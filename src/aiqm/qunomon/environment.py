"""Isolated virtual environments for imported AITs, cached by what they are built from.

An environment is built from the package's ``requirements.txt`` and the wheels it
bundles, for one Python interpreter. Its key is the SHA-256 of the interpreter's
version, the requirements file and every bundled wheel, so two packages with the
same requirements share one environment and an environment is rebuilt only when
one of those changes. The venv has no system site packages: the AIT sees exactly
the versions it pins, not aiqm's. pip runs with the machine's configuration
(index, mirror, constraints), from the repository folder so that the relative
wheel paths in ``requirements.txt`` resolve.

Builds are serialised per key with a file lock, so parallel first uses of one AIT
build it once; a half-built environment (a crash, a kill) has no ``.ready`` marker
and is rebuilt.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from aiqm.exceptions import InputError

__all__ = ["EnvironmentBuildError", "current_python", "ensure_env", "env_key", "env_python"]

_READY = ".ready"
Progress = Callable[[str], None]


class EnvironmentBuildError(InputError):
    """The virtual environment of an imported AIT could not be built.

    Parameters
    ----------
    message : str
        What failed, naming the package when pip says which one.
    package : str, default=""
        The requirement pip could not install.
    """

    def __init__(self, message: str, package: str = "") -> None:
        self.package = package
        super().__init__(message)


def current_python() -> Path:
    """The interpreter aiqm runs on (``--env current``)."""
    return Path(sys.executable)


def _python_version(python: Path) -> str:
    if Path(python) == Path(sys.executable):
        return sys.version
    out = subprocess.run([str(python), "-c", "import sys; print(sys.version)"],
                         capture_output=True, text=True, check=False, timeout=60)
    if out.returncode != 0:
        raise EnvironmentBuildError(f"{python} does not run: {out.stderr.strip()}")
    return out.stdout.strip()


def _wheels(repo: Path) -> list[Path]:
    return sorted(p for p in repo.rglob("*.whl") if p.is_file())


def env_key(repo: Path, python: Path | None = None) -> str:
    """The cache key of an AIT's environment (hex SHA-256, 64 digits)."""
    h = hashlib.sha256()
    h.update(_python_version(python or current_python()).encode())
    req = repo / "requirements.txt"
    h.update(b"\0requirements\0" + (req.read_bytes() if req.is_file() else b""))
    for w in _wheels(repo):
        h.update(f"\0wheel\0{w.relative_to(repo).as_posix()}\0".encode())
        h.update(hashlib.sha256(w.read_bytes()).digest())
    return h.hexdigest()


def env_python(env_dir: Path) -> Path:
    """The interpreter inside a virtual environment."""
    return env_dir / "bin" / "python"


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


_PATTERNS = (
    re.compile(r"No matching distribution found for ([^\s]+)"),
    re.compile(r"Could not find a version that satisfies the requirement ([^\s]+)"),
    re.compile(r"Failed (?:to build|building wheel for) ([^\s]+)"),
    re.compile(r"Invalid requirement: '?([^'\n]+)'?"),
    re.compile(r"No such file or directory: '([^']+\.whl)'"),
    re.compile(r"Cannot install ([^\n]+?) because these package versions have conflicting"),
    re.compile(r"ResolutionImpossible.*?([^\s]+)"),
)


def failed_package(output: str) -> str:
    """The requirement pip's output blames, or ``""``.

    Examples
    --------
    >>> failed_package("ERROR: No matching distribution found for pandas==99.0")
    'pandas==99.0'
    """
    for pat in _PATTERNS:
        m = pat.search(output)
        if m:
            return m.group(1).strip().rstrip(".")
    collecting = re.findall(r"^Collecting ([^\s]+)", output, re.M)
    return collecting[-1] if collecting else ""


def _run(cmd: list[str], cwd: Path, progress: Progress | None) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PIP_NO_INPUT"] = "1"
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env, bufsize=1)
    lines: list[str] = []
    for line in proc.stdout or ():
        line = line.rstrip("\n")
        if line.startswith("WARNING: Location ") and "is ignored" in line:
            continue  # noise of a local mirror listing
        lines.append(line)
        if progress is not None and line.strip():
            progress(line.strip())
    return proc.wait(), "\n".join(lines)


def _pip_available() -> bool:
    """Whether aiqm's own pip can install into another interpreter (``pip --python``)."""
    return importlib.util.find_spec("pip") is not None


def ensure_env(
    repo: Path, envs_dir: Path, *, python: Path | None = None, progress: Progress | None = None,
    label: str = "",
) -> Path:
    """Build (once) and return the interpreter of the AIT's virtual environment.

    Parameters
    ----------
    repo : Path
        The package's ``repository`` folder.
    envs_dir : Path
        Folder of the cached environments.
    python : Path, default=None
        Interpreter to build the environment with (aiqm's when omitted).
    progress : callable, default=None
        Receives each line of the build's output.
    label : str, default=""
        The AIT's name, for messages.

    Raises
    ------
    EnvironmentBuildError
        Naming the requirement pip could not install, with the end of pip's output.
    """
    base = Path(python or current_python())
    key = env_key(repo, base)
    env_dir = envs_dir / key[:32]
    ready = env_dir / _READY
    if ready.is_file():
        return env_python(env_dir)
    with _lock(envs_dir / f"{key[:32]}.lock"):
        if ready.is_file():
            return env_python(env_dir)
        shutil.rmtree(env_dir, ignore_errors=True)
        if progress:
            progress(f"building the environment of {label or repo} in {env_dir}")
        with_pip = not _pip_available()
        venv_cmd = [str(base), "-m", "venv", str(env_dir)]
        if not with_pip:
            venv_cmd.insert(3, "--without-pip")
        code, out = _run(venv_cmd, repo, progress)
        if code != 0:
            shutil.rmtree(env_dir, ignore_errors=True)
            raise EnvironmentBuildError(f"cannot create a virtual environment with {base}:\n{out}")
        req = repo / "requirements.txt"
        if req.is_file() and req.read_text(encoding="utf-8", errors="replace").strip():
            pip = ([str(env_python(env_dir)), "-m", "pip"] if with_pip
                   else [sys.executable, "-m", "pip", "--python", str(env_python(env_dir))])
            code, out = _run([*pip, "install", "--disable-pip-version-check", "-r",
                              "requirements.txt"], repo, progress)
            if code != 0:
                shutil.rmtree(env_dir, ignore_errors=True)
                pkg = failed_package(out)
                tail = "\n".join(out.splitlines()[-15:])
                what = f"could not install {pkg!r}" if pkg else "pip failed"
                raise EnvironmentBuildError(
                    f"the environment of {label or repo} cannot be built: {what} from "
                    f"{req}. Fix the pin in requirements.txt (or make the package available "
                    f"to pip), then import again. pip said:\n{tail}",
                    package=pkg,
                )
        ready.write_text(key + "\n", encoding="utf-8")
    return env_python(env_dir)
