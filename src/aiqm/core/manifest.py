"""The AIT manifest: an AIT's typed declaration of what it takes and what it reports."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from aiqm.core._base import Definition
from aiqm.core.constraints import PARAMETER_TYPES, Constraint, Interval, check_value
from aiqm.exceptions import InvalidParameterError, ManifestError

__all__ = [
    "AITManifest",
    "DownloadSpec",
    "InventorySpec",
    "MeasureSpec",
    "ParameterSpec",
    "Reference",
    "ResourceSpec",
    "parse_ait_ref",
]

_ID_RE = r"^[a-z][a-z0-9_]{1,63}$"
_SEMVER_RE = r"^\d+\.\d+\.\d+$"


class InventorySpec(Definition):
    """An input slot of an AIT.

    ``kind`` is what the slot takes: ``dataset``, ``model`` (a loadable model or a
    predictions column) or ``document``.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["dataset", "model", "document"]
    description: str = ""
    description_ja: str = ""
    formats: tuple[str, ...] = ()
    required: bool = True
    requires_target: bool = False


class ParameterSpec(Definition):
    """A parameter of an AIT with its type, default and constraints."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: str
    description: str = ""
    description_ja: str = ""
    default: Any = None
    required: bool = False
    nullable: bool = False
    constraints: tuple[Constraint, ...] = ()

    @field_validator("type")
    @classmethod
    def _known_type(cls, v: str) -> str:
        if v not in PARAMETER_TYPES:
            raise ValueError(f"unknown parameter type {v!r}; use one of {', '.join(PARAMETER_TYPES)}")
        return v

    @model_validator(mode="after")
    def _default_valid(self) -> ParameterSpec:
        if self.required or (self.default is None and self.nullable):
            return self
        if self.default is None:
            raise ValueError(
                f"parameter {self.name!r} needs a default, or required: true, or nullable: true"
            )
        try:
            check_value(
                self.default,
                type_=self.type,
                constraints=self.constraints,
                name=self.name,
                owner="<manifest>",
                nullable=self.nullable,
            )
        except InvalidParameterError as exc:
            raise ValueError(f"default does not satisfy its own constraint: {exc}") from None
        return self


class MeasureSpec(Definition):
    """A measure an AIT reports: type, structure, range and direction."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: Literal["float", "int", "bool"] = "float"
    structure: Literal["single", "sequence"] = "single"
    description: str = ""
    description_ja: str = ""
    min: float | None = None
    max: float | None = None
    direction: Literal["higher", "lower", "none"] = "none"
    unit: str = ""

    @property
    def range(self) -> Interval:
        return Interval(low=self.min, high=self.max)


class ResourceSpec(Definition):
    """A figure, table or text an AIT attaches to its result."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["figure", "table", "text"]
    description: str = ""
    description_ja: str = ""


class DownloadSpec(Definition):
    """A file an AIT offers for download (raw outputs, logs …)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    description_ja: str = ""


class Reference(Definition):
    """A bibliographic or web reference for the method an AIT implements."""

    title: str
    url: str = ""


