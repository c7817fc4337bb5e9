"""Fixtures: a fresh AIT store per test, the typed fixture package imported into it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.qunomon._packages import typed_package

from aiqm.qunomon.store import STORE_ENV, AITStore
from aiqm.services import aits as ait_service


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AITStore:
    """An empty AIT store that the registry, the CLI and workers use for this test."""
    root = tmp_path / "ait-store"
    monkeypatch.setenv(STORE_ENV, str(root))
    return AITStore(root)


@pytest.fixture
def typed(store: AITStore, tmp_path: Path) -> ait_service.ImportOutcome:
    """The typed fixture package, imported to run in aiqm's own environment."""
    pkg = typed_package(tmp_path / "typed-pkg")
    return ait_service.import_package(pkg, env="current", store=store)
