from __future__ import annotations

from pathlib import Path

import pytest

from aiqm.data import resolve_inside
from aiqm.exceptions import InventoryError, UnsafePathError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "data" / "train.csv").write_text("a\n1\n")
    (tmp_path / "outside.csv").write_text("a\n1\n")
    return root


def test_relative_path_inside(project: Path) -> None:
    p = resolve_inside(project, "data/train.csv", what="inventory 'train'")
    assert p == (project / "data" / "train.csv").resolve()
    assert p.is_absolute()


def test_dotdot_that_stays_inside_is_allowed(project: Path) -> None:
    p = resolve_inside(project, "data/../data/train.csv", what="inventory 'train'")
    assert p == (project / "data" / "train.csv").resolve()


def test_dotdot_escape_is_refused_even_if_file_exists(project: Path) -> None:
    with pytest.raises(UnsafePathError) as info:
        resolve_inside(project, "../outside.csv", what="inventory 'train'")
    message = str(info.value)
    assert "inventory 'train'" in message
    assert "../outside.csv" in message
    assert "outside the project folder" in message


def test_absolute_path_outside_is_refused(project: Path) -> None:
    outside = project.parent / "outside.csv"
    with pytest.raises(UnsafePathError, match="outside"):
        resolve_inside(project, str(outside), what="inventory 'x'")


def test_absolute_path_inside_is_allowed(project: Path) -> None:
    inside = (project / "data" / "train.csv").resolve()
    assert resolve_inside(project, str(inside), what="inventory 'x'") == inside


def test_symlink_escape_is_refused(project: Path) -> None:
    (project / "data" / "link.csv").symlink_to(project.parent / "outside.csv")
    with pytest.raises(UnsafePathError, match="inventory 'link'"):
        resolve_inside(project, "data/link.csv", what="inventory 'link'")


def test_symlinked_folder_escape_is_refused(project: Path) -> None:
    (project / "ext").symlink_to(project.parent, target_is_directory=True)
    with pytest.raises(UnsafePathError):
        resolve_inside(project, "ext/outside.csv", what="inventory 'x'")


def test_symlink_inside_is_followed(project: Path) -> None:
    (project / "alias.csv").symlink_to(project / "data" / "train.csv")
    p = resolve_inside(project, "alias.csv", what="inventory 'x'")
    assert p == (project / "data" / "train.csv").resolve()


def test_missing_file(project: Path) -> None:
    with pytest.raises(InventoryError) as info:
        resolve_inside(project, "data/test.csv", what="inventory 'test'")
    assert not isinstance(info.value, UnsafePathError)
    message = str(info.value)
    assert "does not exist" in message
    assert "aiqm.yaml" in message
    assert str(project.resolve()) in message


def test_missing_file_allowed_when_not_required(project: Path) -> None:
    p = resolve_inside(project, "out/report.html", what="output", must_exist=False)
    assert p == project.resolve() / "out" / "report.html"


def test_allowed_data_root(project: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "big.parquet").write_bytes(b"x")
    p = resolve_inside(project, str(shared / "big.parquet"), what="x", allowed_roots=[shared])
    assert p == (shared / "big.parquet").resolve()
    with pytest.raises(UnsafePathError, match="allowed data roots"):
        resolve_inside(project, "../outside.csv", what="x", allowed_roots=[shared])


def test_empty_path(project: Path) -> None:
    with pytest.raises(InventoryError, match="empty path"):
        resolve_inside(project, "  ", what="inventory 'x'")
