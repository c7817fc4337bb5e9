"""The AIT SDK: the ``@ait`` decorator and the :class:`Context` an AIT runs with.

An AIT is a function of one argument, the context::

    from aiqm.plugins.sdk import ait, Context

    @ait(
        id="row_count", version="1.0.0", description="Counts rows.",
        characteristics=["B-1"],
        inventories=[{"name": "dataset", "kind": "dataset"}],
        measures=[{"name": "n_rows", "type": "int", "min": 0, "direction": "higher"}],
    )
    def row_count(ctx: Context) -> None:
        ctx.measure("n_rows", ctx.dataset("dataset").num_rows)

Register it by returning it from an ``aiqm_register_aits`` hook implementation
in a module listed under the ``aiqm.ait`` entry-point group.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from aiqm.core.manifest import AITManifest
from aiqm.core.parameters import Param, Parameters, parameter_specs
from aiqm.core.results import MeasureValue
from aiqm.data.dataset import Dataset
from aiqm.exceptions import AITFailure, DataError
from aiqm.models.cache import CachedModel
from aiqm.models.loaders import load_model

if TYPE_CHECKING:
    from aiqm.models.base import ModelAdapter

__all__ = ["AIT", "Context", "ExampleFactory", "Param", "Parameters", "ait", "to_measure_value"]

#: ``factory(workdir, rows)`` → keyword arguments of :func:`aiqm.testing.run_ait`.
ExampleFactory = Callable[[Path, "int | None"], Mapping[str, Any]]


class AIT:
    """An AIT: a validated manifest and the function that implements it.

    Parameters
    ----------
    manifest : AITManifest
        The AIT's declaration.
    func : callable
        ``func(ctx)`` implements the AIT.
    parameters_type : type of Parameters, default=None
        The typed parameters class the manifest's parameters were derived from; the
        AIT then receives an instance of it as ``ctx.params``.
    origin : str, default=""
        Where the AIT comes from (``builtin``, ``plugin <name>``, ``qunomon sha256:…``);
        filled in by the registry when empty.
    digest : str, default=""
        Digest of the AIT's implementation when it is a stored package (imported
        Qunomon AITs); it is part of the cache key, so a re-imported package with the
        same version never reuses results of the old one.

    Examples
    --------
    >>> @ait(id="constant", version="1.0.0", description="Reports 1.",
    ...      characteristics=["C-1"], measures=[{"name": "one", "type": "int"}])
    ... def constant(ctx):
    ...     ctx.measure("one", 1)
    >>> constant
    <AIT aiqm.ait:constant@1.0.0>
    >>> dict(constant.bind_parameters({}))
    {}
    """

    def __init__(
        self,
        manifest: AITManifest,
        func: Callable[[Context[Any]], Any],
        parameters_type: type[Parameters] | None = None,
        *,
        origin: str = "",
        digest: str = "",
    ) -> None:
        self.manifest = manifest
        self.func = func
        self.parameters_type = parameters_type
        self.origin = origin
        self.digest = digest
        #: Builds example inputs for the conformance suite (see :meth:`example`).
        self.example_factory: ExampleFactory | None = None
        self.__doc__ = func.__doc__
        self.__name__ = getattr(func, "__name__", manifest.id)

    def __call__(self, ctx: Context[Any]) -> Any:
        return self.func(ctx)

    def example(self, factory: ExampleFactory) -> ExampleFactory:
        """Declare how to build example inputs of this AIT (use as a decorator).

        ``factory(workdir, rows)`` returns the keyword arguments of
        :func:`aiqm.testing.run_ait` (``datasets``, ``targets``, ``models``,
        ``documents``, ``params``) for a small, valid example: ``rows`` is
        ``None`` for the usual size, or ``0`` and ``1`` for the empty and
        single-row cases the conformance suite (``aiqm ait check``) also runs.
        Files it writes go below ``workdir``. Without an example the suite
        generates a tabular dataset and a fitted scikit-learn model.

        Examples
        --------
        >>> @ait(id="row_count", version="1.0.0", description="Counts rows.",
        ...      characteristics=["B-1"], inventories=[{"name": "dataset", "kind": "dataset"}],
        ...      measures=[{"name": "n_rows", "type": "int", "min": 0}])
        ... def row_count(ctx: Context) -> None:
        ...     ctx.measure("n_rows", ctx.dataset("dataset").num_rows)
        >>> @row_count.example
        ... def _example(workdir, rows):
        ...     return {"datasets": {"dataset": {"x": list(range(10 if rows is None else rows))}}}
        >>> row_count.example_factory is _example
        True
        """
        self.example_factory = factory
        return factory

    def prepare(self, progress: Callable[[str], None] | None = None) -> None:
        """Make the AIT ready to run, before any test of it starts (default: nothing).

        An imported Qunomon AIT builds its virtual environment here, so the time it
        takes is shown as progress and not charged to a test's time limit.
        """

    def bind_parameters(self, values: Mapping[str, Any]) -> Parameters | Mapping[str, Any]:
        """The value ``ctx.params`` gets for validated ``values``.

        A typed :class:`Parameters` object when the AIT declares a parameters class,
        otherwise a read-only mapping.
        """
        if self.parameters_type is not None:
            return self.parameters_type.from_validated(values)
        return MappingProxyType(dict(values))

    def __repr__(self) -> str:
        return f"<AIT {self.manifest.ref}>"


def ait(manifest: AITManifest | Mapping[str, Any] | None = None, **fields: Any) -> Callable[
    [Callable[[Context], Any]], AIT
]:
    """Decorate a function as an AIT carrying its manifest.

    Parameters
    ----------
    manifest : AITManifest or mapping, default=None
        The manifest; alternatively pass its fields as keyword arguments.
    **fields
        Manifest fields (``id``, ``version``, ``description``, ``characteristics``,
        ``inventories``, ``parameters``, ``measures``, ``resources`` …).
        ``parameters`` is best given as a :class:`Parameters` subclass: the manifest's
        parameter section is then derived from it and the AIT receives an instance
        of it, already validated, as ``ctx.params``.

    Raises
    ------
    ManifestError
        When the manifest does not validate; the message lists each problem.

    Examples
    --------
    >>> from aiqm.core.constraints import Interval
    >>> class RowCountParameters(Parameters):
    ...     minimum: int = Param(1, Interval(low=0), help="Rows expected at least.")
    >>> @ait(id="row_count", version="1.0.0", description="Counts rows.",
    ...      characteristics=["B-1"], parameters=RowCountParameters,
    ...      inventories=[{"name": "dataset", "kind": "dataset"}],
    ...      measures=[{"name": "n_rows", "type": "int", "min": 0}])
    ... def row_count(ctx: Context) -> None:
    ...     ctx.measure("n_rows", ctx.dataset("dataset").num_rows)
    >>> row_count.manifest.parameters[0].type
    'int'
    """
    params_type: type[Parameters] | None = None
    if isinstance(manifest, AITManifest):
        m = manifest
    else:
        data = dict(manifest or {})
        data.update(fields)
        declared = data.get("parameters")
        if isinstance(declared, type) and issubclass(declared, Parameters):
            params_type = declared
            data["parameters"] = parameter_specs(declared)
        m = AITManifest.from_data(data, source=f"@ait({data.get('id', '?')!r})")

    def wrap(func: Callable[[Context], Any]) -> AIT:
        return AIT(m, func, params_type)

    return wrap


def _plain(value: Any) -> Any:
    """numpy scalars/arrays → Python scalars/lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value


