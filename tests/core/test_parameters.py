"""Typed AIT parameter classes: the manifest section and ctx.params derived from one class."""

from __future__ import annotations

import doctest
from typing import Any, ClassVar, Literal

import pytest

import aiqm.core.parameters as parameters_module
from aiqm.core.constraints import Interval, Length, Options, Pattern
from aiqm.core.parameters import REQUIRED, Param, Parameters, parameter_specs
from aiqm.exceptions import InvalidParameterError, ManifestError
from aiqm.plugins.sdk import Context, ait
from aiqm.testing import run_ait


class Example(Parameters):
    threshold: float = Param(0.5, Interval(low=0, high=1), help="Cut-off.", help_ja="閾値。")
    method: Literal["ks", "psi"] = Param("ks", help="Method.")
    columns: list[str] | None = Param(None, Length(min=1), help="Columns.")
    name: str = Param(REQUIRED, Pattern(regex=r"[a-z]+"), help="A name.")
    bins: list[float] = Param([0.0, 1.0])
    options: dict[str, Any] = Param({})
    enabled: bool = Param(True)


def test_specs_derived_from_annotations_and_params() -> None:
    specs = {s.name: s for s in parameter_specs(Example)}
    assert list(specs) == ["threshold", "method", "columns", "name", "bins", "options", "enabled"]
    t = specs["threshold"]
    assert (t.type, t.default, t.nullable, t.required) == ("float", 0.5, False, False)
    assert t.constraints == (Interval(low=0, high=1),)
    assert (t.description, t.description_ja) == ("Cut-off.", "閾値。")
    assert specs["method"].type == "str"
    assert specs["method"].constraints == (Options(values=("ks", "psi")),)
    assert specs["columns"].type == "list[str]" and specs["columns"].nullable
    assert specs["name"].required and specs["name"].default is None
    assert specs["bins"].type == "list[float]" and specs["bins"].default == [0.0, 1.0]
    assert specs["options"].type == "object"
    assert specs["enabled"].type == "bool"


def test_parameter_order_override() -> None:
    class Ordered(Parameters):
        __parameter_order__: ClassVar[tuple[str, ...]] = ("b", "a")
        a: int = Param(1)
        b: int = Param(2)

    assert [s.name for s in parameter_specs(Ordered)] == ["b", "a"]

    class Broken(Parameters):
        __parameter_order__: ClassVar[tuple[str, ...]] = ("a",)
        a: int = Param(1)
        b: int = Param(2)

    with pytest.raises(ManifestError, match="every field once"):
        parameter_specs(Broken)


def test_unsupported_type_is_a_manifest_error_naming_the_field() -> None:
    class Bad(Parameters):
        when: set[str] = Param(set())

    with pytest.raises(ManifestError, match=r"Bad\.when: unsupported parameter type"):
        parameter_specs(Bad)


def test_default_breaking_its_own_constraint_is_refused() -> None:
    class Bad(Parameters):
        share: float = Param(1.5, Interval(low=0, high=1))

    with pytest.raises(ManifestError, match=r"Bad\.share.*default does not satisfy"):
        parameter_specs(Bad)


def test_param_rejects_non_constraints() -> None:
    with pytest.raises(TypeError, match="Interval, Options, Pattern or Length"):
        Param(1, "not a constraint")  # type: ignore[arg-type]


def test_from_validated_and_the_mapping_view() -> None:
    p = Example.from_validated({"name": "abc"})
    assert p.threshold == 0.5 and p.name == "abc"
    assert p["method"] == "ks" and "bins" in p and "nope" not in p
    assert dict(p) == p.as_dict() and len(p.as_dict()) == 7
    with pytest.raises(KeyError):
        p["nope"]
    with pytest.raises(ManifestError, match="no parameter 'nope'"):
        Example.from_validated({"nope": 1})
    with pytest.raises(Exception, match="frozen"):
        p.threshold = 0.1  # type: ignore[misc]


def _counting_ait() -> Any:
    class CountParameters(Parameters):
        minimum: int = Param(1, Interval(low=0), help="Rows expected at least.")
        label: str = Param("rows", Options(values=("rows", "items")))

    @ait(id="row_counter", version="1.0.0", description="Counts rows.", characteristics=["B-1"],
         parameters=CountParameters,
         inventories=[{"name": "dataset", "kind": "dataset"}],
         measures=[{"name": "n_rows", "type": "int", "min": 0},
                   {"name": "enough", "type": "bool"}])
    def row_counter(ctx: Context[CountParameters]) -> None:
        assert isinstance(ctx.params, CountParameters)
        n = ctx.dataset("dataset").num_rows
        ctx.measure("n_rows", n)
        ctx.measure("enough", n >= ctx.params.minimum)

    return row_counter


def test_ait_receives_the_typed_object_and_messages_keep_their_shape() -> None:
    import pandas as pd

    counter = _counting_ait()
    frame = pd.DataFrame({"x": [1, 2, 3]})
    res = run_ait(counter, datasets={"dataset": frame}, params={"minimum": 5})
    assert res.measures == {"n_rows": 3, "enough": False}
    with pytest.raises(InvalidParameterError) as info:
        run_ait(counter, datasets={"dataset": frame}, params={"minimum": -1})
    assert str(info.value) == (
        "The 'minimum' parameter of AIT 'row_counter' must be an int in the range [0, inf). "
        "Got -1 instead."
    )


def test_parameters_may_shadow_basemodel_attributes_without_warnings() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Shadowing(Parameters):
            schema: dict[str, Any] | None = Param(None)  # type: ignore[assignment]
            values: list[float] = Param([])

    p = Shadowing.from_validated({"schema": {"a": "int"}, "values": [1.0]})
    assert p.schema == {"a": "int"} and p["values"] == [1.0]
    assert [s.name for s in parameter_specs(Shadowing)] == ["schema", "values"]


def test_module_doctest() -> None:
    result = doctest.testmod(parameters_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
