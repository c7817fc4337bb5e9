from __future__ import annotations

import os
import tempfile

import pytest
from tests._childenv import ChildEnv, make_child_env

os.environ.setdefault("MPLBACKEND", "Agg")

# Imported (Qunomon) AITs live in a per-user store; the suite never reads or writes the
# developer's own. Set before any worker process starts, so every process sees it.
if "AIQM_AIT_STORE" not in os.environ:
    os.environ["AIQM_AIT_STORE"] = tempfile.mkdtemp(prefix="aiqm-test-ait-store-")


@pytest.fixture(scope="session")
def child_env(tmp_path_factory: pytest.TempPathFactory) -> ChildEnv:
    """An environment layered over this one, where tests install AIT packages (issue 19)."""
    return make_child_env(tmp_path_factory.mktemp("child-env"))