def to_measure_value(name: str, value: Any) -> MeasureValue:
    """Turn a reported value into a MeasureValue; NaN and ±inf become undefined."""
    v = _plain(value)
    if isinstance(v, list):
        v = [_plain(x) for x in v]
        bad = [x for x in v if isinstance(x, float) and not math.isfinite(x)]
        if bad:
            return MeasureValue(name=name, undefined_reason=f"the sequence contains {bad[0]}")
        return MeasureValue(name=name, value=v)
    if isinstance(v, float) and not math.isfinite(v):
        return MeasureValue(name=name, undefined_reason=f"the value is {v}")
    if v is not None and not isinstance(v, bool | int | float):
        raise AITFailure(f"measure {name!r} must be a number, a bool or a list of them; got {v!r}")
    return MeasureValue(name=name, value=v)


P = TypeVar("P")


class Context(Generic[P]):
    """What an AIT sees while it runs.

    Annotate an AIT's argument as ``Context[MyParameters]`` to get ``ctx.params``
    typed as that :class:`Parameters` class. The engine builds the context; tests of
    an AIT usually go through :func:`aiqm.testing.run_ait` instead.

    Examples
    --------
    >>> import tempfile
    >>> from aiqm.core.manifest import AITManifest
    >>> m = AITManifest.from_data({"id": "one", "version": "1.0.0", "description": "d",
    ...     "characteristics": ["C-1"], "measures": [{"name": "one", "type": "int"}]})
    >>> folder = Path(tempfile.mkdtemp())
    >>> ctx = Context(manifest=m, params={}, inputs={}, workdir=folder, cache_dir=folder)
    >>> ctx.measure("one", 1)
    >>> [(v.name, v.value) for v in ctx.measures]
    [('one', 1)]

    Parameters
    ----------
    manifest : AITManifest
        The running AIT's manifest.
    params : Parameters or mapping
        Validated parameter values (defaults filled in): the AIT's typed
        :class:`Parameters` object, or a mapping for AITs declared with a plain list.
    inputs : mapping of str to dict
        Bound inputs per inventory slot, as prepared by the engine.
    workdir : Path
        The task's folder; resources and downloads are written below it.
    cache_dir : Path
        The project's cache folder (prediction cache).
    progress_cb : callable, default=None
        Called as ``progress_cb(done, total)``.
    logger : logging.Logger, default=None
        Logger for ``ctx.log``.
    time_limit_s : float, default=None
        The test's time limit, for AITs that start processes the executor cannot see
        (a container); the executor enforces it on the worker's own process tree.
    memory_limit_mb : int, default=None
        The test's resident-memory limit, likewise.
    """

    def __init__(
        self,
        *,
        manifest: AITManifest,
        params: Parameters | Mapping[str, Any],
        inputs: Mapping[str, dict[str, Any]],
        workdir: Path,
        cache_dir: Path,
        progress_cb: Callable[[float, float], None] | None = None,
        logger: logging.Logger | None = None,
        time_limit_s: float | None = None,
        memory_limit_mb: int | None = None,
    ) -> None:
        self.manifest = manifest
        self.time_limit_s = time_limit_s
        self.memory_limit_mb = memory_limit_mb
        bound = params if isinstance(params, Parameters) else MappingProxyType(dict(params))
        self.params: P = cast(P, bound)
        self._inputs = dict(inputs)
        self.workdir = Path(workdir)
        self.cache_dir = Path(cache_dir)
        self._progress_cb = progress_cb
        self.log = logger or logging.getLogger(f"aiqm.ait.{manifest.id}")
        self._measures: dict[str, MeasureValue] = {}
        self._resources: list[dict[str, Any]] = []
        self._datasets: dict[str, Dataset] = {}
        self._models: dict[str, ModelAdapter] = {}

    # -- inputs ---------------------------------------------------------------------------
    def has_input(self, slot: str) -> bool:
        """Whether an (optional) inventory slot is bound."""
        return slot in self._inputs

    def _input(self, slot: str, kinds: tuple[str, ...]) -> dict[str, Any]:
        if self.manifest.inventory(slot) is None:
            raise AITFailure(f"AIT {self.manifest.id!r} has no inventory slot {slot!r} in its manifest")
        spec = self._inputs.get(slot)
        if spec is None:
            raise DataError(
                f"the test binds nothing to inventory slot {slot!r} of AIT {self.manifest.id!r}; "
                f"add '{slot}: <inventory name>' under the test's 'inventories'"
            )
        if spec["kind"] not in kinds:
            raise DataError(
                f"slot {slot!r} is bound to {spec['kind']} inventory {spec.get('inventory')!r}, "
                f"but a {' or '.join(kinds)} is needed"
            )
        return spec

    def dataset(self, slot: str) -> Dataset:
        """The dataset bound to ``slot`` (memory-mapped Arrow table)."""
        if slot not in self._datasets:
            spec = self._input(slot, ("dataset",))
            self._datasets[slot] = Dataset(
                spec["inventory"],
                Path(spec["arrow_path"]),
                spec["digest"],
                target=spec.get("target"),
                features=spec.get("features"),
            )
        return self._datasets[slot]

    def model(self, slot: str) -> ModelAdapter:
        """The model bound to ``slot``; predictions are cached per (model, dataset)."""
        if slot not in self._models:
            spec = self._input(slot, ("model", "predictions", "http"))
            self._models[slot] = CachedModel(load_model(spec), self.cache_dir)
        return self._models[slot]

    def document(self, slot: str) -> Path:
        """The path of the document (file or folder) bound to ``slot``."""
        return Path(self._input(slot, ("document",))["path"])

    # -- outputs --------------------------------------------------------------------------
    def measure(self, name: str, value: Any) -> None:
        """Report a measure declared in the manifest (numpy values are converted)."""
        if self.manifest.measure(name) is None:
            declared = ", ".join(m.name for m in self.manifest.measures) or "none"
            raise AITFailure(
                f"AIT {self.manifest.id!r} reported undeclared measure {name!r} (declared: {declared})"
            )
        self._measures[name] = to_measure_value(name, value)

    def undefined(self, name: str, reason: str) -> None:
        """Record that a declared measure cannot be computed, and why."""
        if self.manifest.measure(name) is None:
            raise AITFailure(f"AIT {self.manifest.id!r} has no measure {name!r}")
        self.log.warning("measure %s is undefined: %s", name, reason)
        self._measures[name] = MeasureValue(name=name, undefined_reason=reason)

    def resource(self, name: str, obj: Any, *, media_type: str | None = None) -> None:
        """Attach a declared resource: a matplotlib figure, a table, or text.

        Tables may be a pandas DataFrame, a pyarrow Table, a list of dicts, or
        ``{"columns": [...], "rows": [[...]]}``.
        """
        spec = next((r for r in self.manifest.resources if r.name == name), None)
        if spec is None:
            declared = ", ".join(r.name for r in self.manifest.resources) or "none"
            raise AITFailure(
                f"AIT {self.manifest.id!r} attached undeclared resource {name!r} (declared: {declared})"
            )
        out = self.workdir / "resources"
        out.mkdir(parents=True, exist_ok=True)
        if spec.kind == "figure":
            path, mt = _write_figure(obj, out / name, media_type)
        elif spec.kind == "table":
            path, mt = out / f"{name}.json", "application/json"
            path.write_text(json.dumps(_table_json(obj), allow_nan=False, default=str), "utf-8")
        else:
            path, mt = out / f"{name}.txt", media_type or "text/plain"
            path.write_text(str(obj), "utf-8")
        self._resources.append({"name": name, "kind": spec.kind, "media_type": mt, "file": str(path)})

    def download(self, name: str, path: str | Path) -> None:
        """Offer a file for download (copied into the result's artifacts)."""
        if not any(d.name == name for d in self.manifest.downloads):
            raise AITFailure(f"AIT {self.manifest.id!r} has no download {name!r} in its manifest")
        out = self.workdir / "downloads"
        out.mkdir(parents=True, exist_ok=True)
        src = Path(path)
        dst = out / f"{name}{''.join(src.suffixes)}"
        shutil.copyfile(src, dst)
        self._resources.append(
            {"name": name, "kind": "download", "media_type": "application/octet-stream",
             "file": str(dst)}
        )

    def progress(self, done: float, total: float) -> None:
        """Report progress (``done`` of ``total`` units)."""
        if self._progress_cb is not None:
            self._progress_cb(done, total)

    # -- for the engine -------------------------------------------------------------------
    @property
    def measures(self) -> list[MeasureValue]:
        return list(self._measures.values())

    @property
    def resources(self) -> list[dict[str, Any]]:
        return list(self._resources)


