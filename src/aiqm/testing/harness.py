"""Run an AIT on in-memory data, the way the engine does, for AIT authors' tests."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiqm.core.criteria import check_measures
from aiqm.data.cache import materialise
from aiqm.data.digest import sha256_path
from aiqm.data.readers import read_table
from aiqm.engine.worker import execute_ait
from aiqm.plugins.sdk import AIT

__all__ = ["AITRunResult", "run_ait"]


@dataclass
class AITRunResult:
    """Measures (name → value), undefined measures (name → reason) and resources."""

    measures: dict[str, Any]
    undefined: dict[str, str]
    resources: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    workdir: Path | None = None

    def resource(self, name: str) -> dict[str, Any]:
        return next(r for r in self.resources if r["name"] == name)


def _dataset_spec(slot: str, data: Any, target: str | None, workdir: Path, cache: Path) -> dict:
    import pyarrow as pa  # lazy: keeps `aiqm.testing.faults`, loaded as a plugin, light

    if isinstance(data, str | Path):
        src = Path(data)
        table = None
    else:
        if isinstance(data, pa.Table):
            table = data
        elif isinstance(data, Mapping):  # {column: values}
            table = pa.table(dict(data))
        else:
            table = pa.Table.from_pandas(data, preserve_index=False)
        src = workdir / f"input-{slot}.arrow"
        with pa.OSFile(str(src), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
            w.write_table(table)
    digest = sha256_path(src)
    if table is None:
        read_table(src)  # validate early with the reader's messages
    arrow = materialise(src, "auto", digest, cache)
    return {
        "kind": "dataset", "inventory": slot, "digest": digest, "arrow_path": str(arrow),
        "target": target, "features": None, "source_path": str(src),
    }


def _model_spec(slot: str, model: Any, workdir: Path) -> dict:
    if isinstance(model, str | Path):
        path = Path(model)
        trusted = path.suffix in (".joblib", ".pkl", ".pickle")
    else:
        import joblib  # lazy: only in-memory models need it

        path = workdir / f"model-{slot}.joblib"
        joblib.dump(model, path)
        trusted = True  # the test's own in-memory object
    return {
        "kind": "model", "inventory": slot, "path": str(path), "format": "auto",
        "trusted": trusted, "trusted_types": [], "digest": sha256_path(path),
    }


def run_ait(
    ait: AIT,
    *,
    datasets: Mapping[str, Any] | None = None,
    targets: Mapping[str, str] | None = None,
    models: Mapping[str, Any] | None = None,
    documents: Mapping[str, str | Path] | None = None,
    inputs: Mapping[str, dict[str, Any]] | None = None,
    params: Mapping[str, Any] | None = None,
    workdir: str | Path | None = None,
) -> AITRunResult:
    """Run ``ait`` in this process on in-memory inputs.

    Parameters
    ----------
    ait : AIT
        The AIT (what ``@ait`` returns).
    datasets : mapping of slot to DataFrame, pyarrow Table, mapping of columns or path, default=None
        Datasets per inventory slot (a mapping is ``{column: values}``).
    targets : mapping of slot to str, default=None
        Target column per dataset slot.
    models : mapping of slot to estimator or path, default=None
        In-memory estimators are saved with joblib (trusted: they are the test's own);
        paths (.skops, .onnx) load like inventories.
    documents : mapping of slot to path, default=None
        Document inputs.
    inputs : mapping of slot to dict, default=None
        Raw bound-input specs (as the engine prepares them), e.g. a predictions input.
    params : mapping, default=None
        Parameter values; validated against the manifest (defaults filled).
    workdir : path, default=None
        Folder for inputs, caches and outputs (a temporary folder when omitted).

    Returns
    -------
    AITRunResult
    """
    wd = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="aiqm-ait-"))
    wd.mkdir(parents=True, exist_ok=True)
    cache = wd / "cache"
    bound: dict[str, dict[str, Any]] = {}
    for slot, data in (datasets or {}).items():
        bound[slot] = _dataset_spec(slot, data, (targets or {}).get(slot), wd, cache)
    for slot, model in (models or {}).items():
        bound[slot] = _model_spec(slot, model, wd)
    for slot, path in (documents or {}).items():
        bound[slot] = {"kind": "document", "inventory": slot, "path": str(path), "digest": ""}
    bound.update(inputs or {})
    checked = ait.manifest.validate_parameters(dict(params or {}))
    measures, resources = execute_ait(
        ait, params=checked, inputs=bound, workdir=wd / "task", cache_dir=cache
    )
    return AITRunResult(
        measures={m.name: m.value for m in measures if m.value is not None},
        undefined={m.name: m.undefined_reason or "" for m in measures if m.value is None},
        resources=resources,
        problems=check_measures(ait.manifest, measures),
        workdir=wd,
    )
