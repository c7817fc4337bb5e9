"""Records produced by execution: measures, criterion outcomes, TD results and runs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from aiqm.core._base import Record, without_examples

__all__ = [
    "CriterionOutcome",
    "InputRef",
    "MeasureValue",
    "ResourceRef",
    "RunRecord",
    "Status",
    "TDResult",
]


class Status(StrEnum):
    """Outcome of one test description.

    Examples
    --------
    >>> [s.value for s in Status]
    ['OK', 'NG', 'ERR', 'NA']
    >>> Status("NG") is Status.NG
    True
    """

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(core_schema)
        without_examples(handler.resolve_ref_schema(json_schema))
        return json_schema

    OK = "OK"  # every criterion holds
    NG = "NG"  # some criterion fails
    ERR = "ERR"  # the AIT failed, or reported a measure outside its declared type/range
    NA = "NA"  # not executed


class MeasureValue(Record):
    """One reported measure; ``value`` is None when undefined, with the reason."""

    name: str
    value: float | int | bool | list[float | int | bool] | None = None
    undefined_reason: str | None = None


class CriterionOutcome(Record):
    """How one criterion fared."""

    measure: str
    description: str
    actual: float | int | bool | None = None
    passed: bool
    reason: str = ""


class ResourceRef(Record):
    """A stored artifact (figure, table, text, download, log)."""

    name: str
    kind: Literal["figure", "table", "text", "download", "log"]
    media_type: str
    digest: str
    size: int
    filename: str = ""


class InputRef(Record):
    """Which inventory fed an AIT slot, with the digest it had."""

    slot: str
    inventory: str
    kind: str
    digest: str


class TDResult(Record):
    """The result of one test description in one run, with the config that produced it.

    Examples
    --------
    >>> result = TDResult(
    ...     td_name="test accuracy", characteristic="C-1",
    ...     ait_id="classification_performance", ait_version="1.0.0", status=Status.OK,
    ...     measures=[MeasureValue(name="accuracy", value=0.93)],
    ... )
    >>> result.status.value, result.measure("accuracy").value
    ('OK', 0.93)
    """

    td_name: str
    characteristic: str
    requirements: list[str] = Field(default_factory=list)
    ait_id: str
    ait_version: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    inputs: list[InputRef] = Field(default_factory=list)
    status: Status
    measures: list[MeasureValue] = Field(default_factory=list)
    criteria: list[CriterionOutcome] = Field(default_factory=list)
    resources: list[ResourceRef] = Field(default_factory=list)
    error: str | None = None
    log: ResourceRef | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    cache_key: str = ""
    cached_from: str | None = None

    def measure(self, name: str) -> MeasureValue | None:
        return next((m for m in self.measures if m.name == name), None)


class RunRecord(Record):
    """One execution of a project's test descriptions."""

    id: str
    project_dir: str
    component: str
    status: Literal["running", "finished", "interrupted"] = "running"
    executor: str = "process"
    created_at: datetime
    finished_at: datetime | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    environment: dict[str, Any] = Field(default_factory=dict)
    inventories: dict[str, dict[str, Any]] = Field(default_factory=dict)
