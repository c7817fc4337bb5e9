"""Reading a Qunomon AIT package: a zip, its unpacked folder, or a bare ``repository/``.

Qunomon's local-install zip holds::

    dockerfile
    repository/
        ait.manifest.json
        requirements.txt
        entrypoint.py
        my_ait.py
        ait_sdk-*.whl        (bundled wheels, referenced from requirements.txt)

(possibly wrapped in one top folder). :func:`stage` copies any of the three forms
into that normal layout in a folder of the AIT store, refusing archive members
that would land outside it, links, devices, and archives that unpack too large.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from aiqm.exceptions import InputError

__all__ = ["PackageError", "StagedPackage", "entry_script", "read_manifest", "stage"]

MANIFEST = "ait.manifest.json"
#: Unpacked size and member count above which a zip is refused.
MAX_UNPACKED_BYTES = 4 * 2**30
MAX_MEMBERS = 50_000
_SKIP = {"__pycache__", ".git", ".ipynb_checkpoints", ".DS_Store"}


class PackageError(InputError):
    """A path is not a Qunomon AIT package, or the archive is unsafe."""


@dataclass(frozen=True)
class StagedPackage:
    """A package copied into the normal layout."""

    root: Path
    layout: Literal["zip", "folder", "repository"]

    @property
    def repository(self) -> Path:
        return self.root / "repository"

    @property
    def dockerfile(self) -> Path | None:
        for name in ("dockerfile", "Dockerfile"):
            if (self.root / name).is_file():
                return self.root / name
        return None


def _safe_extract(zf: zipfile.ZipFile, dest: Path, source: Path) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PackageError(f"{source} holds {len(infos)} entries (at most {MAX_MEMBERS}); "
                           "is it really an AIT package?")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED_BYTES:
        raise PackageError(
            f"{source} unpacks to {total / 2**30:.1f} GiB (at most {MAX_UNPACKED_BYTES / 2**30:.0f} "
            "GiB); leave data sets and models out of the package and register them as inventories"
        )
    root = dest.resolve()
    for info in infos:
        name = info.filename.replace("\\", "/")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise PackageError(f"{source}: member {name!r} is a symbolic link; links are not "
                               "allowed in AIT packages")
        ftype = stat.S_IFMT(mode)  # 0 when the archiver recorded permissions only
        if ftype and ftype not in (stat.S_IFREG, stat.S_IFDIR):
            raise PackageError(f"{source}: member {name!r} is not a file or folder")
        target = (root / name).resolve()
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or not target.is_relative_to(root):
            raise PackageError(f"{source}: member {name!r} would be written outside the package "
                               "folder; the archive is unsafe")
        if any(part in _SKIP for part in Path(name).parts):
            continue
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)


def _copy_tree(src: Path, dst: Path) -> None:
    root = src.resolve()

    def ignore(folder: str, names: list[str]) -> list[str]:
        skipped = [n for n in names if n in _SKIP]
        for n in names:
            p = Path(folder) / n
            if p.is_symlink() and not p.resolve().is_relative_to(root):
                raise PackageError(f"{p} is a link to {p.resolve()}, outside the package; "
                                   "replace it by a copy")
        return skipped

    shutil.copytree(src, dst, ignore=ignore, symlinks=False, dirs_exist_ok=True)


def _find_root(folder: Path) -> tuple[Path, bool]:
    """(folder holding repository/ or the manifest, whether it is a bare repository)."""
    for _ in range(3):
        if (folder / "repository" / MANIFEST).is_file():
            return folder, False
        if (folder / MANIFEST).is_file():
            return folder, True
        entries = [p for p in folder.iterdir() if p.name not in _SKIP and not p.name.startswith(".")]
        if len(entries) == 1 and entries[0].is_dir():
            folder = entries[0]
            continue
        break
    raise PackageError(
        f"no {MANIFEST} found: a Qunomon AIT package is a zip or folder holding 'dockerfile' "
        f"and 'repository/{MANIFEST}' (with requirements.txt and the entry script), or the "
        "'repository' folder itself"
    )


def stage(source: Path, dest: Path) -> StagedPackage:
    """Copy a package (zip, folder or bare repository) into ``dest`` in the normal layout.

    Raises
    ------
    PackageError
        When ``source`` is not a package or the archive is unsafe.
    """
    source = Path(source)
    if not source.exists():
        raise PackageError(f"{source} does not exist; give the AIT package's zip or folder")
    dest.mkdir(parents=True, exist_ok=True)
    layout: Literal["zip", "folder", "repository"]
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise PackageError(f"{source} is neither a zip archive nor a folder")
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".unzip-") as tmp:
            with zipfile.ZipFile(source) as zf:
                _safe_extract(zf, Path(tmp), source)
            root, bare = _find_root(Path(tmp))
            _place(root, bare, dest)
        layout = "zip"
    else:
        root, bare = _find_root(source)
        _place(root, bare, dest)
        layout = "repository" if bare else "folder"
    return StagedPackage(dest, layout)


def _place(root: Path, bare: bool, dest: Path) -> None:
    if bare:
        _copy_tree(root, dest / "repository")
        return
    _copy_tree(root / "repository", dest / "repository")
    for p in root.iterdir():
        if p.is_file() and p.name not in _SKIP:
            shutil.copy2(p, dest / p.name)


def read_manifest(repository: Path) -> Any:
    """The parsed ``ait.manifest.json`` of a repository folder."""
    path = repository / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise PackageError(f"{path} is not UTF-8 text; save it as UTF-8") from None
    except ValueError as exc:
        raise PackageError(f"{path} is not valid JSON: {exc}") from None


def entry_script(package: StagedPackage) -> str:
    """The entry script: the ``.py`` the dockerfile's ENTRYPOINT/CMD starts, else
    ``entrypoint.py``, else ``my_ait.py``.

    Raises
    ------
    PackageError
        When the repository has no entry script.
    """
    repo = package.repository
    df = package.dockerfile
    if df is not None:
        text = df.read_text(encoding="utf-8", errors="replace")
        for line in reversed(text.splitlines()):
            if re.match(r"\s*(ENTRYPOINT|CMD)\b", line, re.I):
                m = re.search(r"([\w./-]+\.py)\b", line)
                if m and (repo / Path(m.group(1)).name).is_file():
                    return Path(m.group(1)).name
    for name in ("entrypoint.py", "my_ait.py"):
        if (repo / name).is_file():
            return name
    raise PackageError(
        f"{repo} has no entry script: expected entrypoint.py (or the script the dockerfile's "
        "ENTRYPOINT starts)"
    )
