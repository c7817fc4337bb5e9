"""``aiqm ait package``: a wheel of an AIT package (and, asked for, its Qunomon package).

The wheel is built by pip from the package folder. When the folder's build
backend (hatchling for packages made by ``aiqm ait new``) is importable here —
``pip install 'aiqm[author]'`` brings it — the build needs no network
(``--no-build-isolation``); otherwise pip fetches the backend into an isolated
build environment as usual.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from aiqm.exceptions import InputError
from aiqm.plugins.manager import ENTRY_POINT_GROUP
from aiqm.plugins.targets import load_target
from aiqm.qunomon.export import export_package, qunomon_name
from aiqm.services.ait_readme import update_readme

__all__ = ["PackageOutcome", "package_ait"]


@dataclass
class PackageOutcome:
    """What ``aiqm ait package`` built."""

    folder: Path
    distribution: str
    version: str
    wheel: Path
    aits: list[str]
    requires: list[str]
    qunomon: list[Path] = field(default_factory=list)
    readme_updated: bool = False
    isolated_build: bool = False

    @property
    def install_command(self) -> str:
        return f"pip install {self.wheel.name}"

    def to_json(self) -> dict[str, object]:
        return {"distribution": self.distribution, "version": self.version,
                "wheel": str(self.wheel), "aits": self.aits, "requires": self.requires,
                "install": self.install_command, "qunomon": [str(p) for p in self.qunomon],
                "readme_updated": self.readme_updated, "isolated_build": self.isolated_build}


def _editable_folder(module: str) -> Path | None:
    """The source folder of the distribution whose ``aiqm.ait`` entry point loads ``module``,
    when it is installed in editable mode (``pip install -e``)."""
    top = module.split(".")[0]
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.dist is None or ep.module.split(".")[0] != top:
            continue
        text = ep.dist.read_text("direct_url.json")
        info = json.loads(text) if text else {}
        if info.get("dir_info", {}).get("editable") and info.get("url", "").startswith("file:"):
            return Path(unquote(urlparse(info["url"]).path))
    return None


def _package_folder(target: str, plugins: tuple[str, ...]) -> Path:
    path = Path(target)
    if path.is_dir():
        return path.resolve()
    found = load_target(target, plugins=plugins)
    if any(a.origin == "builtin" for a in found.aits):
        raise InputError(f"{target} is a built-in AIT, part of aiqm itself; `aiqm ait export "
                         f"{target}` makes its Qunomon package")
    folder = _editable_folder(found.aits[0].func.__module__)
    if folder is None:
        raise InputError(f"cannot tell the source folder of {target}; give the package folder "
                         "(the one holding pyproject.toml)")
    return folder


def _project_table(folder: Path) -> tuple[str, str, str]:
    """(name, version, build backend) from the folder's pyproject.toml."""
    data = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    project = data.get("project", {})
    name, version = project.get("name"), project.get("version")
    if not name or not version:
        raise InputError(f"{folder / 'pyproject.toml'} must set [project] name and version")
    backend = data.get("build-system", {}).get("build-backend", "setuptools.build_meta:__legacy__")
    return str(name), str(version), str(backend)


def _wheel_requires(wheel: Path) -> tuple[list[str], str]:
    """(Requires-Dist lines, entry_points.txt) of a built wheel."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        eps = next((n for n in names if n.endswith(".dist-info/entry_points.txt")), None)
        text = zf.read(meta).decode("utf-8") if meta else ""
        entry_points = zf.read(eps).decode("utf-8") if eps else ""
    requires = [line.split(":", 1)[1].strip() for line in text.splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]
    return requires, entry_points


def package_ait(
    target: str, out_dir: str | Path, *, qunomon: bool = False, plugins: tuple[str, ...] = (),
    bundle_aiqm: bool = True,
) -> PackageOutcome:
    """Build the wheel of an AIT package folder into ``out_dir``.

    Parameters
    ----------
    target : str
        The package folder, or an AIT installed in editable mode from one.
    out_dir : path
        Folder for the wheel (and Qunomon zips).
    qunomon : bool, default=False
        Also write a Qunomon AIT package per AIT, bundling this wheel.
    plugins : tuple of str, default=()
        Extra plugin modules, for looking up an installed id.
    bundle_aiqm : bool, default=True
        Bundle aiqm in the Qunomon packages (else they require aiqm from the index).

    Raises
    ------
    InputError
        When the folder is not an AIT package, its AITs fail to load, or the build fails
        (with pip's last lines).
    """
    folder = _package_folder(target, plugins)
    loaded = load_target(str(folder))
    name, version, backend = _project_table(folder)
    readme = folder / "README.md"
    updated = readme.is_file() and update_readme(readme, [a.manifest for a in loaded.aits])
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    isolated = importlib.util.find_spec(backend.split(":")[0].split(".")[0]) is None
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out), str(folder)]
    if not isolated:
        cmd.insert(5, "--no-build-isolation")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    norm = re.sub(r"[-_.]+", "_", name).lower()
    wheels = sorted(out.glob(f"{norm}-{version}-*.whl"))
    if proc.returncode != 0 or not wheels:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-12:])
        hint = (" (the build backend is not installed here, so pip fetched it; `pip install "
                "'aiqm[author]'` builds offline)") if isolated else ""
        raise InputError(f"building the wheel of {folder} failed{hint}:\n{tail}")
    wheel = wheels[-1]
    requires, entry_points = _wheel_requires(wheel)
    if f"[{ENTRY_POINT_GROUP}]" not in entry_points:
        raise InputError(f"{wheel.name} declares no [{ENTRY_POINT_GROUP}] entry point, so aiqm "
                         "would not find its AIT once installed; check pyproject.toml")
    outcome = PackageOutcome(folder, name, version, wheel, [a.manifest.ref for a in loaded.aits],
                             requires, readme_updated=updated, isolated_build=isolated)
    if qunomon:
        for a in loaded.aits:
            zip_path = out / f"{qunomon_name(a.manifest)}-{a.manifest.version}.zip"
            outcome.qunomon.append(export_package(a, zip_path, bundle_aiqm=bundle_aiqm,
                                                  wheels=[wheel]))
    return outcome
