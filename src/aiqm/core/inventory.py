"""Inventories: the registered inputs of a project (datasets, models, predictions, documents)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from aiqm.core._base import Definition

__all__ = [
    "DATASET_FORMATS",
    "HTTP_PLACEHOLDERS",
    "MODEL_FORMATS",
    "DatasetInventory",
    "DocumentInventory",
    "HttpModelInventory",
    "HttpResponseFields",
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


#: Header names whose values are credentials: they must come from environment variables.
_SECRET_HEADER = re.compile(r"authorization|cookie|token|secret|password|api[-_]?key|^key$", re.I)
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
HTTP_PLACEHOLDERS = ("$rows", "$columns", "$n")


def _placeholders(template: Any) -> list[str]:
    if isinstance(template, str):
        return [template] if template in HTTP_PLACEHOLDERS else []
    if isinstance(template, dict):
        return [p for v in template.values() for p in _placeholders(v)]
    if isinstance(template, list):
        return [p for v in template for p in _placeholders(v)]
    return []


class HttpResponseFields(Definition):
    """Where a model endpoint's JSON response holds its outputs (dotted paths).

    ``labels``: one label (or value) per row; ``probabilities``: one list of
    class probabilities (in ``classes`` order) or one ``{class: probability}``
    object per row. ``""`` is the whole body; ``a.b.0`` walks keys and indices.
    """

    labels: str | None = "predictions"
    probabilities: str | None = None

    @model_validator(mode="after")
    def _one_output(self) -> HttpResponseFields:
        if self.labels is None and self.probabilities is None:
            raise ValueError("set `labels` or `probabilities` (or both): the response field(s) "
                             "holding the model's outputs")
        return self


class HttpModelInventory(Definition):
    """A black-box model behind an HTTP endpoint that answers JSON.

    Rows are sent in batches of at most ``max_batch_size`` as the JSON
    ``request`` template with placeholders replaced: the string ``"$rows"`` by
    the batch's rows (``rows: records`` → ``[{column: value}, …]``; ``rows: values``
    → ``[[value, …], …]`` in feature order), ``"$columns"`` by the feature names and
    ``"$n"`` by the number of rows. Timeouts, connection errors, 429 and 5xx
    answers are retried ``retries`` times with exponential ``backoff``;
    ``max_requests_per_second`` limits the request rate. Header values may use
    ``${ENV_VAR}``; credentials (Authorization, tokens, API keys, cookies) must.
    """

    kind: Literal["http"]
    url: str = Field(pattern=r"^https?://[^\s]+$")
    method: Literal["POST", "PUT"] = "POST"
    request: dict[str, Any] | list[Any] | str = Field(default_factory=lambda: {"instances": "$rows"})
    rows: Literal["records", "values"] = "records"
    response: HttpResponseFields = Field(default_factory=HttpResponseFields)
    classes: tuple[str | int | float | bool, ...] = ()
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: float = Field(default=10.0, gt=0, le=3600)
    retries: int = Field(default=3, ge=0, le=10)
    backoff: float = Field(default=0.5, ge=0, le=60)
    max_batch_size: int = Field(default=256, ge=1, le=1_000_000)
    max_requests_per_second: float | None = Field(default=None, gt=0)
    version: str = ""
    description: str = ""
    digest: str | None = Field(default=None, pattern=_DIGEST)

    @field_validator("request")
    @classmethod
    def _rows_placeholder(cls, v: Any) -> Any:
        found = _placeholders(v)
        if found.count("$rows") != 1:
            raise ValueError(
                'the request template must contain the string "$rows" exactly once, where the '
                'batch of rows goes (e.g. {"instances": "$rows"})'
            )
        return v

    @field_validator("headers")
    @classmethod
    def _no_secrets_in_file(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            if _SECRET_HEADER.search(name) and not _ENV_REF.search(value):
                raise ValueError(
                    f"header {name!r} carries a credential, which must not be written in "
                    f"aiqm.yaml; put it in an environment variable and write e.g. "
                    f"'{name}: \"Bearer ${{MODEL_TOKEN}}\"'"
                )
        return v

    @model_validator(mode="after")
    def _classes_for_probabilities(self) -> HttpModelInventory:
        if self.response.probabilities is not None and not self.classes:
            raise ValueError("`classes` is required with `response.probabilities`: list the "
                             "class labels in the order of the probabilities")
        return self

    def env_vars(self) -> list[str]:
        """The environment variables the headers refer to."""
        return sorted({m for value in self.headers.values() for m in _ENV_REF.findall(value)})


Inventory = Annotated[
    DatasetInventory | ModelInventory | PredictionsInventory | DocumentInventory
    | HttpModelInventory,
    Field(discriminator="kind"),
]
