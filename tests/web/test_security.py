"""Security: every route's role check, CSRF, cookies, the session key, passwords, limits, paths."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from aiqm.services import users as user_service
from aiqm.web.routes.auth import PUBLIC_ROUTES

from .conftest import PASSWORDS, Web, csrf_of, make_web, sign_in

ROLES = ("anonymous", "viewer", "evaluator", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}

#: The role every route needs. A route missing here (a new one) fails the walk.
EXPECTED: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "anonymous",
    ("GET", "/login"): "anonymous",
    ("POST", "/login"): "anonymous",
    ("POST", "/lang"): "anonymous",
    ("POST", "/logout"): "viewer",
    ("GET", "/account"): "viewer",
    ("POST", "/account/password"): "viewer",
    ("POST", "/account/tokens"): "viewer",
    ("POST", "/account/tokens/{token_id}/delete"): "viewer",
    ("GET", "/"): "viewer",
    ("GET", "/components/new"): "evaluator",
    ("POST", "/components"): "evaluator",
    ("GET", "/components/{component_id}"): "viewer",
    ("GET", "/components/{component_id}/edit"): "evaluator",
    ("POST", "/components/{component_id}/edit"): "evaluator",
    ("POST", "/components/{component_id}/delete"): "evaluator",
    ("GET", "/components/{component_id}/export"): "viewer",
    ("GET", "/import"): "evaluator",
    ("POST", "/import"): "evaluator",
    ("GET", "/components/{component_id}/inventories/new"): "evaluator",
    ("POST", "/components/{component_id}/inventories"): "evaluator",
    ("POST", "/components/{component_id}/predictions"): "evaluator",
    ("GET", "/components/{component_id}/inventories/{inventory_id}"): "viewer",
    ("POST", "/components/{component_id}/inventories/{inventory_id}/delete"): "evaluator",
    ("GET", "/aits"): "viewer",
    ("GET", "/aits/{ref}"): "viewer",
    ("GET", "/components/{component_id}/tests/new"): "evaluator",
    ("POST", "/components/{component_id}/tests"): "evaluator",
    ("GET", "/components/{component_id}/tests/{test_id}/edit"): "evaluator",
    ("POST", "/components/{component_id}/tests/{test_id}"): "evaluator",
    ("POST", "/components/{component_id}/tests/{test_id}/copy"): "evaluator",
    ("POST", "/components/{component_id}/tests/{test_id}/delete"): "evaluator",
    ("POST", "/components/{component_id}/runs"): "evaluator",
    ("GET", "/runs/{web_run_id}"): "viewer",
    ("GET", "/runs/{web_run_id}/progress"): "viewer",
    ("POST", "/runs/{web_run_id}/cancel"): "evaluator",
    ("POST", "/runs/{web_run_id}/resume"): "evaluator",
    ("GET", "/runs/{web_run_id}/report"): "viewer",
    ("GET", "/runs/{web_run_id}/report.{fmt}"): "viewer",
    ("GET", "/runs/{web_run_id}/log"): "viewer",
    ("GET", "/components/{component_id}/compare"): "viewer",
    ("GET", "/runs/{web_run_id}/bundle.zip"): "evaluator",
    ("GET", "/signing-key.pub.pem"): "viewer",
    ("GET", "/admin/users"): "admin",
    ("POST", "/admin/users"): "admin",
    ("POST", "/admin/users/{user_id}"): "admin",
    ("GET", "/admin/settings"): "admin",
    ("POST", "/admin/settings"): "admin",
    ("POST", "/admin/aits/import"): "admin",  # Qunomon AIT packages (issue 14)
    ("GET", "/api/me"): "viewer",
    ("GET", "/api/aits"): "viewer",
    ("GET", "/api/aits/{ref}"): "viewer",
    ("GET", "/api/components"): "viewer",
    ("POST", "/api/components"): "evaluator",
    ("GET", "/api/components/{component_id}"): "viewer",
    ("PUT", "/api/components/{component_id}"): "evaluator",
    ("DELETE", "/api/components/{component_id}"): "evaluator",
    ("GET", "/api/components/{component_id}/yaml"): "viewer",
    ("POST", "/api/import"): "evaluator",
    ("GET", "/api/components/{component_id}/tests"): "viewer",
    ("POST", "/api/components/{component_id}/tests"): "evaluator",
    ("PUT", "/api/components/{component_id}/tests/{test_id}"): "evaluator",
    ("POST", "/api/components/{component_id}/tests/{test_id}/copy"): "evaluator",
    ("DELETE", "/api/components/{component_id}/tests/{test_id}"): "evaluator",
    ("GET", "/api/users"): "admin",
    ("POST", "/api/users"): "admin",
    ("PATCH", "/api/users/{user_id}"): "admin",
    ("GET", "/api/components/{component_id}/inventories"): "viewer",
    ("POST", "/api/components/{component_id}/inventories"): "evaluator",
    ("DELETE", "/api/components/{component_id}/inventories/{inventory_id}"): "evaluator",
    ("GET", "/api/components/{component_id}/runs"): "viewer",
    ("POST", "/api/components/{component_id}/runs"): "evaluator",
    ("GET", "/api/runs/{web_run_id}"): "viewer",
    ("POST", "/api/runs/{web_run_id}/cancel"): "evaluator",
    ("POST", "/api/runs/{web_run_id}/resume"): "evaluator",
    ("GET", "/api/runs/{web_run_id}/report"): "viewer",
    ("GET", "/api/components/{component_id}/compare"): "viewer",
}


def _routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every registered route, inside included routers too."""
    def walk(routes: list[Any]) -> list[Any]:
        out = []
        for r in routes:
            inner = getattr(r, "original_router", None)
            out.extend(walk(inner.routes) if inner is not None else [r])
        return out

    found = []
    for r in walk(app.routes):
        for method in sorted(getattr(r, "methods", None) or []):
            if method != "HEAD":
                found.append((method, r.path))
    return found


