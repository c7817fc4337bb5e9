"""Inventories: the registered inputs of a project (datasets, models, predictions, documents)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from aiqm.core._base import Definition

__all__ = [
    "DATASET_FORMATS",
    "MODEL_FORMATS",
    "DatasetInventory",
    "DocumentInventory",
    "Inventory",
    "ModelInventory",
    "PredictionsInventory",
]

DATASET_FORMATS = ("auto", "csv", "parquet", "arrow", "feather")
MODEL_FORMATS = ("auto", "skops", "onnx", "joblib", "pickle")

_DIGEST = r"^sha256:[0-9a-f]{64}$"


class DatasetInventory(Definition):
    """A tabular dataset file (CSV, Parquet, Arrow IPC / Feather).

    ``target`` names the label column; ``features`` restricts the columns a model
    sees (default: every column but the target).
    """

    kind: Literal["dataset"]
    path: str
    format: Literal["auto", "csv", "parquet", "arrow", "feather"] = "auto"
    target: str | None = None
    features: tuple[str, ...] | None = None
    description: str = ""
    digest: str | None = Field(default=None, pattern=_DIGEST)


class ModelInventory(Definition):
    """A model file: skops, ONNX, or joblib/pickle (only with ``trusted: true``).

    ``trusted_types`` lists extra skops types you have reviewed and accept.
    """

    kind: Literal["model"]
    path: str
    format: Literal["auto", "skops", "onnx", "joblib", "pickle"] = "auto"
    trusted: bool = False
    trusted_types: tuple[str, ...] = ()
    description: str = ""
    digest: str | None = Field(default=None, pattern=_DIGEST)


class PredictionsInventory(Definition):
    """A column of a dataset used as a model's output, for models you cannot load.

    ``column`` holds predicted labels; ``proba_columns`` (optional) hold the
    predicted probability of each class, in the order of ``classes``.
    """

    kind: Literal["predictions"]
    dataset: str
    column: str
    proba_columns: tuple[str, ...] = ()
    classes: tuple[str | int | float | bool, ...] = ()
    description: str = ""


class DocumentInventory(Definition):
    """An evidence file or folder (checklist, design document, log …)."""

    kind: Literal["document"]
    path: str
    format: str = "auto"
    description: str = ""
    digest: str | None = Field(default=None, pattern=_DIGEST)


Inventory = Annotated[
    DatasetInventory | ModelInventory | PredictionsInventory | DocumentInventory,
    Field(discriminator="kind"),
]
