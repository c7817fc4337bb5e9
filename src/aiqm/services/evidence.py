"""Use cases: write and verify evidence bundles, generate signing keys."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aiqm._version import __version__
from aiqm.data.digest import sha256_path
from aiqm.data.paths import resolve_inside
from aiqm.evidence import (
    BundleFile,
    KeyPair,
    Verification,
    generate_keypair,
    key_id,
    load_private_key,
    load_public_key,
    verify_bundle,
    write_bundle,
)
from aiqm.evidence.verify import MAX_BUNDLE_BYTES
from aiqm.exceptions import InputError, PDFUnavailableError, StoreError
from aiqm.render.html import render_html
from aiqm.render.i18n import check_language
from aiqm.render.pdf import render_pdf
from aiqm.report.builder import report_to_json
from aiqm.report.canonical import report_digest
from aiqm.report.model import Report
from aiqm.services.reports import artifact_reader, build_run_report
from aiqm.services.store import open_existing_store

__all__ = ["BundleResult", "create_bundle", "generate_keys", "verify_bundle_file"]


@dataclass
class BundleResult:
    """What :func:`create_bundle` wrote."""

    path: Path
    run_id: str
    report_digest: str
    keyid: str
    files: dict[str, str] = field(default_factory=dict)
    missing: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle": str(self.path),
            "run_id": self.run_id,
            "report_digest": self.report_digest,
            "keyid": self.keyid,
            "files": len(self.files),
            "missing": self.missing,
        }


def _dump(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _artifact_refs(report: Report) -> dict[str, dict[str, Any]]:
    """Every artifact the report references, by digest, with where it is used."""
    refs: dict[str, dict[str, Any]] = {}
    for test in report.tests:
        for ref in [*test.resources, *([test.log] if test.log is not None else [])]:
            entry = refs.setdefault(
                ref.digest, {"media_type": ref.media_type, "size": ref.size, "used_by": []}
            )
            entry["used_by"].append({"test": test.name, "name": ref.name, "kind": ref.kind})
    return refs


def _data_files(project: Path, report: Report) -> list[tuple[str, Path]]:
    """(bundle path, file) of every inventory's data, after checking it still has its digest."""
    out: list[tuple[str, Path]] = []
    for inv in report.inventories:
        if not inv.path:
            continue
        where = resolve_inside(project, inv.path, what=f"inventory {inv.name!r}")
        if inv.digest and sha256_path(where) != inv.digest:
            raise InputError(
                f"inventory {inv.name!r} ({inv.path}) changed since the run: the run used "
                f"{inv.digest}; a bundle with --include-data must hold the data the run used — "
                "bundle without --include-data, or re-run and bundle the new run"
            )
        files = [where] if where.is_file() else sorted(p for p in where.rglob("*") if p.is_file())
        root = project.resolve()
        for f in files:
            out.append((f"data/{f.resolve().relative_to(root).as_posix()}", f))
    return out


