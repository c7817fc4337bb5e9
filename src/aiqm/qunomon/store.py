"""The store of imported AIT packages: one per user, packages kept by digest.

Where: ``$AIQM_AIT_STORE`` when set, else ``$XDG_DATA_HOME/aiqm/aits``
(``~/.local/share/aiqm/aits``). One store per user rather than per project,
because an imported AIT is a tool, like an installed plugin: several projects use
it, and its virtual environment (often hundreds of MB) is built once. Projects
stay reproducible because a test names ``<id>@<version>``, a run records the
package digest of every imported AIT it used, and the digest is part of each
result's cache key.

Layout::

    <store>/index.json                     one record per imported id@version
    <store>/packages/<hex>/dockerfile      the package as imported, never changed
    <store>/packages/<hex>/repository/…
    <store>/envs/<key>/                    virtual environments, by digest of what they
                                           are built from (see aiqm.qunomon.environment)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import Field

from aiqm.core._base import Record
from aiqm.core.manifest import parse_ait_ref, version_matches
from aiqm.data.digest import digest_hex, sha256_path
from aiqm.exceptions import InputError, UnknownAITError
from aiqm.qunomon.manifest import ImportedManifest, convert
from aiqm.qunomon.package import StagedPackage, entry_script, read_manifest, stage

__all__ = ["ENV_MODES", "STORE_ENV", "AITStore", "ImportRecord", "default_store_root"]

#: Environment variable naming the store folder.
STORE_ENV = "AIQM_AIT_STORE"
ENV_MODES = ("venv", "current", "docker")
EnvMode = Literal["venv", "current", "docker"]


def default_store_root() -> Path:
    """``$AIQM_AIT_STORE``, else ``$XDG_DATA_HOME/aiqm/aits`` (``~/.local/share/aiqm/aits``)."""
    explicit = os.environ.get(STORE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aiqm" / "aits"


class ImportRecord(Record):
    """One imported AIT: its aiqm id@version, the package digest and how it runs."""

    id: str
    version: str
    name: str  # the manifest's own name
    qunomon_version: str
    digest: str
    source: str
    layout: str
    entry: str
    env: EnvMode = "venv"
    imported_at: datetime
    warnings: list[str] = Field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def origin(self) -> str:
        return f"qunomon {self.digest[:19]}…"


class AITStore:
    """The imported AITs of one store folder.

    Parameters
    ----------
    root : Path, default=None
        The store folder (:func:`default_store_root` when omitted).
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_store_root()

    @property
    def index_path(self) -> Path:
        return self.root / "index.json"

    @property
    def envs_dir(self) -> Path:
        return self.root / "envs"

    def package_dir(self, digest: str) -> Path:
        return self.root / "packages" / digest_hex(digest)

    def package(self, record: ImportRecord) -> StagedPackage:
        return StagedPackage(self.package_dir(record.digest), "folder")

    # -- reading --------------------------------------------------------------------------
    def records(self) -> list[ImportRecord]:
        """Every imported AIT, sorted by id and version."""
        if not self.index_path.is_file():
            return []
        try:
            data = json.loads(self.index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"the AIT store index {self.index_path} cannot be read ({exc}); restore it or "
                "remove the store folder and import the packages again"
            ) from None
        recs = [ImportRecord.model_validate(r) for r in data.get("aits", [])]
        return sorted(recs, key=lambda r: (r.id, tuple(int(x) for x in r.version.split("."))))

    def get(self, ref: str) -> ImportRecord:
        """The newest record matching ``id``, ``id@1`` … (as test descriptions write it)."""
        try:
            ait_id, spec = parse_ait_ref(ref)
        except ValueError as exc:
            raise UnknownAITError(str(exc)) from None
        found = [r for r in self.records() if r.id == ait_id and version_matches(r.version, spec)]
        if not found:
            have = ", ".join(r.ref for r in self.records()) or "none"
            raise UnknownAITError(f"no imported AIT matches {ref!r} (imported: {have})")
        return found[-1]

    def load(self, record: ImportRecord) -> ImportedManifest:
        """The converted manifest of a stored package."""
        repo = self.package(record).repository
        return convert(read_manifest(repo), source=str(repo / "ait.manifest.json"))

    # -- writing --------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _write(self, records: list[ImportRecord]) -> None:
        doc = {"schema": "aiqm.ait-store/1",
               "aits": [r.model_dump(mode="json") for r in records]}
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".index.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, ensure_ascii=False)
        os.replace(tmp, self.index_path)

    def add(
        self, source: Path, *, env: EnvMode = "venv", replace: bool = False,
        taken: Mapping[str, str] | None = None,
    ) -> tuple[ImportRecord, ImportedManifest]:
        """Validate, convert and store a package; return its record and converted manifest.

        Parameters
        ----------
        source : Path
            A zip in Qunomon's local-install layout, its unpacked folder, or a bare
            ``repository`` folder.
        env : {"venv", "current", "docker"}, default="venv"
            How the AIT runs: its own virtual environment, aiqm's environment, or a
            container built from its dockerfile.
        replace : bool, default=False
            Replace an imported package with the same id@version but other content.
        taken : mapping of str to str, default=None
            AIT ids already provided by other plugins (id → origin); an import may not
            shadow them.

        Raises
        ------
        PackageError, QunomonManifestError, InputError
            For a path that is not a package, an invalid manifest (each field named),
            an id taken by another AIT, or another package with the same id@version.
        """
        if env not in ENV_MODES:
            raise InputError(f"unknown environment {env!r}; use one of {', '.join(ENV_MODES)}")
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "packages").mkdir(exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.root / "packages", prefix=".staging-"))
        try:
            staged = stage(source, staging / "pkg")
            imported = convert(read_manifest(staged.repository),
                               source=f"{source} (repository/ait.manifest.json)")
            entry = entry_script(staged)
            m = imported.manifest
            if taken and m.id in taken:
                raise InputError(
                    f"name: the AIT id {m.id!r} (from {imported.name!r}) is already provided by "
                    f"{taken[m.id]}; rename the package's AIT (manifest 'name') before importing"
                )
            digest = sha256_path(staged.root)
            record = ImportRecord(
                id=m.id, version=m.version, name=imported.name,
                qunomon_version=imported.version, digest=digest, source=str(Path(source).resolve()),
                layout=staged.layout, entry=entry, env=env, imported_at=datetime.now(UTC),
                warnings=list(imported.warnings),
            )
            with self._locked():
                records = self.records()
                same = next((r for r in records if r.ref == record.ref), None)
                if same is not None and same.digest != digest and not replace:
                    raise InputError(
                        f"{record.ref} is already imported from other content ({same.digest[:19]}…, "
                        f"from {same.source}); raise the manifest's version, or import with "
                        "--replace to use the new content (results of the old one stay stored)"
                    )
                final = self.package_dir(digest)
                if not final.exists():
                    os.replace(staged.root, final)
                records = [r for r in records if r.ref != record.ref] + [record]
                self._write(records)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return record, imported

    def set_env(self, ref: str, env: EnvMode) -> ImportRecord:
        """Change how an imported AIT runs."""
        if env not in ENV_MODES:
            raise InputError(f"unknown environment {env!r}; use one of {', '.join(ENV_MODES)}")
        with self._locked():
            rec = self.get(ref)
            records = [r for r in self.records() if r.ref != rec.ref]
            rec = rec.model_copy(update={"env": env})
            self._write([*records, rec])
        return rec

    def remove(self, ref: str) -> ImportRecord:
        """Forget an imported AIT; its package folder goes when no record uses it."""
        with self._locked():
            rec = self.get(ref)
            records = [r for r in self.records() if r.ref != rec.ref]
            self._write(records)
            if not any(r.digest == rec.digest for r in records):
                shutil.rmtree(self.package_dir(rec.digest), ignore_errors=True)
        return rec