def _objects(web: Web) -> dict[str, str]:
    """Fresh objects for one route: a component with an inventory, a test and a run; a token; a user."""
    import secrets

    store = web.store
    comp = store.create_component(f"walk-{secrets.token_hex(4)}", {"name": "x", "task": "other"}, {})
    inv = store.save_inventory(comp.id, "data", kind="dataset", spec={}, file=None, digest=None,
                               size=None, source="none", label="data.csv")
    test = store.save_test(comp.id, {"name": "t", "characteristic": "C-1", "ait": "fake@1",
                                     "inventories": {"dataset": "data"}})  # no file: runs refuse to start
    run = store.create_web_run(secrets.token_hex(6), comp.id, "admin")
    store.update_web_run(run.id, status="finished")
    user = store.create_user(f"u{secrets.token_hex(4)}", "$argon2id$not-a-real-hash", "viewer")
    viewer = store.get_user_by_name("viewer")
    _, tok = user_service.create_token(store, viewer.id, "walk")
    return {"component_id": str(comp.id), "inventory_id": str(inv.id), "test_id": str(test.id),
            "web_run_id": run.id, "user_id": str(user.id), "token_id": str(tok.id),
            "ref": "data_completeness", "fmt": "json"}


def _call(web: Web, role: str, method: str, path: str, tokens: dict[str, str],
          csrf: dict[str, str]) -> Any:
    url = path.format(**_objects(web))
    client = web.client(role)
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {tokens[role]}"} if role != "anonymous" else {}
        kwargs: dict[str, Any] = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        from fastapi.testclient import TestClient

        bare = TestClient(web.app)  # no cookies: the API must not accept them anyway
        return bare.request(method, url, headers=headers, follow_redirects=False, **kwargs)
    headers = {"X-CSRF-Token": csrf[role]} if method != "GET" else {}
    return client.request(method, url, headers=headers, follow_redirects=False)


