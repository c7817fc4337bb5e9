"""Test descriptions (TDs) and their acceptance criteria."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from aiqm.core._base import Definition

__all__ = ["AGGREGATES", "OPERATORS", "Criterion", "TestDescription"]

OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "between")
AGGREGATES = ("all", "any", "at_least", "mean", "min", "max")


class Criterion(Definition):
    """A condition on one measure.

    ``op`` is one of ``== != < <= > >= between``; for ``between`` the value is
    ``[low, high]`` (both inclusive). For a sequence measure, ``aggregate`` says
    how the elements combine: ``all``/``any``/``at_least`` (with ``k``) test each
    element; ``mean``/``min``/``max`` reduce first and then test.

    Examples
    --------
    >>> Criterion(measure="accuracy", op=">=", value=0.9).describe()
    'accuracy >= 0.9'
    >>> Criterion(measure="recall_per_class", op="between", value=(0.8, 1.0),
    ...           aggregate="at_least", k=2).describe()
    'at least 2 of recall_per_class between 0.8 and 1.0'
    """

    measure: str
    op: Literal["==", "!=", "<", "<=", ">", ">=", "between"]
    value: float | int | bool | tuple[float, float]
    aggregate: Literal["all", "any", "at_least", "mean", "min", "max"] | None = None
    k: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _shape(self) -> Criterion:
        if self.op == "between":
            if not isinstance(self.value, tuple):
                raise ValueError("op 'between' needs value: [low, high]")
            if self.value[0] > self.value[1]:
                raise ValueError(f"between: low {self.value[0]} is greater than high {self.value[1]}")
        elif isinstance(self.value, tuple):
            raise ValueError(f"op {self.op!r} needs a single value, not a list; use 'between' for a range")
        if self.aggregate == "at_least" and self.k is None:
            raise ValueError("aggregate 'at_least' needs k (the number of elements that must pass)")
        if self.aggregate != "at_least" and self.k is not None:
            raise ValueError("k is only used with aggregate 'at_least'")
        return self

    def describe(self) -> str:
        agg = ""
        if self.aggregate == "at_least":
            agg = f"at least {self.k} of "
        elif self.aggregate:
            agg = f"{self.aggregate} of "
        if self.op == "between":
            assert isinstance(self.value, tuple)
            return f"{agg}{self.measure} between {self.value[0]} and {self.value[1]}"
        return f"{agg}{self.measure} {self.op} {self.value}"


class TestDescription(Definition):
    """One acceptance test: an AIT bound to inventories, with parameters and criteria.

    Examples
    --------
    >>> td = TestDescription(
    ...     name="test accuracy", characteristic="C-1", ait="classification_performance@1",
    ...     inventories={"dataset": "test", "model": "model"},
    ...     criteria=[{"measure": "accuracy", "op": ">=", "value": 0.9}],
    ... )
    >>> td.ait, [c.describe() for c in td.criteria]
    ('classification_performance@1', ['accuracy >= 0.9'])
    """

    __test__ = False  # not a pytest class

    name: str = Field(min_length=1, max_length=200)
    characteristic: str
    ait: str
    inventories: dict[str, str] = Field(default_factory=dict)
    parameters: dict[str, Any] = Field(default_factory=dict)
    criteria: tuple[Criterion, ...] = ()
    requirements: tuple[str, ...] = ()
    description: str = ""
    timeout: float | None = Field(default=None, gt=0)
    memory_limit_mb: int | None = Field(default=None, gt=0)

    def __hash__(self) -> int:  # dicts inside make the default hash fail
        return hash(self.model_dump_json())
