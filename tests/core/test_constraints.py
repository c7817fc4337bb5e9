from __future__ import annotations

import pytest

from aiqm.core.constraints import Interval, Length, Options, Pattern, check_value, describe
from aiqm.exceptions import InvalidParameterError


def test_message_shape_matches_style_guide():
    with pytest.raises(InvalidParameterError) as info:
        check_value(1.5, type_="float", constraints=[Interval(low=0, high=1)],
                    name="threshold", owner="data_drift")
    assert str(info.value) == (
        "The 'threshold' parameter of AIT 'data_drift' must be a float in the range [0, 1]. "
        "Got 1.5 instead."
    )


@pytest.mark.parametrize(
    ("value", "type_", "constraints", "ok"),
    [
        (0, "float", [Interval(low=0, high=1, closed="left")], True),
        (1, "float", [Interval(low=0, high=1, closed="left")], False),
        (0, "float", [Interval(low=0, high=1, closed="right")], False),
        (float("nan"), "float", [], False),
        (True, "int", [], False),  # bools are not ints here
        (3.0, "int", [], True),
        (3.5, "int", [], False),
        ("ks", "str", [Options(values=("ks", "psi"))], True),
        ("x", "str", [Options(values=("ks", "psi"))], False),
        (["a", "b"], "list[str]", [Length(min=1)], True),
        ([], "list[str]", [Length(min=1)], False),
        ([0.1, 2.0], "list[float]", [Interval(low=0, high=1)], False),
        ("abc", "str", [Pattern(regex=r"[a-c]+")], True),
        ("abd", "str", [Pattern(regex=r"[a-c]+")], False),
        ({"a": 1}, "object", [], True),
        ([1], "object", [], False),
    ],
)
def test_check_value(value, type_, constraints, ok):
    if ok:
        check_value(value, type_=type_, constraints=constraints, name="p", owner="a")
    else:
        with pytest.raises(InvalidParameterError, match="The 'p' parameter of AIT 'a' must be"):
            check_value(value, type_=type_, constraints=constraints, name="p", owner="a")


def test_int_widened_to_float_and_int_from_integral_float():
    assert check_value(1, type_="float", name="p", owner="a") == 1.0
    assert isinstance(check_value(1, type_="float", name="p", owner="a"), float)
    assert check_value(2.0, type_="int", name="p", owner="a") == 2


def test_nullable():
    assert check_value(None, type_="str", name="p", owner="a", nullable=True) is None
    with pytest.raises(InvalidParameterError, match="or null"):
        check_value(3, type_="str", name="p", owner="a", nullable=True)


def test_describe_lists():
    text = describe("list[float]", [Interval(low=0), Length(min=2)])
    assert text == "a list of floats whose items are each in the range [0, inf) with at least 2 items"
