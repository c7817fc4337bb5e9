"""AIT parameters declared once, as a typed class.

An AIT declares its parameters as a subclass of :class:`Parameters`. Each field's
annotation gives the type, its :func:`Param` the default, the constraints and the
English and Japanese help text. Everything else is derived from that one
declaration:

- the manifest's ``parameters`` section (:func:`parameter_specs`),
- the validation of a test description's values, with the one message shape of
  :func:`aiqm.core.constraints.check_value`,
- the typed, frozen object the AIT receives as ``ctx.params``.

Example
-------
>>> from aiqm.core.constraints import Interval
>>> class DriftParameters(Parameters):
...     threshold: float = Param(0.1, Interval(low=0, high=1), help="Drift above this.",
...                              help_ja="これを超えるとドリフト。")
...     columns: list[str] | None = Param(None, help="Columns to compare.")
>>> [(s.name, s.type, s.nullable) for s in parameter_specs(DriftParameters)]
[('threshold', 'float', False), ('columns', 'list[str]', True)]
>>> p = DriftParameters.from_validated({"threshold": 0.2, "columns": None})
>>> p.threshold, p["threshold"]
(0.2, 0.2)
"""

from __future__ import annotations

import types
import typing
import warnings
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic._internal._model_construction import ModelMetaclass
from pydantic.fields import FieldInfo

from aiqm.core.constraints import Constraint, Interval, Length, Options, Pattern
from aiqm.core.manifest import ParameterSpec
from aiqm.exceptions import ManifestError

__all__ = ["REQUIRED", "Param", "Parameters", "parameter_specs"]

#: Pass as the default of :func:`Param` for a parameter the test must set.
REQUIRED: Any = ...

_CONSTRAINT_TYPES = (Interval, Options, Pattern, Length)
_SCALARS: dict[type, str] = {bool: "bool", int: "int", float: "float", str: "str"}


def Param(
    default: Any = REQUIRED,
    *constraints: Interval | Options | Pattern | Length,
    help: str = "",
    help_ja: str = "",
) -> Any:
    """Declare one AIT parameter: its default, constraints and help text.

    Parameters
    ----------
    default : object, default=REQUIRED
        The value used when a test does not set the parameter; :data:`REQUIRED`
        (or ``...``) makes the parameter required.
    *constraints : Interval, Options, Pattern or Length
        Constraints every value must satisfy, in the order they are checked and shown.
    help : str, default=""
        What the parameter does, in English (the manifest's ``description``).
    help_ja : str, default=""
        The same in Japanese (the manifest's ``description_ja``).

    Returns
    -------
    pydantic.fields.FieldInfo
        A field declaration carrying the constraints and help texts.
    """
    for c in constraints:
        if not isinstance(c, _CONSTRAINT_TYPES):
            raise TypeError(
                f"Param() constraints must be Interval, Options, Pattern or Length; got {c!r}"
            )
    extra = {"aiqm_constraints": tuple(constraints), "aiqm_help_ja": help_ja}
    if default is REQUIRED:
        return Field(description=help, json_schema_extra=extra)  # type: ignore[arg-type]
    return Field(default=default, description=help, json_schema_extra=extra)  # type: ignore[arg-type]


class _ParametersMeta(ModelMetaclass):
    """Creates Parameters classes without pydantic's warning about shadowed names.

    Manifests predate the classes, so a parameter may be named like a ``BaseModel``
    attribute (``schema``); the field is what the AIT reads, and that is intended.
    """

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> type:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", r'Field name ".*" in ".*" shadows an attribute in parent', UserWarning
            )
            return super().__new__(mcs, name, bases, namespace, **kwargs)


