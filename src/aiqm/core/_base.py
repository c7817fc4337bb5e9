"""Base classes shared by the core models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Definition(BaseModel):
    """A frozen, hashable definition read from a file (manifest, TD, inventory …)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Record(BaseModel):
    """A mutable record produced by execution (result, run)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