def create_bundle(
    project: str | Path,
    run_ref: str,
    output: str | Path,
    key_path: str | Path,
    *,
    include_data: bool = False,
    lang: str = "en",
) -> BundleResult:
    """Write the signed evidence bundle of a stored run.

    The zip holds ``report/report.json``, ``report/report.html``,
    ``report/report.pdf`` (when the ``pdf`` extra is installed; otherwise the
    manifest says why it is missing), every artifact the report references
    (``artifacts/sha256/<hex>``), the run's stored configuration
    (``project/aiqm.yaml``), the inventories with their digests
    (``inventories.json``), the environment (``environment.json``), a
    ``manifest.json`` describing all of it, the inventories' data under
    ``data/`` only with ``include_data``, and ``statement.intoto.json``: an
    in-toto Statement over every other file in a DSSE envelope signed with
    the Ed25519 key at ``key_path``.

    Parameters
    ----------
    project : str or Path
        The project folder.
    run_ref : str
        Run id, id prefix or ``latest``.
    output : str or Path
        The zip to write.
    key_path : str or Path
        The private key (``aiqm keys generate``).
    include_data : bool, default=False
        Also bundle the inventories' files (checked against the run's digests).
    lang : str, default="en"
        Language of the HTML and PDF.

    Returns
    -------
    BundleResult
    """
    check_language(lang)
    key = load_private_key(key_path)
    project_dir = Path(project).resolve()
    store, artifacts = open_existing_store(project_dir)
    try:
        report = build_run_report(store, run_ref)
        run = store.get_run(report.run.id)
    finally:
        store.close()
    artifact = artifact_reader(artifacts)
    data_files = _data_files(project_dir, report) if include_data else []  # fail before rendering
    digest = report_digest(report)
    files: list[BundleFile] = [
        BundleFile("report/report.json", report_to_json(report).encode("utf-8")),
        BundleFile("report/report.html", render_html(report, artifact, lang=lang).encode("utf-8")),
        BundleFile(
            "project/aiqm.yaml",
            yaml.safe_dump(run.config, sort_keys=False, allow_unicode=True).encode("utf-8"),
        ),
        BundleFile(
            "inventories.json", _dump([i.model_dump(mode="json") for i in report.inventories])
        ),
        BundleFile("environment.json", _dump(report.environment)),
    ]
    missing: list[dict[str, str]] = []
    contents: list[dict[str, Any]] = [
        {"path": "report/report.json", "role": "report document (the source of every rendering)"},
        {"path": "report/report.html", "role": f"report, HTML ({lang})"},
        {"path": "project/aiqm.yaml", "role": "the run's stored project configuration"},
        {"path": "inventories.json", "role": "inventories with their digests"},
        {"path": "environment.json", "role": "execution environment"},
    ]
    try:
        files.append(BundleFile("report/report.pdf", render_pdf(report, artifact, lang=lang)))
        contents.append({"path": "report/report.pdf", "role": f"report, PDF ({lang})"})
    except PDFUnavailableError as exc:
        missing.append({"path": "report/report.pdf", "reason": str(exc)})

    for art_digest, usage in sorted(_artifact_refs(report).items()):
        name = f"artifacts/sha256/{art_digest.split(':', 1)[-1]}"
        path = artifacts.path(art_digest) if artifacts.exists(art_digest) else None
        if path is None:
            missing.append({"path": name, "reason": "not in the project's artifact store"})
            continue
        if sha256_path(path) != art_digest:
            raise StoreError(
                f"artifact {art_digest} at {path} does not have that digest: the artifact store "
                "is damaged; re-run the tests that produce it before bundling"
            )
        files.append(BundleFile(name, path=Path(path)))
        contents.append({"path": name, "role": "artifact", **usage})
    for name, path in data_files:
        files.append(BundleFile(name, path=path))
        contents.append({"path": name, "role": "inventory data"})

    predicate = {
        "generator": {"name": "aiqm", "version": __version__},
        "run": {
            "id": report.run.id,
            "status": report.run.status,
            "created_at": report.run.created_at.isoformat(),
            "finished_at": report.run.finished_at.isoformat() if report.run.finished_at else None,
            "executor": report.run.executor,
        },
        "component": report.component.model_dump(mode="json"),
        "guideline": report.guideline.ref if report.guideline else None,
        "summary": report.summary.model_dump(mode="json"),
        "report_digest": digest,
        "tests": [
            {"name": t.name, "characteristic": t.characteristic, "status": t.status.value}
            for t in report.tests
        ],
        "inventories": [
            {"name": i.name, "kind": i.kind, "digest": i.digest} for i in report.inventories
        ],
        "include_data": include_data,
        "missing": missing,
    }
    manifest = {
        "format": "aiqm-evidence-bundle",
        "version": 1,
        "run_id": report.run.id,
        "report_digest": digest,
        "language": lang,
        "include_data": include_data,
        "contents": sorted(contents, key=lambda c: c["path"]),
        "missing": missing,
        "signature": "statement.intoto.json: DSSE envelope (Ed25519) around an in-toto "
        "Statement v1 listing every other file with its SHA-256",
    }
    files.append(BundleFile("manifest.json", _dump(manifest)))
    subjects = write_bundle(output, files, predicate, key)
    return BundleResult(
        path=Path(output),
        run_id=report.run.id,
        report_digest=digest,
        keyid=key_id(key.public_key()),
        files=subjects,
        missing=missing,
    )


def verify_bundle_file(
    path: str | Path, key_path: str | Path, *, max_bytes: int | None = None
) -> Verification:
    """Verify a bundle against the public key at ``key_path``.

    Returns
    -------
    aiqm.evidence.Verification

    Raises
    ------
    InputError
        When the bundle or key file cannot be read.
    """
    key = load_public_key(key_path)
    bundle = Path(path)
    if not bundle.is_file():
        raise InputError(
            f"the bundle {bundle} does not exist; pass the zip written by `aiqm bundle`"
        )
    if not os.access(bundle, os.R_OK):
        raise InputError(f"cannot read the bundle {bundle}; check its permissions")
    return verify_bundle(bundle, key, max_bytes=max_bytes or MAX_BUNDLE_BYTES)


def generate_keys(
    directory: str | Path, name: str = "aiqm-signing", *, force: bool = False
) -> KeyPair:
    """Generate an Ed25519 key pair in ``directory`` (see :func:`aiqm.evidence.generate_keypair`)."""
    return generate_keypair(directory, name, force=force)
