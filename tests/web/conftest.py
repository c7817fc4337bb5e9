"""Fixtures for the web application tests: an app on a temporary home, users of each role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests._require import require_module

require_module("fastapi", "pip install 'aiqm[web]'")

from fastapi.testclient import TestClient

from aiqm.services import users as user_service
from aiqm.web import WebConfig, create_app

PASSWORDS = {"admin": "admin-password-1", "evaluator": "evaluator-pass-1", "viewer": "viewer-passwd-1"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheaper argon2 parameters in tests (same algorithm; production uses argon2-cffi's defaults)."""
    from argon2 import PasswordHasher

    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(user_service, "_hasher", lambda: fast)


def csrf_of(html: str) -> str:
    """The CSRF token written into a page's forms."""
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


@dataclass
class Web:
    """An app with one signed-in client per role, and an anonymous one."""

    app: Any
    home: Path
    data_root: Path
    clients: dict[str, TestClient]

    @property
    def store(self) -> Any:
        return self.app.state.store

    def client(self, role: str) -> TestClient:
        return self.clients[role]

    def csrf(self, role: str) -> str:
        return csrf_of(self.clients[role].get("/login" if role == "anonymous" else "/account").text)

    def post(self, role: str, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        """POST a form with the client's CSRF token (as a real form would)."""
        body = dict(data or {})
        body["csrf_token"] = self.csrf(role)
        return self.clients[role].post(url, data=body, follow_redirects=False, **kw)

    def token(self, role: str) -> str:
        user = self.store.get_user_by_name(role)
        token, _ = user_service.create_token(self.store, user.id, "tests")
        return token


def sign_in(client: TestClient, username: str, password: str) -> Any:
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(page.text), "next": "/"},
                       follow_redirects=False)


def make_web(tmp_path: Path, **config: Any) -> Iterator[Web]:
    home = tmp_path / "home"
    data_root = tmp_path / "data"
    data_root.mkdir()
    app = create_app(WebConfig(home=home, data_roots=(data_root,), **config))
    for role, password in PASSWORDS.items():
        user_service.create_user(app.state.store, role, password, role)
    with TestClient(app) as lifespan_client:  # runs startup and shutdown once
        clients = {"anonymous": lifespan_client}
        for role, password in PASSWORDS.items():
            c = TestClient(app)
            assert sign_in(c, role, password).status_code == 303
            clients[role] = c
        yield Web(app, home, data_root, clients)
    app.state.store.close()


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    yield from make_web(tmp_path)


@pytest.fixture(scope="session")
def bc_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """scikit-learn's breast-cancer data as a Parquet test split and a skops model."""
    from aiqm.services.demo import create_demo_project

    d = create_demo_project(tmp_path_factory.mktemp("bc"))
    return {"test": d / "data" / "test.parquet", "train": d / "data" / "train.parquet",
            "model": d / "models" / "model.skops", "scored": d / "data" / "test_scored.parquet",
            "project": d}