def test_every_route_checks_sign_in_and_role(web: Web) -> None:
    routes = _routes(web.app)
    assert sorted(routes) == sorted(EXPECTED), (
        "routes changed: declare the role of each new route in EXPECTED "
        f"(new: {sorted(set(routes) - set(EXPECTED))}, gone: {sorted(set(EXPECTED) - set(routes))})")
    assert {k for k, v in EXPECTED.items() if v == "anonymous"} == PUBLIC_ROUTES
    tokens = {r: web.token(r) for r in ("viewer", "evaluator", "admin")}
    csrf = {r: web.csrf(r) for r in ROLES}  # a session keeps its token until sign-in or sign-out
    failures = []
    for (method, path), needed in sorted(EXPECTED.items()):
        for role in ROLES:
            if path == "/logout" and role != "anonymous":
                continue  # signing out would end the walk's session; tested separately
            r = _call(web, role, method, path, tokens, csrf)
            allowed = RANK[role] >= RANK[needed]
            api = path.startswith("/api/")
            if allowed and needed == "anonymous":
                ok = r.status_code < 500
            elif allowed:
                ok = (r.status_code < 500 and r.status_code not in (401, 403)
                      and not r.headers.get("location", "").startswith("/login"))
            elif role == "anonymous":
                ok = r.status_code == 401 if api else (
                    r.status_code == 303 and r.headers["location"].startswith("/login"))
            else:
                ok = r.status_code == 403
            if not ok:
                failures.append(f"{method} {path} as {role}: {r.status_code} {r.text[:120]!r}")
    assert not failures, "\n".join(failures)


def test_sign_out_ends_the_session(web: Web) -> None:
    viewer = web.client("viewer")
    assert viewer.get("/", follow_redirects=False).status_code == 200
    assert web.post("viewer", "/logout").status_code == 303
    assert viewer.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_every_unsafe_page_route_needs_the_csrf_token(web: Web) -> None:
    unsafe = [(m, p) for m, p in EXPECTED if m != "GET" and not p.startswith("/api/")]
    assert len(unsafe) > 20
    admin = web.client("admin")
    for method, path in unsafe:
        url = path.format(**_objects(web))
        r = admin.request(method, url, data={"csrf_token": "forged"}, follow_redirects=False)
        assert r.status_code == 403, f"{method} {path} accepted a forged CSRF token"
        r = admin.request(method, url, follow_redirects=False)
        assert r.status_code == 403, f"{method} {path} accepted a request without a CSRF token"
    # nothing happened: the user list is unchanged, the admin still signed in
    assert admin.get("/admin/users").status_code == 200


