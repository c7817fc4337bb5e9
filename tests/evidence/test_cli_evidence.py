"""`aiqm keys generate`, `aiqm bundle` and `aiqm verify` on a project with stored runs."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest
from tests._require import require_module
from typer.testing import CliRunner

require_module("cryptography", "pip install 'aiqm[evidence]'")

from aiqm.cli.main import app
from aiqm.report.canonical import report_digest_of_json
from render.stored import StoredProject, make_stored_project

runner = CliRunner()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> StoredProject:
    return make_stored_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys")
    result = runner.invoke(app, ["keys", "generate", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    assert "key id:" in result.output
    return folder


@pytest.fixture(scope="module")
def bundle(project: StoredProject, keys: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "evidence.zip"
    result = runner.invoke(
        app,
        [
            "bundle",
            "run-b",
            "-C",
            str(project.root),
            "-o",
            str(out),
            "--key",
            str(keys / "aiqm-signing.pem"),
            "--lang",
            "ja",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    return out


def _verify(bundle: Path, keys: Path, *extra: str) -> object:
    return runner.invoke(
        app, ["verify", str(bundle), "--key", str(keys / "aiqm-signing.pub.pem"), *extra]
    )


def test_keys_are_written_with_private_mode_0600(keys: Path) -> None:
    assert stat.S_IMODE((keys / "aiqm-signing.pem").stat().st_mode) == 0o600
    again = runner.invoke(app, ["keys", "generate", "-o", str(keys)])
    assert again.exit_code == 2 and "--force" in again.output


def test_bundle_contents(bundle: Path, project: StoredProject) -> None:
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        report_json = zf.read("report/report.json")
        html = zf.read("report/report.html").decode()
        config = zf.read("project/aiqm.yaml").decode()
        inventories = json.loads(zf.read("inventories.json"))
        environment = json.loads(zf.read("environment.json"))
    report = json.loads(report_json)
    assert report["run"]["id"] == "run-b"
    assert {
        "report/report.json",
        "report/report.html",
        "project/aiqm.yaml",
        "inventories.json",
        "environment.json",
        "manifest.json",
        "statement.intoto.json",
    } <= names
    artifacts = {n for n in names if n.startswith("artifacts/sha256/")}
    referenced = {r["digest"].split(":")[1] for t in report["tests"] for r in t["resources"]}
    referenced |= {t["log"]["digest"].split(":")[1] for t in report["tests"] if t["log"]}
    assert {f"artifacts/sha256/{h}" for h in referenced} == artifacts and artifacts
    assert not any(n.startswith("data/") for n in names)  # no data without --include-data
    assert manifest["report_digest"] == report_digest_of_json(report_json)
    assert manifest["language"] == "ja" and '<html lang="ja">' in html
    assert "credit-scoring" in config
    assert {i["name"]: i["digest"] for i in inventories}["test"] == project.data_digest
    assert environment["python"] == "3.11.7"
    from aiqm.render.pdf import pdf_available

    if pdf_available()[0]:
        assert "report/report.pdf" in names and manifest["missing"] == []
    else:
        assert {m["path"] for m in manifest["missing"]} == {"report/report.pdf"}


def test_verify_round_trip(bundle: Path, keys: Path) -> None:
    result = _verify(bundle, keys)
    assert result.exit_code == 0, result.output
    assert "verified" in result.output and "run run-b" in result.output
    data = json.loads(_verify(bundle, keys, "--json").output)
    assert data["ok"] is True and data["problems"] == [] and data["run"]["id"] == "run-b"


def test_verify_names_what_does_not_match(bundle: Path, keys: Path, tmp_path: Path) -> None:
    from aiqm.evidence._zip import canonical_info

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "environment.json":
                data = data.replace(b"3.11.7", b"3.99.0")
            if info.filename == "project/aiqm.yaml":
                continue  # removed
            with dst.open(canonical_info(info.filename, len(data)), "w") as fh:
                fh.write(data)
        with dst.open(canonical_info("notes.txt", 3), "w") as fh:
            fh.write(b"new")
    result = _verify(tampered, keys)
    assert result.exit_code == 1
    out = result.output
    assert "verification failed" in out
    assert "changed" in out and "environment.json" in out
    assert "removed" in out and "project/aiqm.yaml" in out
    assert "added" in out and "notes.txt" in out
    other = tmp_path / "other"
    assert runner.invoke(app, ["keys", "generate", "-o", str(other)]).exit_code == 0
    wrong = runner.invoke(
        app, ["verify", str(bundle), "--key", str(other / "aiqm-signing.pub.pem")]
    )
    assert wrong.exit_code == 1 and "wrong_key" in wrong.output


def test_include_data_bundles_the_files_the_run_used(
    project: StoredProject, keys: Path, tmp_path: Path
) -> None:
    out = tmp_path / "with-data.zip"
    args = [
        "bundle",
        "run-b",
        "-C",
        str(project.root),
        "-o",
        str(out),
        "--key",
        str(keys / "aiqm-signing.pem"),
        "--include-data",
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        assert zf.read("data/data/test.csv") == project.data
        assert zf.read("data/model.skops") == b"model-bytes"
    assert _verify(out, keys).exit_code == 0
    # run-a used other data: bundling it with --include-data is refused, saying why
    args[1] = "run-a"
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "changed since the run" in refused.output


def test_bad_input_exits_2(project: StoredProject, keys: Path, tmp_path: Path) -> None:
    no_key = runner.invoke(
        app, ["bundle", "run-b", "-C", str(project.root)], env={"AIQM_SIGNING_KEY": ""}
    )
    assert no_key.exit_code == 2 and "aiqm keys generate" in no_key.output
    bad_key = runner.invoke(
        app,
        ["bundle", "run-b", "-C", str(project.root), "--key", str(keys / "aiqm-signing.pub.pem")],
    )
    assert bad_key.exit_code == 2 and "not the '.pub.pem'" in bad_key.output
    missing = runner.invoke(
        app, ["verify", str(tmp_path / "nope.zip"), "--key", str(keys / "aiqm-signing.pub.pem")]
    )
    assert missing.exit_code == 2 and "does not exist" in missing.output
    lang = runner.invoke(
        app,
        [
            "bundle",
            "run-b",
            "-C",
            str(project.root),
            "--key",
            str(keys / "aiqm-signing.pem"),
            "--lang",
            "fr",
        ],
    )
    assert lang.exit_code == 2


def test_missing_pdf_is_said_in_the_manifest_and_the_output(
    project: StoredProject, keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiqm.render import pdf

    def unavailable() -> None:
        raise pdf.PDFUnavailableError("PDF reports need WeasyPrint: pip install 'aiqm[pdf]'")

    monkeypatch.setattr(pdf, "_weasyprint", unavailable)
    out = tmp_path / "no-pdf.zip"
    result = runner.invoke(
        app,
        [
            "bundle",
            "run-a",
            "-C",
            str(project.root),
            "-o",
            str(out),
            "--key",
            str(keys / "aiqm-signing.pem"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "not included: report/report.pdf" in result.output and "aiqm[pdf]" in result.output
    with zipfile.ZipFile(out) as zf:
        assert "report/report.pdf" not in zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["missing"] == [
        {
            "path": "report/report.pdf",
            "reason": "PDF reports need WeasyPrint: pip install 'aiqm[pdf]'",
        }
    ]
    assert _verify(out, keys).exit_code == 0
