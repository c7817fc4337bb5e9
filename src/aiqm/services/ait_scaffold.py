"""``aiqm ait new``: write a ready AIT package (code, tests, README, pyproject).

The package installs with ``pip install -e .``, registers its AIT through the
``aiqm.ait`` entry point, and its tests (the conformance suite and one
hand-worked case) pass as written. Four kinds, each a small working AIT to edit:

- ``data``: a dataset → the largest share of missing cells per column;
- ``model``: a labelled dataset and a classifier → the error rate;
- ``text``: a text column of a dataset → the share of repeated texts;
- ``image``: a folder of images → the share of unreadable or too small images.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from aiqm.core.guideline import load_guideline
from aiqm.exceptions import InputError
from aiqm.plugins.targets import load_target
from aiqm.services.ait_readme import update_readme

__all__ = ["KINDS", "ScaffoldOutcome", "new_ait_package"]

KINDS = ("data", "model", "text", "image")
_CHARACTERISTIC = {"data": "B-3", "model": "C-1", "text": "B-3", "image": "B-3"}
_DEPENDENCIES = {"data": [], "model": ["scikit-learn"], "text": [], "image": ["pillow"]}
_RUN = {
    "data": "aiqm ait run {id} --input dataset=data.csv --criteria 'max_missing_rate<=0.1'",
    "model": ("aiqm ait run {id} --input dataset=test.csv --target dataset=label "
              "--input model=model.skops --criteria 'error_rate<=0.2'"),
    "text": ("aiqm ait run {id} --input dataset=texts.csv --param text_column=text "
             "--criteria 'duplicate_rate<=0.05'"),
    "image": "aiqm ait run {id} --input images=images/ --criteria 'unusable_image_rate<=0.01'",
}
_NOTE = {
    "text": ("The texts are read as a column of a dataset (`ctx.dataset`), since this version of "
             "aiqm has no dedicated text input API."),
    "image": ("The images are a folder bound as a document input (`ctx.document`) and read with "
              "Pillow, since this version of aiqm has no image dataset API."),
}
_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


@dataclass(frozen=True)
class ScaffoldOutcome:
    """What ``aiqm ait new`` wrote."""

    folder: Path
    ait_id: str
    package: str
    distribution: str
    files: tuple[Path, ...]


def _requirements_comment(characteristic: str) -> str:
    g = load_guideline("aist-mlqm@3")
    lines = [
        "    # The guideline requirements this AIT gives evidence for: fill in their ids.",
        "    # `aiqm guideline show aist-mlqm@3` lists every requirement (aiqm's",
        "    # docs/guidelines.md has the tables); `aiqm ait check` rejects unknown ids.",
        f"    # Requirements of {characteristic} backed by measures:",
    ]
    for r in g.requirements_of(characteristic):
        if r.evidence == "measure":
            summary = r.summary.en if len(r.summary.en) <= 64 else r.summary.en[:63] + "…"
            lines.append(f"    #   {r.id}  {summary}")
    return "\n".join(lines)


def _names(name: str) -> tuple[str, str, str]:
    """(AIT id, import package, distribution) for the name a user typed."""
    ait_id = name.strip().lower().replace("-", "_")
    if not _ID.fullmatch(ait_id) or keyword.iskeyword(ait_id):
        raise InputError(
            f"{name!r} cannot be an AIT id: use 2-64 lower-case letters, digits and '_' "
            "(or '-'), starting with a letter, e.g. label_balance"
        )
    return ait_id, f"aiqm_ait_{ait_id}", "aiqm-ait-" + ait_id.replace("_", "-")


def new_ait_package(
    name: str, *, kind: str = "data", output: str | Path | None = None, license: str = "Apache-2.0",
) -> ScaffoldOutcome:
    """Write a new AIT package.

    Parameters
    ----------
    name : str
        The AIT id (``label_balance``; ``-`` becomes ``_``).
    kind : {"data", "model", "text", "image"}, default="data"
        What the generated AIT measures (see the module docstring).
    output : path, default=None
        The package folder to create (``./aiqm-ait-<name>`` when omitted); it must
        not exist or be empty.
    license : str, default="Apache-2.0"
        SPDX licence of the package and the AIT.

    Raises
    ------
    InputError
        For a name that cannot be an AIT id, an unknown kind or a folder that is not empty.
    """
    if kind not in KINDS:
        raise InputError(f"--kind must be one of {', '.join(KINDS)}; got {kind!r}")
    ait_id, package, dist = _names(name)
    folder = Path(output) if output is not None else Path(dist)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(f"{folder} already exists and is not an empty folder; choose another "
                         "with -o DIR")
    title = ait_id.replace("_", " ").capitalize()
    env = Environment(loader=PackageLoader("aiqm.services", "ait_templates"),
                      undefined=StrictUndefined, keep_trailing_newline=True)
    values = {
        "ait_id": ait_id, "package": package, "dist": dist, "kind": kind, "title": title,
        "class_name": "".join(w.capitalize() for w in ait_id.split("_")) + "Parameters",
        "license": license, "characteristic": _CHARACTERISTIC[kind],
        "requirements_comment": _requirements_comment(_CHARACTERISTIC[kind]),
        "aiqm_version": metadata.version("aiqm"), "dependencies": _DEPENDENCIES[kind],
        "run_example": _RUN[kind].format(id=ait_id), "note": _NOTE.get(kind, ""),
        "description": f"{title}: an aiqm AIT ({kind}).",
    }
    files = {
        "pyproject.toml": "pyproject.toml.j2",
        "README.md": "README.md.j2",
        ".gitignore": "gitignore.j2",
        f"src/{package}/__init__.py": "init.py.j2",
        f"src/{package}/ait.py": f"{kind}_ait.py.j2",
        f"tests/test_{ait_id}.py": f"{kind}_test.py.j2",
    }
    written = []
    for rel, template in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(env.get_template(template).render(**values), encoding="utf-8")
        written.append(path)
    (folder / "src" / package / "py.typed").write_text("", encoding="utf-8")
    target = load_target(str(folder))
    update_readme(folder / "README.md", [a.manifest for a in target.aits])
    return ScaffoldOutcome(folder, ait_id, package, dist, tuple(written))
