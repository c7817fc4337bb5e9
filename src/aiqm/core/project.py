"""The project file ``aiqm.yaml``: component, inventories, tests and settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from aiqm.core._base import Definition
from aiqm.core.inventory import Inventory
from aiqm.core.testdesc import TestDescription
from aiqm.exceptions import ProjectFileError

__all__ = ["PROJECT_FILE", "Component", "ProjectFile", "Settings", "load_project", "parse_project"]

PROJECT_FILE = "aiqm.yaml"

TASKS = (
    "binary_classification",
    "multiclass_classification",
    "regression",
    "other",
)


class Component(Definition):
    """The ML component under evaluation."""

    name: str = Field(min_length=1)
    task: Literal["binary_classification", "multiclass_classification", "regression", "other"]
    guideline: str | tuple[str, ...] = "aist-mlqm@3"
    levels: dict[str, str] = Field(default_factory=dict)
    description: str = ""
    problem_domain: str = ""

    @field_validator("levels", mode="before")
    @classmethod
    def _levels_as_str(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: str(x) for k, x in v.items()}
        return v

    @field_validator("guideline")
    @classmethod
    def _guideline_refs(cls, v: str | tuple[str, ...]) -> str | tuple[str, ...]:
        """A packaged guideline (``id`` or ``id@edition``) or a guideline file's path."""
        refs = (v,) if isinstance(v, str) else v
        if not refs:
            raise ValueError("name at least one guideline, e.g. aist-mlqm@3")
        for ref in refs:
            path = ref.lower().endswith((".yaml", ".yml", ".json"))
            if not path and not re.fullmatch(r"[a-z0-9][a-z0-9-]*(@[A-Za-z0-9._-]+)?", ref):
                raise ValueError(
                    f"{ref!r} is neither a guideline reference like 'aist-mlqm@3' (see `aiqm "
                    "guideline list`) nor the path of a guideline file (.yaml, .yml or .json)"
                )
        return v

    @property
    def guidelines(self) -> tuple[str, ...]:
        return (self.guideline,) if isinstance(self.guideline, str) else self.guideline


class Settings(Definition):
    """How runs execute; every field can be overridden on the command line."""

    executor: Literal["process", "inline"] = "process"
    workers: int = Field(default=0, ge=0, description="0 = number of CPUs")
    timeout: float = Field(default=600.0, gt=0, description="seconds per test")
    memory_limit_mb: int = Field(default=4096, gt=0, description="resident memory per test")
    cache: bool = True
    plugins: tuple[str, ...] = Field(
        default=(), description="extra plugin modules to load, e.g. mycompany.aits"
    )


class ProjectFile(Definition):
    """The whole project file.

    Examples
    --------
    >>> project = parse_project("component: {name: demo, task: other, guideline: aist-mlqm@3}")
    >>> project.component.name, project.component.guidelines, project.tests
    ('demo', ('aist-mlqm@3',), ())
    """

    component: Component
    inventories: dict[str, Inventory] = Field(default_factory=dict)
    tests: tuple[TestDescription, ...] = ()
    settings: Settings = Field(default_factory=Settings)

    @field_validator("inventories")
    @classmethod
    def _inventory_names(cls, v: dict[str, Any]) -> dict[str, Any]:
        for name in v:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,63}", name):
                raise ValueError(
                    f"inventory name {name!r} is not allowed; use letters, digits, '_', '-' "
                    "or '.', starting with a letter"
                )
        return v

    @model_validator(mode="after")
    def _references(self) -> ProjectFile:
        names = [t.name for t in self.tests]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"test names must be unique; repeated: {', '.join(dupes)}")
        known = sorted(self.inventories)
        for inv_name, inv in self.inventories.items():
            if inv.kind == "predictions":
                ds = self.inventories.get(inv.dataset)
                if ds is None or ds.kind != "dataset":
                    raise ValueError(
                        f"predictions inventory {inv_name!r} names dataset {inv.dataset!r}, "
                        f"which is not a dataset inventory (datasets: "
                        f"{', '.join(n for n, i in self.inventories.items() if i.kind == 'dataset') or 'none'})"
                    )
        for t in self.tests:
            for slot, inv_name in t.inventories.items():
                if inv_name not in self.inventories:
                    raise ValueError(
                        f"test {t.name!r} binds {slot!r} to inventory {inv_name!r}, which is not "
                        f"declared under 'inventories' (declared: {', '.join(known) or 'none'})"
                    )
        return self


