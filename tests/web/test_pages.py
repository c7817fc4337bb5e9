"""Pages with FastAPI's TestClient: components, inventories, AITs, tests, import/export, language."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from aiqm.core.project import load_project
from aiqm.data.digest import sha256_path

from .conftest import Web


def _component(web: Web, name: str = "bc", **extra: str) -> int:
    r = web.post("evaluator", "/components", {"name": name, "task": "binary_classification",
                                              "guideline": "aist-mlqm@3", "level_AIPL": "1", **extra})
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def _upload(web: Web, cid: int, name: str, path: Path, kind: str, **fields: str) -> Any:
    with path.open("rb") as fh:
        return web.client("evaluator").post(
            f"/components/{cid}/inventories", headers={"X-CSRF-Token": web.csrf("evaluator")},
            data={"name": name, "kind": kind, **fields},
            files={"file": (path.name, fh, "application/octet-stream")}, follow_redirects=False)


def _bc_component(web: Web, bc: dict[str, Path]) -> int:
    cid = _component(web)
    assert _upload(web, cid, "test", bc["test"], "dataset", target="diagnosis").status_code == 303
    assert _upload(web, cid, "model", bc["model"], "model").status_code == 303
    return cid


def _test_form(**over: str) -> dict[str, str]:
    form = {"ait": "classification_performance@1", "name": "accuracy", "characteristic": "C-1",
            "inv_dataset": "test", "inv_model": "model", "param_positive_label": "malignant",
            "crit_measure_0": "accuracy", "crit_op_0": ">=", "crit_value_0": "0.9",
            "crit_measure_1": "recall_per_class", "crit_op_1": ">=", "crit_value_1": "0.8",
            "crit_aggregate_1": "all", "crit_measure_2": ""}
    form.update(over)
    return form


def test_create_and_edit_a_component_with_target_levels(web: Web) -> None:
    page = web.client("evaluator").get("/components/new")
    assert page.status_code == 200 and 'name="level_AISL"' in page.text and "Risk avoidance" in page.text
    cid = _component(web, level_AISL="0.2")
    comp = web.store.get_component(cid)
    assert comp.spec["levels"] == {"AIPL": "1", "AISL": "0.2"}
    r = web.post("evaluator", f"/components/{cid}/edit", {
        "name": "bc2", "task": "binary_classification", "guideline": "aist-mlqm@3", "level_AIFL": "2",
        "timeout": "30", "memory_limit_mb": "1024", "cache": "on"})
    assert r.status_code == 303
    comp = web.store.get_component(cid)
    assert comp.name == "bc2" and comp.spec["levels"] == {"AIFL": "2"}
    assert comp.settings == {"timeout": 30.0, "memory_limit_mb": 1024}
    page = web.client("viewer").get(f"/components/{cid}")
    assert "bc2" in page.text and "AIFL 2" in page.text


def test_component_form_errors_are_shown_with_what_is_allowed(web: Web) -> None:
    r = web.post("evaluator", "/components", {"name": "x", "task": "ranking", "guideline": "aist-mlqm@3"})
    assert r.status_code == 400 and "task" in r.text and "ranking" in r.text
    r = web.post("evaluator", "/components", {"name": "x", "task": "other", "guideline": "aist-mlqm@3",
                                              "level_AIFL": "7"})
    assert r.status_code == 400 and "&#39;7&#39; is not a level of AIFL; use one of 0, 1, 2" in r.text
    _component(web, "dup")
    r = web.post("evaluator", "/components", {"name": "dup", "task": "other", "guideline": "aist-mlqm@3"})
    assert r.status_code == 400 and "exists already" in r.text


def test_upload_shows_format_digest_and_where_an_inventory_is_used(
    web: Web, bc_files: dict[str, Path],
) -> None:
    cid = _bc_component(web, bc_files)
    assert web.post("evaluator", f"/components/{cid}/tests", _test_form()).status_code == 303
    invs = {i.name: i for i in web.store.list_inventories(cid)}
    assert invs["test"].digest == sha256_path(bc_files["test"])
    assert invs["model"].format == "skops" and invs["test"].format == "parquet"
    page = web.client("viewer").get(f"/components/{cid}/inventories/{invs['test'].id}")
    assert invs["test"].digest in page.text and "parquet" in page.text and "accuracy" in page.text
    overview = web.client("viewer").get(f"/components/{cid}")
    assert invs["model"].digest[:19] in overview.text
    # a used inventory cannot be deleted; an unused one can
    r = web.post("evaluator", f"/components/{cid}/inventories/{invs['test'].id}/delete")
    assert r.status_code == 303 and len(web.store.list_inventories(cid)) == 2
    assert _upload(web, cid, "spare", bc_files["train"], "dataset").status_code == 303
    spare = next(i for i in web.store.list_inventories(cid) if i.name == "spare")
    assert web.post("evaluator", f"/components/{cid}/inventories/{spare.id}/delete").status_code == 303
    assert {i.name for i in web.store.list_inventories(cid)} == {"test", "model"}


def test_bad_uploads_get_the_engines_messages(web: Web, bc_files: dict[str, Path], tmp_path: Path) -> None:
    cid = _component(web)
    r = _upload(web, cid, "test", bc_files["test"], "dataset", target="no_such_column")
    assert r.status_code == 400 and "has no column &#39;no_such_column&#39;" in r.text
    junk = tmp_path / "model.bin"
    junk.write_bytes(b"\x00" * 10)
    r = _upload(web, cid, "m", junk, "model")
    assert r.status_code == 400 and "cannot tell the format" in r.text
    pkl = tmp_path / "model.pkl"
    pkl.write_bytes(b"\x80\x04K\x01.")
    r = _upload(web, cid, "m", pkl, "model")
    assert r.status_code == 400 and "loading it runs arbitrary code" in r.text
    assert web.store.list_inventories(cid) == []
    inputs = web.home / "components" / str(cid) / "inputs"
    assert [p for p in inputs.iterdir() if not p.name.startswith(".")] == []


def test_register_by_path_inside_a_data_root(web: Web, bc_files: dict[str, Path]) -> None:
    shutil.copy(bc_files["test"], web.data_root / "test.parquet")
    cid = _component(web)
    r = web.post("evaluator", f"/components/{cid}/inventories",
                 {"name": "test", "kind": "dataset", "source": "path", "path": "test.parquet",
                  "target": "diagnosis"})
    assert r.status_code == 303, r.text
    (inv,) = web.store.list_inventories(cid)
    assert inv.source == "path" and inv.label == "test.parquet"
    assert inv.digest == sha256_path(bc_files["test"])
    assert (web.home / "components" / str(cid) / inv.file).is_file()


def test_ait_pages_show_the_manifests(web: Web) -> None:
    page = web.client("viewer").get("/aits")
    assert "classification_performance" in page.text and "data_completeness" in page.text
    page = web.client("viewer").get("/aits/classification_performance")
    assert "positive_label" in page.text and "accuracy" in page.text and "aiqm.ait:" in page.text
    assert web.client("viewer").get("/aits/no_such_ait").status_code == 404


def test_the_test_form_is_generated_from_the_manifest(web: Web, bc_files: dict[str, Path]) -> None:
    cid = _bc_component(web, bc_files)
    page = web.client("evaluator").get(f"/components/{cid}/tests/new?ait=data_completeness@1")
    assert page.status_code == 200
    from aiqm.core.constraints import describe
    from aiqm.plugins.manager import load_registry

    m = load_registry().get("data_completeness@1").manifest
    for p in m.parameters:
        assert f'name="param_{p.name}"' in page.text
        assert describe(p.type, p.constraints).replace("'", "&#39;") in page.text
    for ms in m.measures:
        assert f'<option value="{ms.name}"' in page.text
    assert '<option value="test"' in page.text  # the dataset slot offers dataset inventories
    picker = web.client("evaluator").get(f"/components/{cid}/tests/new")
    assert "data_completeness" in picker.text


def test_parameter_errors_are_checked_on_the_server_with_the_clis_message(
    web: Web, bc_files: dict[str, Path], tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from aiqm.cli.main import app

    cid = _bc_component(web, bc_files)
    r = web.post("evaluator", f"/components/{cid}/tests", _test_form(param_n_calibration_bins="abc"))
    assert r.status_code == 400
    shown = re.search(r'<pre class="flash error" id="form-error">(.*?)</pre>', r.text, re.S).group(1)
    shown = shown.replace("&#39;", "'").replace("&#34;", '"')
    # the same test description in aiqm.yaml, run by the CLI
    project = tmp_path / "p"
    project.mkdir()
    shutil.copy(bc_files["test"], project / "test.parquet")
    shutil.copy(bc_files["model"], project / "model.skops")
    (project / "aiqm.yaml").write_text(yaml.safe_dump({
        "component": {"name": "bc", "task": "binary_classification"},
        "inventories": {"test": {"kind": "dataset", "path": "test.parquet", "target": "diagnosis"},
                        "model": {"kind": "model", "path": "model.skops"}},
        "tests": [{"name": "accuracy", "characteristic": "C-1", "ait": "classification_performance@1",
                   "inventories": {"dataset": "test", "model": "model"},
                   "parameters": {"n_calibration_bins": "abc"}}]}))
    cli = CliRunner().invoke(app, ["run", str(project), "--executor", "inline"])
    assert cli.exit_code == 2
    assert shown in " ".join(cli.output.split()), (shown, cli.output)
    assert shown == ("The 'n_calibration_bins' parameter of AIT 'classification_performance' must be "
                     "an int in the range [2, 100]. Got 'abc' instead.")
    # the form keeps what was typed
    assert 'value="abc"' in r.text and 'value="0.9"' in r.text
    r = web.post("evaluator", f"/components/{cid}/tests", _test_form(param_n_calibration_bins="1"))
    assert "must be an int in the range [2, 100]. Got 1 instead." in r.text


def test_add_edit_copy_and_delete_tests(web: Web, bc_files: dict[str, Path]) -> None:
    cid = _bc_component(web, bc_files)
    assert web.post("evaluator", f"/components/{cid}/tests", _test_form()).status_code == 303
    (t,) = web.store.list_tests(cid)
    assert t.spec == {
        "name": "accuracy", "characteristic": "C-1", "ait": "classification_performance@1",
        "inventories": {"dataset": "test", "model": "model"},
        "parameters": {"positive_label": "malignant"},
        "criteria": [{"measure": "accuracy", "op": ">=", "value": 0.9},
                     {"measure": "recall_per_class", "op": ">=", "value": 0.8, "aggregate": "all"}]}
    edit = web.client("evaluator").get(f"/components/{cid}/tests/{t.id}/edit")
    assert 'value="malignant"' in edit.text and 'value="0.9"' in edit.text
    r = web.post("evaluator", f"/components/{cid}/tests/{t.id}",
                 _test_form(crit_op_0="between", crit_value_0="0.9, 1", crit_measure_1=""))
    assert r.status_code == 303
    assert web.store.get_test(cid, t.id).spec["criteria"] == [
        {"measure": "accuracy", "op": "between", "value": [0.9, 1.0]}]
    assert web.post("evaluator", f"/components/{cid}/tests/{t.id}/copy").status_code == 303
    assert web.post("evaluator", f"/components/{cid}/tests/{t.id}/copy").status_code == 303
    names = [x.name for x in web.store.list_tests(cid)]
    assert names == ["accuracy", "accuracy (copy)", "accuracy (copy 2)"]
    r = web.post("evaluator", f"/components/{cid}/tests", _test_form(name="accuracy (copy)"))
    assert r.status_code == 400 and "already" in r.text
    r = web.post("evaluator", f"/components/{cid}/tests", _test_form(name="x", crit_measure_0="nope"))
    assert r.status_code == 400
    r = web.post("evaluator", f"/components/{cid}/tests", _test_form(name="y", characteristic="Z-9"))
    assert r.status_code == 400 and "is not in the component" in r.text
    copy = web.store.list_tests(cid)[1]
    assert web.post("evaluator", f"/components/{cid}/tests/{copy.id}/delete").status_code == 303
    assert [x.name for x in web.store.list_tests(cid)] == ["accuracy", "accuracy (copy 2)"]


def test_export_gives_an_aiqm_yaml_the_cli_loads(web: Web, bc_files: dict[str, Path], tmp_path: Path) -> None:
    cid = _bc_component(web, bc_files)
    web.post("evaluator", f"/components/{cid}/tests", _test_form())
    r = web.client("viewer").get(f"/components/{cid}/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    folder = web.home / "components" / str(cid)
    (tmp_path / "aiqm.yaml").write_text(r.text)
    project, _ = load_project(tmp_path / "aiqm.yaml")
    assert project.component.name == "bc" and project.component.levels == {"AIPL": "1"}
    assert project.inventories["test"].digest == sha256_path(bc_files["test"])
    assert (folder / project.inventories["model"].path).is_file()
    assert project.tests[0].parameters == {"positive_label": "malignant"}


def test_import_a_project_folder_from_a_data_root_and_round_trip(web: Web, bc_files: dict[str, Path]) -> None:
    shutil.copytree(bc_files["project"], web.data_root / "demo", ignore=shutil.ignore_patterns(".aiqm"))
    r = web.post("evaluator", "/import", {"folder": "demo"})
    assert r.status_code == 303, r.text
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    comp = web.store.get_component(cid)
    original, _ = load_project(bc_files["project"])
    assert comp.name == original.component.name
    invs = {i.name: i for i in web.store.list_inventories(cid)}
    assert set(invs) == set(original.inventories)
    assert invs["train"].digest == sha256_path(bc_files["train"])
    assert invs["scores"].kind == "predictions" and invs["scores"].spec["column"] == "predicted"
    assert [t.name for t in web.store.list_tests(cid)] == [t.name for t in original.tests]
    exported = yaml.safe_load(web.client("viewer").get(f"/components/{cid}/export").text)
    assert [t["name"] for t in exported["tests"]] == [t.name for t in original.tests]
    assert exported["tests"][0]["criteria"] == [c.model_dump(mode="json", exclude_none=True)
                                                for c in original.tests[0].criteria]


def test_import_yaml_text_without_files_and_its_errors(web: Web) -> None:
    text = (
        "component: {name: imported, task: regression}\n"
        "inventories:\n  data: {kind: dataset, path: data/train.csv, target: y}\n"
        "tests:\n  - name: completeness\n    characteristic: B-3\n    ait: data_completeness@1\n"
        "    inventories: {dataset: data}\n"
    )
    r = web.post("evaluator", "/import", {"text": text})
    assert r.status_code == 303, r.text
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    (inv,) = web.store.list_inventories(cid)
    assert inv.file is None and inv.label == "data/train.csv"
    assert "no file" in web.client("viewer").get(f"/components/{cid}").text
    r = web.post("evaluator", f"/components/{cid}/runs")
    assert r.status_code == 303
    assert "has no stored file" in web.client("evaluator").get(r.headers["location"]).text
    # line-numbered errors, as `aiqm run` prints them
    bad = text.replace("task: regression", "task: ranking").replace("imported", "other")
    r = web.post("evaluator", "/import", {"text": bad})
    assert r.status_code == 400 and "aiqm.yaml:1: component.task" in r.text
    bad = text.replace("data_completeness@1", "no_such_ait@1").replace("imported", "third")
    r = web.post("evaluator", "/import", {"text": bad})
    assert r.status_code == 400 and "no AIT &#39;no_such_ait&#39; is installed" in r.text
    assert web.store.get_component_by_name("third") is None  # nothing kept


def test_language_follows_accept_language_and_the_switch(web: Web) -> None:
    viewer = web.client("viewer")
    assert "Components" in viewer.get("/").text
    assert "コンポーネント" in viewer.get("/", headers={"Accept-Language": "ja,en;q=0.5"}).text
    assert "Components" in viewer.get("/", headers={"Accept-Language": "fr, en;q=0.2"}).text
    r = web.post("viewer", "/lang", {"lang": "ja", "next": "/aits"})
    assert r.status_code == 303 and r.headers["location"] == "/aits"
    page = viewer.get("/")
    assert "ログアウト" in page.text and '<html lang="ja">' in page.text
    web.post("viewer", "/lang", {"lang": "en", "next": "/"})
    assert "Sign out" in viewer.get("/").text


def test_every_page_string_has_an_english_and_a_japanese_text() -> None:
    from aiqm.render.i18n import catalogue_keys

    root = Path(__file__).resolve().parents[2] / "src" / "aiqm" / "web"
    used = set()
    for f in list((root / "templates").glob("*.html")) + list(root.rglob("*.py")):
        used |= set(re.findall(r'_\(["\']([a-z_0-9]*[a-z0-9])["\']', f.read_text()))
    used |= {f"{p}_{s}" for p, states in {
        "run": ("starting", "running", "finished", "failed", "cancelled", "interrupted"),
        "test": ("pending", "running", "OK", "NG", "ERR", "NA"),
        "role": ("viewer", "evaluator", "admin"), "lang": ("en", "ja"),
        "source": ("upload", "path", "import", "none", "column"),
        "error": ("forbidden", "csrf_failed", "bad_input", "not_found", "server_error", "too_large"),
    }.items() for s in states}
    for lang in ("en", "ja"):
        missing = sorted(k for k in used if f"web.{k}" not in catalogue_keys(lang))
        assert not missing, f"{lang}: {missing}"


def test_admin_creates_users_and_changes_roles(web: Web) -> None:
    r = web.post("admin", "/admin/users", {"username": "newbie", "password": "a-long-password", "role": "evaluator"})
    assert r.status_code == 303
    user = web.store.get_user_by_name("newbie")
    assert user.role == "evaluator" and user.password_hash.startswith("$argon2id$")
    r = web.post("admin", "/admin/users", {"username": "short", "password": "short", "role": "viewer"})
    assert r.status_code == 400 and "at least 10 characters" in r.text
    assert web.post("admin", f"/admin/users/{user.id}", {"role": "viewer", "active": "no"}).status_code == 303
    user = web.store.get_user_by_name("newbie")
    assert (user.role, user.active) == ("viewer", False)
    admin = web.store.get_user_by_name("admin")
    web.post("admin", f"/admin/users/{admin.id}", {"role": "viewer"})
    assert web.store.get_user_by_name("admin").role == "admin"  # the last admin stays admin
    r = web.post("admin", "/admin/settings", {"max_upload_mb": "5", "max_active_runs": "3"})
    assert r.status_code == 303
    assert web.store.settings() == {"max_upload_mb": 5, "max_active_runs": 3}
    assert web.app.state.runs.max_active == 3
    web.post("admin", "/admin/settings", {"max_upload_mb": "0", "max_active_runs": "3"})
    assert web.store.settings()["max_upload_mb"] == 5


def test_account_api_tokens_are_shown_once_and_revocable(web: Web) -> None:
    r = web.post("viewer", "/account/tokens", {"name": "ci"})
    token = re.search(r'id="new-token">([^<]+)<', r.text).group(1)
    assert token.startswith("aiqm_")
    assert token not in web.client("viewer").get("/account").text
    from fastapi.testclient import TestClient

    api = TestClient(web.app)
    assert api.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["username"] == "viewer"
    (tok,) = web.store.list_tokens(web.store.get_user_by_name("viewer").id)
    assert web.post("viewer", f"/account/tokens/{tok.id}/delete").status_code == 303
    assert api.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_password_change_keeps_this_session_and_ends_others(web: Web) -> None:
    from fastapi.testclient import TestClient

    from .conftest import PASSWORDS, sign_in

    other = TestClient(web.app)
    sign_in(other, "viewer", PASSWORDS["viewer"])
    r = web.post("viewer", "/account/password", {"current": PASSWORDS["viewer"], "new": "a-new-password-2"})
    assert r.status_code == 303
    assert web.client("viewer").get("/", follow_redirects=False).status_code == 200
    assert other.get("/", follow_redirects=False).status_code == 303


def test_the_level_questionnaire_sets_the_target_level(web: Web) -> None:
    from aiqm.core.guideline import load_guideline
    from aiqm.core.levels import determine_level

    page = web.client("evaluator").get("/components/new")
    assert 'name="q_AIFL__no_bias_requirement"' in page.text
    answers = {"fair_treatment_required": "no", "personal_data_rights": "no",
               "no_bias_requirement": "yes", "acceptance_risk": "no"}
    expected = determine_level(load_guideline("aist-mlqm@3").external_characteristic("AIFL"), answers)
    form = {f"q_AIFL__{k}": v for k, v in answers.items()}
    cid = _component(web, "fair", level_AIFL="2", **form)
    assert web.store.get_component(cid).spec["levels"]["AIFL"] == expected.level.label == "1"
    r = web.post("evaluator", "/components", {"name": "partial", "task": "other",
                                              "guideline": "aist-mlqm@3", "q_AIFL__acceptance_risk": "no"})
    assert r.status_code == 400 and "AIFL: no answer to" in r.text
