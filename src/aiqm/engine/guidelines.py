"""Resolve the guidelines a component names: packaged references or files in the project.

A component names its guidelines by reference (``aist-mlqm@3``, a packaged
file) or by the path of a custom guideline file relative to the project
(``guidelines/our-guideline.yaml``). Like the inventories, a custom file must
stay inside the project folder; its text and digest are kept so that a run can
store the version it used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from aiqm.core.guideline import Guideline, GuidelineError, load_guideline, parse_guideline
from aiqm.data.paths import resolve_inside
from aiqm.exceptions import InputError

__all__ = [
    "GuidelineSource",
    "is_guideline_path",
    "load_guideline_file",
    "parse_guideline_text",
    "resolve_guideline",
    "resolve_guidelines",
]

_SUFFIXES = (".yaml", ".yml", ".json")


def is_guideline_path(ref: str) -> bool:
    """Whether a guideline reference is a file path rather than ``id@edition``.

    Examples
    --------
    >>> is_guideline_path("aist-mlqm@3"), is_guideline_path("guidelines/ours.yaml")
    (False, True)
    """
    return ref.lower().endswith(_SUFFIXES) or "/" in ref or "\\" in ref


def parse_guideline_text(text: str, source: str = "<guideline>") -> Guideline:
    """Parse and validate the text of a guideline file (YAML or JSON).

    Raises
    ------
    GuidelineError
        For text that is not YAML, or a guideline that does not validate.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise GuidelineError(f"{where}: not valid YAML/JSON ({getattr(exc, 'problem', exc)}); "
                             "check indentation and quoting near that line") from None
    return parse_guideline(data, source=source)


def load_guideline_file(path: str | Path) -> Guideline:
    """Read and validate a guideline file (YAML or JSON).

    Raises
    ------
    GuidelineError
        When the file does not validate; each problem names its entry path.
    InputError
        When the file cannot be read.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no guideline file at {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read guideline file {p}: {exc}") from None
    return parse_guideline_text(text, str(p))


@dataclass(frozen=True)
class GuidelineSource:
    """A resolved guideline with where it came from (path and digest for custom files)."""

    ref: str
    guideline: Guideline
    path: Path | None = None
    digest: str | None = None
    text: str | None = None


def resolve_guideline(ref: str, root: str | Path | None = None) -> GuidelineSource:
    """Resolve ``id@edition`` (packaged) or a path (relative to the project folder ``root``).

    A path must stay inside the project folder.

    Raises
    ------
    InputError
        For an unknown packaged guideline, a path outside the project, or a file
        that does not validate.
    """
    if not is_guideline_path(ref):
        return GuidelineSource(ref, load_guideline(ref))
    if root is None:
        path = Path(ref)
    else:
        path = resolve_inside(Path(root), ref, what="component.guideline")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"component.guideline: no guideline file at {ref!r} (looked in {path}); "
                         "check the path, relative to the project folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read guideline file {path}: {exc}") from None
    digest = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    return GuidelineSource(ref, parse_guideline_text(text, ref), path, digest, text)


def resolve_guidelines(refs: tuple[str, ...] | list[str], root: str | Path | None = None
                       ) -> list[GuidelineSource]:
    """Resolve every guideline a component names; ids must be distinct.

    Raises
    ------
    InputError
        As :func:`resolve_guideline`, or when two references are the same guideline.
    """
    out = [resolve_guideline(r, root) for r in refs]
    seen: dict[str, str] = {}
    for s in out:
        if s.guideline.meta.id in seen:
            raise InputError(
                f"component.guideline lists guideline {s.guideline.meta.id!r} twice "
                f"({seen[s.guideline.meta.id]} and {s.ref}); keep one edition"
            )
        seen[s.guideline.meta.id] = s.ref
    return out
