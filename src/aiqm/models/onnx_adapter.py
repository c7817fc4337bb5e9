"""Adapter for ONNX models, run with onnxruntime on the CPU."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiqm.data.dataset import format_columns
from aiqm.exceptions import DataError, InventoryError
from aiqm.models.base import ModelAdapter

if TYPE_CHECKING:
    import numpy as np

    from aiqm.data.dataset import Dataset

__all__ = ["OnnxAdapter", "onnx_input_name"]

_DTYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(int16)": "int16",
    "tensor(int8)": "int8",
    "tensor(uint8)": "uint8",
    "tensor(bool)": "bool",
    "tensor(string)": "object",
}


def onnx_input_name(column: str) -> str:
    """Return the input name skl2onnx gives a DataFrame column.

    skl2onnx replaces every character that is not a word character by ``_``
    and prefixes names starting with a digit with ``_``.

    Examples
    --------
    >>> onnx_input_name("sepal length (cm)")
    'sepal_length__cm_'
    """
    name = re.sub(r"[^\w+]", "_", column)
    return "_" + name if re.match(r"^[0-9]", name) else name


def _import_ort() -> Any:
    try:
        import onnxruntime  # lazy: optional 'onnx' extra
    except ImportError as e:
        raise ImportError(
            "ONNX models need onnxruntime; install it with: pip install 'aiqm[onnx]'"
        ) from e
    return onnxruntime


class OnnxAdapter(ModelAdapter):
    """Run an ONNX model (for instance one exported with skl2onnx).

    Two input layouts are understood: a single 2-D tensor ``[N, n_features]``
    fed with the dataset's features in declared order, and one ``[N, 1]``
    input per column (what skl2onnx makes from a DataFrame), matched by name.
    Outputs are a label tensor and, optionally, probabilities as a 2-D tensor
    or as a list of ``{class: probability}`` dicts (ZipMap).

    Parameters
    ----------
    path : pathlib.Path
        The ``.onnx`` file.
    inventory : str
        The inventory name.
    digest : str
        The file's digest.

    Raises
    ------
    ImportError
        If onnxruntime is not installed.
    InventoryError
        If the file is not a valid ONNX model.
    """

    kind = "onnx"

    def __init__(self, path: Path, *, inventory: str, digest: str) -> None:
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        ort = _import_ort()
        self.inventory = inventory
        self.digest = digest
        self.path = Path(path)
        try:
            self._session = ort.InferenceSession(str(self.path), providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own, unexported exception types
            raise InventoryError(
                f"model '{inventory}': cannot load ONNX file {self.path}: {e}; "
                "check that the file is a complete ONNX model (re-export it if needed)"
            ) from e
        self._inputs = list(self._session.get_inputs())
        outputs = list(self._session.get_outputs())
        self._proba_output = (
            next((o.name for o in outputs if _is_proba(o)), None) if len(outputs) > 1 else None
        )
        self._label_output = next(
            (o.name for o in outputs if o.name != self._proba_output), outputs[0].name
        )
        self._classes = self._find_classes()
        proba = next((o for o in outputs if o.name == self._proba_output), None)
        if self._classes is None and proba is not None and str(proba.type).startswith("tensor"):
            width = proba.shape[1]
            self._classes = np.arange(width) if isinstance(width, int) else None
        self._last: tuple[str, tuple[str, ...], np.ndarray, np.ndarray | None] | None = None

    # -- metadata -------------------------------------------------------------------

    def _find_classes(self) -> np.ndarray | None:
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        meta = self._session.get_modelmeta().custom_metadata_map or {}
        if "classes" in meta:
            try:
                return np.asarray(json.loads(meta["classes"]))
            except ValueError:
                return np.asarray(meta["classes"].split(","))
        try:  # the onnx package, when present, lets us read ZipMap / classifier labels
            import onnx  # lazy: optional (comes with skl2onnx)
        except ImportError:
            return None
        try:
            graph = onnx.load(str(self.path), load_external_data=False).graph
        except Exception:
            return None
        for node in graph.node:
            if node.domain != "ai.onnx.ml":
                continue
            for attr in node.attribute:
                if attr.name == "classlabels_strings" and attr.strings:
                    return np.asarray([s.decode() for s in attr.strings], dtype=object)
                if attr.name in ("classlabels_int64s", "classlabels_ints") and attr.ints:
                    return np.asarray(list(attr.ints), dtype=np.int64)
        return None

    @property
    def has_proba(self) -> bool:
        """Whether the model has a probability output."""
        return self._proba_output is not None

    @property
    def classes_(self) -> np.ndarray | None:
        """The class labels: from the model's metadata or ZipMap, else 0..k-1.

        None for a model without a probability output whose labels are unknown.
        """
        return self._classes

    # -- inputs -------------------------------------------------------------------

    def _single_tensor(self, ds: Dataset) -> bool:
        """Whether the model takes one ``[N, n_features]`` matrix (not one input per column)."""
        if len(self._inputs) != 1 or len(self._inputs[0].shape) != 2:
            return False
        inp = self._inputs[0]
        names = set(ds.column_names) | {onnx_input_name(c) for c in ds.column_names}
        return not (inp.name in names and inp.shape[1] == 1)

    def _feed(self, ds: Dataset) -> dict[str, np.ndarray]:
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        if self._single_tensor(ds):
            inp = self._inputs[0]
            features = list(ds.features)
            width = inp.shape[1]
            if isinstance(width, int) and width != len(features):
                raise DataError(
                    f"model '{self.inventory}' expects {width} features but dataset "
                    f"'{ds.name}' has {len(features)} ({format_columns(features)}); set "
                    "`features` on the dataset inventory to the model's inputs, in order"
                )
            ds.require_columns(*features)
            frame = ds.X(features)
            try:
                matrix = frame.to_numpy(dtype=_dtype(inp.type))
            except (TypeError, ValueError) as e:
                raise DataError(
                    f"model '{self.inventory}' needs numeric features of type {inp.type}, "
                    f"but dataset '{ds.name}' has columns that cannot be converted ({e}); "
                    "encode them as numbers or export the model with one input per column"
                ) from e
            return {inp.name: matrix}
        sanitized: dict[str, str] = {}
        for column in ds.column_names:
            sanitized.setdefault(onnx_input_name(column), column)
        feed: dict[str, np.ndarray] = {}
        unmatched: list[str] = []
        for inp in self._inputs:
            exact = inp.name in ds.column_names
            col = inp.name if exact else sanitized.get(inp.name)
            if col is None:
                unmatched.append(inp.name)
                continue
            values = ds.numpy(col)
            dtype = _dtype(inp.type)
            if dtype == "object":
                values = np.asarray(["" if v is None else str(v) for v in values], dtype=object)
            else:
                values = values.astype(dtype, copy=False)
            feed[inp.name] = values.reshape(-1, 1) if len(inp.shape) == 2 else values
        if unmatched:
            raise DataError(
                f"model '{self.inventory}' has inputs with no matching column in dataset "
                f"'{ds.name}': {format_columns(unmatched)} (columns: "
                f"{format_columns(ds.column_names)}); rename the columns or re-export the model"
            )
        return feed

    # -- prediction ---------------------------------------------------------------

    def _run(self, ds: Dataset) -> tuple[np.ndarray, np.ndarray | None]:
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        key = (ds.digest, ds.features)
        if self._last is not None and self._last[:2] == key:
            return self._last[2], self._last[3]
        names = [self._label_output] + ([self._proba_output] if self._proba_output else [])
        try:
            out = self._session.run(names, self._feed(ds))
        except DataError:
            raise
        except Exception as e:
            raise DataError(
                f"model '{self.inventory}' failed on dataset '{ds.name}': {e}; check that "
                "the dataset's features match the model's inputs"
            ) from e
        labels = np.asarray(out[0])
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels.ravel()
        proba = self._to_matrix(out[1]) if len(out) > 1 else None
        self._last = (key[0], key[1], labels, proba)
        return labels, proba

    def _to_matrix(self, raw: Any) -> np.ndarray:
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        if isinstance(raw, list):  # ZipMap: one {class: probability} dict per row
            if self._classes is None:
                keys = list(raw[0].keys()) if raw else []
                text = bool(keys) and isinstance(keys[0], str)
                self._classes = np.asarray(keys, dtype=object if text else None)
            order = list(self._classes)
            try:
                rows = [[row[c] for c in order] for row in raw]
                return np.array(rows, dtype=np.float64).reshape(len(raw), len(order))
            except KeyError as e:
                raise DataError(
                    f"model '{self.inventory}': probability output has no class {e}; the "
                    "model's declared classes do not match its ZipMap keys, re-export it"
                ) from e
        matrix = np.asarray(raw, dtype=np.float64)
        if matrix.ndim == 1:
            matrix = matrix.reshape(-1, 1)
        if self._classes is None:
            self._classes = np.arange(matrix.shape[1])
        return matrix

    def predict(self, ds: Dataset) -> np.ndarray:
        """Return the label output."""
        return self._run(ds)[0]

    def predict_proba(self, ds: Dataset) -> np.ndarray | None:
        """Return the probability output as ``(n_rows, n_classes)``, or None."""
        return self._run(ds)[1] if self.has_proba else None


def _is_proba(output: Any) -> bool:
    t = str(output.type)
    if t.startswith("seq(map("):
        return True
    return (
        t in ("tensor(float)", "tensor(double)")
        and len(output.shape) == 2
        and ("prob" in output.name.lower() or output.shape[1] != 1)
    )


def _dtype(onnx_type: str) -> str:
    try:
        return _DTYPES[onnx_type]
    except KeyError:
        raise DataError(
            f"ONNX input type {onnx_type} is not supported; supported: {', '.join(_DTYPES)}"
        ) from None