def test_api_refuses_cookies_and_bad_tokens(web: Web) -> None:
    assert web.client("admin").get("/api/me").status_code == 401  # a session cookie is not enough
    from fastapi.testclient import TestClient

    bare = TestClient(web.app)
    r = bare.get("/api/me", headers={"Authorization": "Bearer aiqm_not-a-real-token"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    token = web.token("viewer")
    assert bare.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["role"] == "viewer"
    viewer = web.store.get_user_by_name("viewer")
    user_service.set_active(web.store, viewer.id, False)
    assert bare.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_session_cookie_is_httponly_samesite_and_secure_under_https(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    for web in make_web(tmp_path):
        r = TestClient(web.app).get("/login")
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
        secure = TestClient(web.app, base_url="https://testserver").get("/login")
        assert "; Secure" in secure.headers["set-cookie"]
        page = sign_in(TestClient(web.app, base_url="https://testserver"), "viewer", PASSWORDS["viewer"])
        assert "; Secure" in page.headers["set-cookie"]
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"


def test_session_key_is_generated_once_with_mode_0600(web: Web) -> None:
    key = web.home / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_bytes()) == 32
    from aiqm.web.config import load_secret_key

    assert load_secret_key(web.home) == key.read_bytes()  # reused, not regenerated
    os.chmod(key, 0o644)
    from aiqm.exceptions import InputError

    with pytest.raises(InputError, match="chmod 600"):
        load_secret_key(web.home)
    os.chmod(key, 0o600)


def test_no_secret_is_in_the_repository_and_the_default_home_is_outside_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    import subprocess

    root = Path(__file__).resolve().parents[2]
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True).stdout
    assert "secret.key" not in tracked
    from aiqm.web.config import default_home

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_home() == tmp_path / "xdg" / "aiqm" / "web"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_home() == Path.home() / ".local" / "share" / "aiqm" / "web"


def test_passwords_are_stored_as_argon2_hashes(web: Web) -> None:
    import inspect

    source = inspect.getsource(user_service)  # tests patch _hasher with cheaper parameters
    assert "return PasswordHasher()" in source  # production: argon2-cffi's RFC 9106 defaults
    user = web.store.get_user_by_name("admin")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORDS["admin"] not in user.password_hash
    assert user_service.verify_password(user.password_hash, PASSWORDS["admin"])
    assert not user_service.verify_password(user.password_hash, "wrong-password")


def test_wrong_password_and_unknown_user_are_refused_alike(web: Web) -> None:
    from fastapi.testclient import TestClient

    c = TestClient(web.app)
    bad = sign_in(c, "admin", "not-the-password")
    unknown = sign_in(c, "nobody", "not-the-password")
    assert bad.status_code == unknown.status_code == 401
    assert c.get("/", follow_redirects=False).status_code == 303


def test_changing_a_role_signs_the_user_out(web: Web) -> None:
    viewer = web.store.get_user_by_name("viewer")
    assert web.client("viewer").get("/", follow_redirects=False).status_code == 200
    user_service.set_role(web.store, viewer.id, "evaluator")
    assert web.client("viewer").get("/", follow_redirects=False).status_code == 303


def test_login_redirects_only_to_local_paths(web: Web) -> None:
    from fastapi.testclient import TestClient

    c = TestClient(web.app)
    page = c.get("/login")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = c.post("/login", data={"username": "viewer", "password": PASSWORDS["viewer"],
                                   "csrf_token": csrf_of(page.text), "next": target},
                   follow_redirects=False)
        assert r.headers["location"] == "/"
        page = c.get("/login?next=/")  # signed in now: redirected; get a fresh token
        c = TestClient(web.app)
        page = c.get("/login")


def test_uploads_over_the_limit_are_refused_and_leave_nothing(tmp_path: Path) -> None:
    for web in make_web(tmp_path, max_upload_mb=1):
        comp = web.store.create_component("c", {"name": "c", "task": "other"}, {})
        big = io.BytesIO(b"a,b\n" + b"1,2\n" * (2**20 // 2))  # ~2 MB
        r = web.client("evaluator").post(
            f"/components/{comp.id}/inventories", headers={"X-CSRF-Token": web.csrf("evaluator")},
            data={"name": "big", "kind": "dataset"}, files={"file": ("big.csv", big, "text/csv")})
        assert r.status_code == 413
        assert "larger than the limit of 2 MB" in r.text
        assert web.store.list_inventories(comp.id) == []
        inputs = web.home / "components" / str(comp.id) / "inputs"
        assert not inputs.exists() or not any(inputs.iterdir())


def test_upload_limit_holds_without_a_content_length(tmp_path: Path) -> None:
    from aiqm.web.security import BodyLimitMiddleware

    received: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            m = await receive()
            received.append(m.get("body", b""))
            if not m.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    import asyncio

    limited = BodyLimitMiddleware(app, limit=lambda: 1000, small_bytes=1000)
    chunks = [{"type": "http.request", "body": b"x" * 600, "more_body": True}] * 10
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return chunks.pop(0)

    async def send(m: dict[str, Any]) -> None:
        sent.append(m)

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": []}
    asyncio.run(limited(scope, receive, send))
    assert sent[0]["status"] == 413
    assert sum(len(b) for b in received) <= 1200


def test_uploads_are_stored_by_digest_not_by_client_name(web: Web, bc_files: dict[str, Path]) -> None:
    comp = web.store.create_component("c", {"name": "c", "task": "binary_classification"}, {})
    with bc_files["test"].open("rb") as fh:
        r = web.client("evaluator").post(
            f"/components/{comp.id}/inventories", headers={"X-CSRF-Token": web.csrf("evaluator")},
            data={"name": "test", "kind": "dataset", "target": "diagnosis"},
            files={"file": ("../../../etc/evil name.parquet", fh, "application/octet-stream")},
            follow_redirects=False)
    assert r.status_code == 303, r.text
    (inv,) = web.store.list_inventories(comp.id)
    from aiqm.data.digest import sha256_path

    digest = sha256_path(bc_files["test"])
    assert inv.digest == digest
    assert inv.file == f"inputs/{digest.removeprefix('sha256:')}.parquet"
    stored = list((web.home / "components" / str(comp.id) / "inputs").iterdir())
    assert [p.name for p in stored] == [inv.file.removeprefix("inputs/")]
    assert inv.label == "evil name.parquet"  # shown, never used as a path
    assert not (web.home.parent / "etc").exists()


@pytest.mark.parametrize("path", ["../secret", "/etc/passwd", "sub/../../outside.csv", "link.csv"])
def test_no_path_traversal_through_data_root_paths(web: Web, path: str) -> None:
    outside = web.data_root.parent / "outside.csv"
    outside.write_text("a\n1\n")
    (web.data_root / "sub").mkdir(exist_ok=True)
    link = web.data_root / "link.csv"
    if not link.exists():
        link.symlink_to(outside)
    comp = web.store.create_component("c", {"name": "c", "task": "other"}, {})
    r = web.post("evaluator", f"/components/{comp.id}/inventories",
                 {"name": "x", "kind": "dataset", "source": "path", "path": path})
    assert r.status_code == 400
    assert ("outside" in r.text and "data roots" in r.text) or "outside the project folder" in r.text
    assert web.store.list_inventories(comp.id) == []
    r = web.post("evaluator", "/import", {"folder": path})
    assert r.status_code == 400


TRAVERSALS = [
    "/runs/..%2F..%2Fsecret.key", "/runs/%2e%2e/progress", "/static/..%2Fsecret.key",
    "/static/%2e%2e/%2e%2e/storage/web_store.py", "/components/1%2F..%2F..%2F/export",
    "/runs/abcdefabcdef/report.json%2F..%2F..", "/runs/abcdefabcdef/log?test=..%2F..%2Fsecret.key",
    "/aits/..%2F..%2Fetc%2Fpasswd", "/components/1/inventories/..%2F..%2Fsecret.key",
]


def test_no_path_traversal_through_url_parameters(web: Web) -> None:
    secret = (web.home / "secret.key").read_bytes()
    for url in TRAVERSALS:
        r = web.client("admin").get(url, follow_redirects=False)
        assert r.status_code in (400, 404, 422), url
        assert secret not in r.content and b"class WebStore" not in r.content, url


def test_server_binds_to_loopback_by_default() -> None:
    import inspect

    from aiqm.cli import serve
    from aiqm.web import DEFAULT_HOST

    assert DEFAULT_HOST == "127.0.0.1"
    source = inspect.getsource(serve.register)
    assert '= "127.0.0.1"' in source
    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("::1")
    assert not serve.is_loopback("0.0.0.0")


def test_evaluators_cannot_trust_models_or_load_plugins(web: Web, bc_files: dict[str, Path]) -> None:
    comp = web.store.create_component("c", {"name": "c", "task": "other"}, {})
    with bc_files["model"].open("rb") as fh:
        r = web.client("evaluator").post(
            f"/components/{comp.id}/inventories", headers={"X-CSRF-Token": web.csrf("evaluator")},
            data={"name": "m", "kind": "model", "trusted": "on"},
            files={"file": ("m.skops", fh, "application/octet-stream")})
    assert r.status_code == 400 and "only an admin can mark a model trusted" in r.text
    r = web.post("evaluator", f"/components/{comp.id}/edit",
                 {"name": "c", "task": "other", "plugins": "os"})
    assert r.status_code == 400 and "only an admin can set" in r.text
