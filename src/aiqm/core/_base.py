"""Base classes shared by the core models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["Definition", "Record", "without_examples"]

_EXAMPLES = "\n\nExamples\n--------"


def without_examples(schema: dict[str, Any]) -> None:
    """Publish a model's docstring in its JSON Schema without the doctest examples."""
    description = schema.get("description")
    if isinstance(description, str) and _EXAMPLES in description:
        schema["description"] = description.split(_EXAMPLES)[0].rstrip()


class Definition(BaseModel):
    """A frozen, hashable definition read from a file (manifest, TD, inventory …)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, json_schema_extra=without_examples
    )


class Record(BaseModel):
    """A mutable record produced by execution (result, run)."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, json_schema_extra=without_examples
    )
