"""The lifecycle every SQL store shares: open and migrate, transactions, close."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import TracebackType
from typing import Self

from sqlalchemy import URL
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from aiqm.exceptions import StoreError
from aiqm.storage import _web_schema  # noqa: F401  (the web tables share the run store's metadata)
from aiqm.storage._engine import (
    WRITE_OPTION,
    create_store_engine,
    database_errors,
    describe,
    migrate,
)

__all__ = ["MigratedStore"]


class MigratedStore:
    """A store on a database brought to the newest migration when it opens.

    Parameters
    ----------
    url : str or sqlalchemy.URL
        Database URL (``sqlite:///path`` or ``postgresql://…``).

    Raises
    ------
    StoreError
        If the URL is invalid or the database cannot be opened or migrated.
    """

    #: how messages name this store ("the run store at …")
    kind = "store"

    def __init__(self, url: str | URL) -> None:
        try:
            self.url = make_url(url)
        except sa_exc.ArgumentError as exc:
            raise StoreError(f"invalid database URL {url!r}: {exc}") from exc
        self.location = describe(self.url)
        self._closed = False
        self._engine = create_store_engine(self.url)
        self._write_engine = self._engine.execution_options(**{WRITE_OPTION: True})
        try:
            migrate(self._engine)
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connections; the store refuses work afterwards."""
        self._closed = True
        self._engine.dispose()

    @contextlib.contextmanager
    def _session(self, action: str, *, write: bool = False) -> Iterator[Session]:
        """Yield a session inside one transaction, committed on success."""
        if self._closed:
            raise StoreError(f"cannot {action}: the {self.kind} at {self.location} is closed")
        engine = self._write_engine if write else self._engine
        with (
            database_errors(action, self.location),
            Session(engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session
