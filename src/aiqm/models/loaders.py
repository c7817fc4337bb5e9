"""``load_model``: turn a model or predictions inventory spec into a ``ModelAdapter``.

Model files are code. Loading follows the security model: skops files load
only the types skops trusts plus those the inventory lists in
``trusted_types`` (or any type when the inventory says ``trusted: true``);
joblib and pickle files load only with ``trusted: true``; ONNX files need no
trust.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiqm.data.digest import sha256_bytes, sha256_path
from aiqm.exceptions import InventoryError, UntrustedModelError
from aiqm.models.base import ModelAdapter
from aiqm.models.http_adapter import HttpAdapter
from aiqm.models.onnx_adapter import OnnxAdapter
from aiqm.models.predictions import PredictionsAdapter
from aiqm.models.sklearn_adapter import SklearnAdapter

__all__ = ["MODEL_FILE_FORMATS", "detect_model_format", "load_model"]

MODEL_FILE_FORMATS = ("skops", "onnx", "joblib", "pickle")
"""Model file formats :func:`load_model` understands (plus ``"auto"``)."""

_SUFFIXES = {
    ".skops": "skops",
    ".onnx": "onnx",
    ".joblib": "joblib",
    ".pkl": "pickle",
    ".pickle": "pickle",
}


def detect_model_format(path: Path) -> str:
    """Return a model file's format from its suffix.

    Raises
    ------
    InventoryError
        If the suffix is unknown.

    Examples
    --------
    >>> detect_model_format(Path("model.skops"))
    'skops'
    """
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise InventoryError(
            f"cannot tell the format of model file {path} from its suffix (known: "
            f"{', '.join(_SUFFIXES)}); rename it or set `format` to one of: "
            f"{', '.join(MODEL_FILE_FORMATS)}"
        )
    return fmt


def load_model(spec: Mapping[str, Any]) -> ModelAdapter:
    """Load a model, or open a predictions column, from a JSON-able spec.

    Parameters
    ----------
    spec : mapping
        Either a model::

            {"kind": "model", "inventory": name, "path": str,
             "format": "auto|skops|onnx|joblib|pickle", "trusted": bool,
             "trusted_types": [...], "digest": str}

        or a model endpoint (the fields of an ``http`` inventory)::

            {"kind": "http", "inventory": name, "url": str, "request": ..., "response": ...,
             "classes": [...], "headers": {...}, "timeout": float, "retries": int, ...}

        or a predictions column::

            {"kind": "predictions", "inventory": name, "digest": str,
             "dataset_digest": str, "arrow_path": str, "column": str,
             "proba_columns": [...], "classes": [...]}

        ``path`` must already be resolved inside the project. A missing
        ``digest`` is computed from the file.

    Returns
    -------
    ModelAdapter

    Raises
    ------
    InventoryError
        If the spec is incomplete, the file is missing or cannot be read.
    UntrustedModelError
        If loading would run code that the inventory does not trust.
    ImportError
        If an ONNX model is given and onnxruntime is not installed.
    """
    kind = spec.get("kind")
    if kind == "predictions":
        return _load_predictions(spec)
    if kind == "http":
        name = str(spec.get("inventory") or "model")
        return HttpAdapter(spec, inventory=name, digest=spec.get("digest"))
    if kind != "model":
        raise InventoryError(
            f"cannot load a model from an inventory of kind {kind!r}; "
            "bind a `model`, `http` or `predictions` inventory"
        )
    name = str(spec.get("inventory") or "model")
    path = Path(_required(spec, "path", name))
    if not path.is_file():
        raise InventoryError(
            f"model '{name}': {path} does not exist or is not a file; check the path in aiqm.yaml"
        )
    fmt = spec.get("format") or "auto"
    if fmt == "auto":
        fmt = detect_model_format(path)
    if fmt not in MODEL_FILE_FORMATS:
        raise InventoryError(
            f"model '{name}' has unknown format {fmt!r}; use one of: auto, "
            f"{', '.join(MODEL_FILE_FORMATS)}"
        )
    digest = spec.get("digest") or sha256_path(path)
    trusted = bool(spec.get("trusted", False))
    if fmt == "onnx":
        return OnnxAdapter(path, inventory=name, digest=digest)
    if fmt == "skops":
        estimator = _load_skops(path, name, trusted, tuple(spec.get("trusted_types") or ()))
    else:
        estimator = _load_pickle(path, name, fmt, trusted)
    if not callable(getattr(estimator, "predict", None)):
        raise InventoryError(
            f"model '{name}' ({path}) holds a {type(estimator).__qualname__}, which has no "
            "`predict` method; save the fitted estimator or pipeline itself"
        )
    return SklearnAdapter(estimator, inventory=name, digest=digest, kind=fmt)


def _required(spec: Mapping[str, Any], key: str, name: str) -> Any:
    value = spec.get(key)
    if value in (None, ""):
        raise InventoryError(f"inventory '{name}' has no `{key}`; set it in aiqm.yaml")
    return value


def _load_skops(path: Path, name: str, trusted: bool, trusted_types: tuple[str, ...]) -> Any:
    import skops.io as sio  # lazy: skops imports scikit-learn (~1 s)

    try:
        untrusted = list(sio.get_untrusted_types(file=path))
    except Exception as e:  # zipfile, json and skops errors alike mean a bad file
        raise InventoryError(
            f"model '{name}': cannot read skops file {path} ({type(e).__name__}: {e}); "
            "check that the file is complete, or save the model again with skops.io.dump"
        ) from e
    refused = [t for t in untrusted if t not in trusted_types]
    if refused and not trusted:
        listed = ", ".join(refused)
        raise UntrustedModelError(
            f"model '{name}' ({path}) contains types that skops does not trust by default: "
            f"{listed}. Loading them can run their code. Review them, then accept them by "
            f"adding `trusted_types: [{listed}]` to the inventory in aiqm.yaml"
        )
    try:
        return sio.load(path, trusted=untrusted)
    except Exception as e:
        raise InventoryError(
            f"model '{name}': cannot load skops file {path} ({type(e).__name__}: {e}); "
            "check that the packages it was saved with (scikit-learn version) are installed"
        ) from e


def _load_pickle(path: Path, name: str, fmt: str, trusted: bool) -> Any:
    if not trusted:
        raise UntrustedModelError(
            f"model '{name}' ({path}) is a {fmt} file, and unpickling runs arbitrary code "
            "from the file. Prefer saving the model with skops (skops.io.dump) or ONNX; "
            "if the file comes from a source you trust, set `trusted: true` on the inventory"
        )
    import joblib  # lazy: only trusted pickles need joblib

    try:
        return joblib.load(path)
    except Exception as e:
        raise InventoryError(
            f"model '{name}': cannot load {fmt} file {path} ({type(e).__name__}: {e}); "
            "check that the file is complete and that the packages defining the model "
            "are installed"
        ) from e


def _load_predictions(spec: Mapping[str, Any]) -> ModelAdapter:
    name = str(spec.get("inventory") or "predictions")
    dataset_digest = str(_required(spec, "dataset_digest", name))
    column = str(_required(spec, "column", name))
    proba_columns = list(spec.get("proba_columns") or ())
    classes = list(spec.get("classes") or ())
    digest = spec.get("digest") or sha256_bytes(
        json.dumps(
            [dataset_digest, column, proba_columns, classes], sort_keys=True, default=str
        ).encode()
    )
    return PredictionsAdapter(
        Path(_required(spec, "arrow_path", name)),
        column,
        inventory=name,
        digest=digest,
        dataset_digest=dataset_digest,
        proba_columns=proba_columns,
        classes=classes,
    )
