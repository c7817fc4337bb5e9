"""Resolving project-relative paths without letting them leave the project."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from aiqm.exceptions import InventoryError, UnsafePathError

__all__ = ["resolve_inside"]


def resolve_inside(
    root: Path,
    rel: str | os.PathLike[str],
    *,
    what: str,
    allowed_roots: Sequence[Path] = (),
    must_exist: bool = True,
) -> Path:
    """Resolve a path from a project file and check that it stays in the project.

    The path is taken relative to ``root`` (an absolute path is accepted only
    when it lies inside ``root``), symlinks are followed, and the result must be
    inside ``root`` or one of ``allowed_roots``. This refuses ``..`` traversal,
    absolute paths elsewhere and symlinks that escape.

    Parameters
    ----------
    root : pathlib.Path
        The project folder (the folder of ``aiqm.yaml``).
    rel : str or os.PathLike
        The path as written in the project file.
    what : str
        What the path belongs to, for messages, e.g. ``"inventory 'train'"``.
    allowed_roots : sequence of pathlib.Path, default=()
        Further folders the path may resolve into (allowed data roots).
    must_exist : bool, default=True
        Whether a missing path is an error.

    Returns
    -------
    pathlib.Path
        The absolute, resolved path.

    Raises
    ------
    UnsafePathError
        If the path resolves outside ``root`` and ``allowed_roots``.
    InventoryError
        If ``must_exist`` and the path does not exist, or ``rel`` is empty.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "a.csv").write_text("x\\n1\\n")
    ...     resolve_inside(Path(d), "a.csv", what="inventory 'a'").name
    'a.csv'
    """
    text = os.fspath(rel)
    if not str(text).strip():
        raise InventoryError(f"{what} has an empty path; set `path` in aiqm.yaml")
    root_resolved = Path(root).resolve()
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = root_resolved / candidate
    resolved = candidate.resolve()
    roots = [root_resolved, *(Path(r).resolve() for r in allowed_roots)]
    if not any(resolved.is_relative_to(r) for r in roots):
        where = "the project folder " + str(root_resolved)
        if allowed_roots:
            where += " or the allowed data roots " + ", ".join(str(r) for r in roots[1:])
        raise UnsafePathError(
            f"{what}: path {text!r} resolves to {resolved}, outside {where}; "
            "move the file into the project folder and use a path relative to it "
            "(paths with '..' and symlinks pointing outside are refused)"
        )
    if must_exist and not resolved.exists():
        raise InventoryError(
            f"{what}: {text!r} does not exist; check the path in aiqm.yaml "
            f"(relative to the project folder {root_resolved})"
        )
    return resolved