class Parameters(BaseModel, metaclass=_ParametersMeta):
    """Base class of an AIT's typed parameters.

    Subclass it, declare one annotated field per parameter with :func:`Param`, and
    pass the class as ``parameters=`` to :func:`aiqm.plugins.sdk.ait`. The AIT then
    receives an instance as ``ctx.params``: attribute access is typed
    (``ctx.params.threshold``); ``ctx.params["threshold"]``, ``"threshold" in ctx.params``
    and ``dict(ctx.params)`` also work, for code written against the mapping form.

    A parameter may be called like an attribute pydantic's ``BaseModel`` already has
    (``schema``, ``json``, ``copy`` …): on the object the parameter wins, and pydantic's
    warning about the shadowing is silenced for these classes only.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    #: Set on a subclass to keep the manifest's parameter order different from the
    #: field order (rarely needed).
    __parameter_order__: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_validated(cls, values: Mapping[str, Any]) -> Parameters:
        """Build the object from values already checked against the manifest.

        The values come from :meth:`aiqm.core.manifest.AITManifest.validate_parameters`,
        which gives the user-facing messages; they are not validated again here.
        """
        names = set(cls.model_fields)
        unknown = sorted(set(values) - names)
        if unknown:
            raise ManifestError(
                f"{cls.__name__} has no parameter {unknown[0]!r}; its parameters are: "
                f"{', '.join(sorted(names)) or '(none)'}"
            )
        filled = {n: values.get(n, f.default) for n, f in cls.model_fields.items()}
        return cls.model_construct(**filled)

    # -- read by name, for code written against the mapping form ----------------------------
    def __getitem__(self, name: str) -> Any:
        if name not in type(self).model_fields:
            raise KeyError(name)
        return getattr(self, name)

    def __contains__(self, name: object) -> bool:
        return name in type(self).model_fields

    def as_dict(self) -> dict[str, Any]:
        """The values as a plain dict (name → value); ``dict(params)`` gives the same."""
        return {n: getattr(self, n) for n in type(self).model_fields}


def _type_of(annotation: Any, where: str) -> tuple[str, bool, tuple[Any, ...]]:
    """(manifest type, nullable, literal options) for an annotation."""
    nullable = False
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) != len(get_args(annotation)) - 1 or len(args) != 1:
            raise ManifestError(f"{where}: a parameter may be 'T' or 'T | None', not {annotation!r}")
        nullable = True
        annotation = args[0]
        origin = get_origin(annotation)
    if origin is Literal:
        opts = get_args(annotation)
        kinds = {type(o) for o in opts}
        if len(kinds) != 1 or next(iter(kinds)) not in _SCALARS:
            raise ManifestError(f"{where}: Literal options must all be str, int, float or bool")
        return _SCALARS[next(iter(kinds))], nullable, tuple(opts)
    if annotation in _SCALARS:
        return _SCALARS[annotation], nullable, ()
    if origin in (list, tuple) and origin is list:
        (elem,) = get_args(annotation) or (None,)
        if elem in (int, float, str):
            return f"list[{_SCALARS[elem]}]", nullable, ()
    if annotation is dict or origin is dict or origin is Mapping:
        return "object", nullable, ()
    raise ManifestError(
        f"{where}: unsupported parameter type {annotation!r}; use bool, int, float, str, "
        "list[int], list[float], list[str], dict[str, Any] or a Literal of one of the scalars, "
        "optionally '| None'"
    )


def parameter_specs(cls: type[Parameters]) -> tuple[ParameterSpec, ...]:
    """The manifest ``parameters`` section derived from a :class:`Parameters` class.

    Raises
    ------
    ManifestError
        For a field whose type cannot be a parameter, or a default that breaks its
        own constraints (the message names the class and the field).
    """
    if not (isinstance(cls, type) and issubclass(cls, Parameters)):
        raise ManifestError(f"parameters must be a subclass of Parameters; got {cls!r}")
    hints = typing.get_type_hints(cls)
    order = list(cls.__parameter_order__) or list(cls.model_fields)
    if sorted(order) != sorted(cls.model_fields):
        raise ManifestError(f"{cls.__name__}.__parameter_order__ must list every field once")
    specs = []
    for name in order:
        info: FieldInfo = cls.model_fields[name]
        where = f"{cls.__name__}.{name}"
        type_, nullable, literal = _type_of(hints[name], where)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        constraints: tuple[Constraint, ...] = tuple(extra.get("aiqm_constraints", ()))  # type: ignore[arg-type]
        if literal and not any(isinstance(c, Options) for c in constraints):
            constraints = (Options(values=literal), *constraints)
        required = info.is_required()
        data: dict[str, Any] = {
            "name": name,
            "type": type_,
            "description": info.description or "",
            "description_ja": extra.get("aiqm_help_ja", "") or "",
            "required": required,
            "nullable": nullable,
            "constraints": constraints,
        }
        if not required:
            data["default"] = info.get_default(call_default_factory=True)
        try:
            specs.append(ParameterSpec.model_validate(data))
        except ValidationError as exc:
            why = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            raise ManifestError(f"parameter {where} is not a valid declaration: {why}") from None
    return tuple(specs)
