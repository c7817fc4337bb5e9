"""The store protocols: what the engine and services need from a run store and an artifact store.

They are declared here, in ``core``, so that the engine's runner and the
services can name them without importing :mod:`aiqm.storage`, which implements
them (:class:`aiqm.storage.sql.SqlRunStore`, :class:`aiqm.storage.artifacts.ArtifactStore`)
and re-exports them from :mod:`aiqm.storage.protocol`. A test double only has to
honour the methods below.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from aiqm.core.results import RunRecord, TDResult

__all__ = ["ArtifactReader", "ArtifactStoreProtocol", "RunStore"]

ArtifactReader = Callable[[str], bytes | None]
"""``read(digest)`` returns a stored artifact's bytes, or None when it is missing."""


@runtime_checkable
class ArtifactStoreProtocol(Protocol):
    """A content-addressed store of artifacts (figures, tables, downloads, logs), by digest.

    Digests are ``sha256:<64 hex>``; errors are :class:`aiqm.exceptions.StoreError`.
    """

    def put_bytes(self, data: bytes) -> str:
        """Store ``data`` and return its digest."""
        ...

    def put_file(self, path: Path) -> str:
        """Store the content of the file at ``path`` and return its digest."""
        ...

    def get_bytes(self, digest: str) -> bytes:
        """Return the content named by ``digest`` (StoreError when it is not stored)."""
        ...

    def exists(self, digest: str) -> bool:
        """Return whether content named by ``digest`` is stored."""
        ...

    def path(self, digest: str) -> Path:
        """Return the path of the stored file named by ``digest``; do not modify it."""
        ...


@runtime_checkable
class RunStore(Protocol):
    """Persistent record of runs, their TD results, inventories and artifacts.

    Every failure to read or write is raised as :class:`aiqm.exceptions.StoreError`
    with a message that says how to fix it. Datetimes are returned timezone-aware
    in UTC; naive datetimes passed in are taken to be UTC.
    """

    def create_run(self, run: RunRecord) -> None:
        """Record a new run.

        Parameters
        ----------
        run : RunRecord
            The run; its ``id`` must not exist yet.

        Raises
        ------
        StoreError
            If a run with the same id exists.
        """
        ...

    def set_run_status(
        self,
        run_id: str,
        status: str,
        finished_at: datetime | None = None,
    ) -> None:
        """Change a run's status.

        Parameters
        ----------
        run_id : str
            Full id of the run.
        status : {"running", "finished", "interrupted"}
            The new status.
        finished_at : datetime, default=None
            When given, stored as the run's end time; otherwise the stored end
            time is left as it is.

        Raises
        ------
        StoreError
            If the run does not exist.
        InvalidValueError
            If ``status`` is not one of the allowed values (also a ``ValueError``).
        """
        ...

    def save_result(self, run_id: str, result: TDResult, td_index: int) -> None:
        """Store one TD result, committed at once in its own transaction.

        Saving a result for a TD name that already has one in the run replaces it.

        Parameters
        ----------
        run_id : str
            Full id of the run the result belongs to.
        result : TDResult
            The result, stored whole.
        td_index : int
            Position of the TD in the project file; results are listed in this order.

        Raises
        ------
        StoreError
            If the run does not exist or the write fails.
        """
        ...

    def get_run(self, ref: str) -> RunRecord:
        """Return the run that ``ref`` names.

        Parameters
        ----------
        ref : str
            A full run id, a unique prefix of one (at least 4 characters), or
            ``"latest"`` for the most recently created run.

        Returns
        -------
        RunRecord
            The run.

        Raises
        ------
        StoreError
            If no run matches, or a prefix matches several; the message
            suggests ``aiqm runs`` to list them.
        """
        ...

    def list_runs(self, limit: int = 50) -> list[tuple[RunRecord, dict[str, int]]]:
        """Return the most recent runs with the number of results per status.

        Parameters
        ----------
        limit : int, default=50
            Maximum number of runs returned.

        Returns
        -------
        list of (RunRecord, dict)
            Newest first; each dict maps every :class:`~aiqm.core.results.Status`
            value (``"OK"``, ``"NG"``, ``"ERR"``, ``"NA"``) to a count.
        """
        ...

    def results(self, run_id: str) -> list[TDResult]:
        """Return the stored results of a run, in TD order.

        Parameters
        ----------
        run_id : str
            Full id of the run.

        Returns
        -------
        list of TDResult
            Ordered by ``td_index``; empty when the run has none (yet).
        """
        ...

    def find_cached(self, cache_key: str) -> TDResult | None:
        """Return the latest reusable result with this cache key.

        Only ``OK`` and ``NG`` results are reusable, never ``ERR`` or ``NA``.

        Parameters
        ----------
        cache_key : str
            Key derived from the AIT id and version, parameters and input digests.

        Returns
        -------
        TDResult or None
            The result, with ``cached_from`` set to the id of the run that
            computed it; None when there is none.
        """
        ...

    def latest_unfinished_run(self, project_dir: str) -> RunRecord | None:
        """Return the latest run of a project that is ``running`` or ``interrupted``.

        Parameters
        ----------
        project_dir : str
            The project folder, as stored in :attr:`RunRecord.project_dir`.

        Returns
        -------
        RunRecord or None
            The run to resume, or None.
        """
        ...

    def registered_inventories(self) -> dict[str, dict[str, Any]]:
        """Return the registered inventories.

        Returns
        -------
        dict
            Inventory name → ``{"kind", "path", "digest", "registered_at",
            "updated_at"}``.
        """
        ...

    def register_inventory(self, name: str, kind: str, path: str, digest: str) -> None:
        """Register an inventory, or update its registration.

        Parameters
        ----------
        name : str
            Inventory name in the project.
        kind : str
            ``dataset``, ``model``, ``attributes`` or ``document``.
        path : str
            Location as written in the project file.
        digest : str
            SHA-256 digest of its content.
        """
        ...

    def record_artifact(self, digest: str, size: int, media_type: str) -> None:
        """Record an artifact stored in the artifact store; a known digest is left as is.

        Parameters
        ----------
        digest : str
            ``sha256:<64 hex>``.
        size : int
            Size in bytes.
        media_type : str
            MIME type, e.g. ``image/svg+xml``.
        """
        ...

    def close(self) -> None:
        """Release the connections; the store must not be used afterwards."""
        ...