class AITManifest(Definition):
    """The typed declaration of an AIT.

    Stable id: ``aiqm.ait:<id>@<version>`` (see :attr:`ref`).

    Examples
    --------
    >>> m = AITManifest.from_data({
    ...     "id": "row_count", "version": "1.0.0", "description": "Counts rows.",
    ...     "characteristics": ["B-1"],
    ...     "parameters": [{"name": "minimum", "type": "int", "default": 1}],
    ...     "measures": [{"name": "n_rows", "type": "int", "min": 0}]})
    >>> m.ref
    'aiqm.ait:row_count@1.0.0'
    >>> m.validate_parameters({})
    {'minimum': 1}
    """

    id: str = Field(pattern=_ID_RE)
    version: str = Field(pattern=_SEMVER_RE)
    title: str = ""
    title_ja: str = ""
    description: str
    description_ja: str = ""
    characteristics: tuple[str, ...] = Field(min_length=1)
    requirements: tuple[str, ...] = ()
    external_qualities: tuple[str, ...] = ()
    inventories: tuple[InventorySpec, ...] = ()
    parameters: tuple[ParameterSpec, ...] = ()
    measures: tuple[MeasureSpec, ...] = ()
    resources: tuple[ResourceSpec, ...] = ()
    downloads: tuple[DownloadSpec, ...] = ()
    references: tuple[Reference, ...] = ()
    licenses: tuple[str, ...] = ("Apache-2.0",)
    keywords: tuple[str, ...] = ()
    iso_5259_measures: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> AITManifest:
        for field in ("inventories", "parameters", "measures", "resources", "downloads"):
            names = [x.name for x in getattr(self, field)]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"duplicate {field} name(s): {', '.join(dupes)}")
        return self

    @property
    def ref(self) -> str:
        """The stable id ``aiqm.ait:<id>@<version>``."""
        return f"aiqm.ait:{self.id}@{self.version}"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def measure(self, name: str) -> MeasureSpec | None:
        return next((m for m in self.measures if m.name == name), None)

    def inventory(self, name: str) -> InventorySpec | None:
        return next((i for i in self.inventories if i.name == name), None)

    def validate_parameters(self, given: dict[str, Any]) -> dict[str, Any]:
        """Check TD parameter values and fill defaults.

        Raises
        ------
        InvalidParameterError
            For an unknown parameter, a missing required one, or a value that breaks
            its type or constraints.
        """
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(given) - set(known))
        if unknown:
            allowed = ", ".join(sorted(known)) or "(none)"
            raise InvalidParameterError(
                f"AIT {self.id!r} has no parameter {unknown[0]!r}; its parameters are: {allowed}."
            )
        out: dict[str, Any] = {}
        for p in self.parameters:
            if p.name not in given:
                if p.required:
                    raise InvalidParameterError(
                        f"The {p.name!r} parameter of AIT {self.id!r} is required: "
                        f"set it under 'parameters' in the test description ({p.description})."
                    )
                out[p.name] = p.default
                continue
            out[p.name] = check_value(
                given[p.name],
                type_=p.type,
                constraints=p.constraints,
                name=p.name,
                owner=self.id,
                nullable=p.nullable,
            )
        return out

    @classmethod
    def from_data(cls, data: dict[str, Any], source: str = "<manifest>") -> AITManifest:
        """Validate manifest data and raise :class:`ManifestError` naming each problem."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = [
                f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
                for e in exc.errors()
            ]
            raise ManifestError(
                f"invalid AIT manifest in {source}:\n  " + "\n  ".join(problems)
            ) from None


def parse_ait_ref(ref: str) -> tuple[str, str | None]:
    """Split ``id``, ``id@1``, ``id@1.2`` or ``aiqm.ait:id@1.2.0`` into (id, version spec).

    Examples
    --------
    >>> parse_ait_ref("aiqm.ait:data_drift@1.2.0")
    ('data_drift', '1.2.0')
    >>> parse_ait_ref("classification_performance")
    ('classification_performance', None)
    """
    s = ref.removeprefix("aiqm.ait:")
    ait_id, _, version = s.partition("@")
    if not re.fullmatch(_ID_RE, ait_id) or (version and not re.fullmatch(r"\d+(\.\d+){0,2}", version)):
        raise ValueError(
            f"{ref!r} is not an AIT reference; write 'id', 'id@MAJOR', 'id@MAJOR.MINOR' or "
            "'id@MAJOR.MINOR.PATCH' (e.g. 'classification_performance@1')"
        )
    return ait_id, (version or None)


def version_matches(version: str, spec: str | None) -> bool:
    """Whether ``version`` (x.y.z) satisfies a prefix spec such as ``1`` or ``1.2``."""
    if spec is None:
        return True
    return version.split(".")[: len(spec.split("."))] == spec.split(".")
