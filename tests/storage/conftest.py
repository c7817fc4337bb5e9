"""Fixtures for the storage tests: a file-backed run store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aiqm.storage import SqlRunStore

from ._factories import db_url


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "aiqm.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SqlRunStore]:
    s = SqlRunStore(db_url(db_path))
    yield s
    s.close()