def _write_figure(obj: Any, stem: Path, media_type: str | None) -> tuple[Path, str]:
    if hasattr(obj, "savefig"):
        import matplotlib.pyplot as plt  # lazy: only when an AIT attaches a matplotlib figure

        path = stem.with_suffix(".svg")
        with _svg_rc():
            obj.savefig(path, format="svg", bbox_inches="tight")
        plt.close(obj)
        return path, "image/svg+xml"
    if isinstance(obj, bytes | str):
        mt = media_type or ("image/svg+xml" if isinstance(obj, str) else "image/png")
        path = stem.with_suffix(".svg" if mt == "image/svg+xml" else ".png")
        data = obj.encode("utf-8") if isinstance(obj, str) else obj
        path.write_bytes(data)
        return path, mt
    raise AITFailure(f"a figure must be a matplotlib Figure, SVG text or PNG bytes; got {type(obj)}")


def _svg_rc() -> Any:
    """Small, text-searchable SVGs: keep text as text, fixed hash salt for determinism."""
    import matplotlib  # lazy: only when an AIT attaches a matplotlib figure

    return matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "aiqm"})


def _table_json(obj: Any) -> dict[str, Any]:
    def cell(x: Any) -> Any:
        x = _plain(x)
        if isinstance(x, float) and not math.isfinite(x):
            return None
        return x

    if isinstance(obj, dict) and "columns" in obj and "rows" in obj:
        return {"columns": list(obj["columns"]), "rows": [[cell(c) for c in r] for r in obj["rows"]]}
    if hasattr(obj, "to_pylist") and hasattr(obj, "column_names"):  # pyarrow Table
        cols = list(obj.column_names)
        return {"columns": cols, "rows": [[cell(r[c]) for c in cols] for r in obj.to_pylist()]}
    if hasattr(obj, "to_dict") and hasattr(obj, "columns"):  # pandas DataFrame
        cols = [str(c) for c in obj.columns]
        return {"columns": cols, "rows": [[cell(v) for v in row] for row in obj.itertuples(index=False)]}
    if isinstance(obj, list) and all(isinstance(r, dict) for r in obj):
        cols = list(dict.fromkeys(k for r in obj for k in r))
        return {"columns": cols, "rows": [[cell(r.get(c)) for c in cols] for r in obj]}
    raise AITFailure(f"cannot store {type(obj).__name__} as a table")