# --- loading with line numbers -------------------------------------------------------------


def _line_map(text: str) -> dict[tuple[Any, ...], int]:
    """Map each key path of a YAML document to its 1-based line number."""
    lines: dict[tuple[Any, ...], int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = k.value
                lines[(*path, key)] = k.start_mark.line + 1
                walk(v, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*path, i))

    if root is not None:
        walk(root, ())
    return lines


_ALLOWED_HINTS = {
    "component.task": "one of " + ", ".join(TASKS),
    "settings.executor": "'process' or 'inline'",
}


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (("." if out else "") + str(p))
    return out or "(top level)"


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic adds discriminator tags (e.g. 'dataset') and type names to locs of unions
    tags = {"dataset", "model", "predictions", "document", "tuple[float, float]", "float", "int", "bool"}
    out: list[Any] = []
    for i, p in enumerate(loc):
        if i >= 2 and loc[0] == "inventories" and p in tags and i == 2:
            continue
        if isinstance(p, str) and ("[" in p or p in ("float", "int", "bool")) and out and out[-1] == "value":
            continue
        out.append(p)
    return tuple(out)


def _lookup(data: Any, loc: tuple[Any, ...]) -> tuple[bool, Any]:
    cur = data
    for p in loc:
        try:
            cur = cur[p]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, cur


def parse_project(text: str, source: str = PROJECT_FILE) -> ProjectFile:
    """Parse and validate project-file text.

    Raises
    ------
    ProjectFileError
        Each problem names the file, the line, the field, the bad value and what is allowed.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProjectFileError(
            f"{where}: not valid YAML ({problem}). Check indentation and quoting near that line."
        ) from None
    if data is None:
        raise ProjectFileError(
            f"{source} is empty; run `aiqm init` to write a commented skeleton."
        )
    if not isinstance(data, dict):
        raise ProjectFileError(
            f"{source}: the top level must be a mapping with 'component', 'inventories' and "
            f"'tests'; got a {type(data).__name__}."
        )
    try:
        return ProjectFile.model_validate(data)
    except ValidationError as exc:
        lines = _line_map(text)
        problems = []
        for err in exc.errors():
            loc = _clean_loc(tuple(err["loc"]))
            # find the deepest located prefix for the line number
            line = None
            for n in range(len(loc), -1, -1):
                if loc[:n] in lines:
                    line = lines[loc[:n]]
                    break
            where = f"{source}:{line}" if line else source
            field = _format_loc(loc)
            found, value = _lookup(data, loc)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field; remove it or check its spelling"
            elif err["type"] == "missing":
                msg = "field required"
            hint = _ALLOWED_HINTS.get(".".join(str(p) for p in loc if not isinstance(p, int)))
            text_ = f"{where}: {field}: {msg}"
            if found and err["type"] not in ("missing",) and not isinstance(value, dict | list):
                text_ += f" (got {value!r})"
            if hint and "allowed" not in msg:
                text_ += f"; allowed: {hint}"
            problems.append(text_)
        raise ProjectFileError(f"{source} does not validate:", problems) from None


def load_project(path: str | Path) -> tuple[ProjectFile, Path]:
    """Load ``aiqm.yaml`` from a project folder (or the file itself).

    Returns
    -------
    (ProjectFile, Path)
        The validated project and the project folder.

    Raises
    ------
    ProjectFileError
        When there is no project file, or it does not validate (every problem listed).

    Examples
    --------
    >>> import tempfile
    >>> from aiqm import init_project
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = init_project(tmp)
    ...     project, root = load_project(tmp)
    >>> project.component.name, [t.name for t in project.tests]
    ('my-classifier', ['test accuracy', 'test data completeness'])
    """
    p = Path(path)
    file = p / PROJECT_FILE if p.is_dir() else p
    if not file.exists():
        raise ProjectFileError(
            f"no project file at {file}; run `aiqm init {p}` to create one, or pass the folder "
            "that holds aiqm.yaml."
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProjectFileError(f"{file} is not UTF-8 text; save it as UTF-8.") from None
    return parse_project(text, source=str(file)), file.parent.resolve()
