"""Inputs the conformance suite makes up for an AIT that declares no example.

Every dataset slot gets a small mixed table (floats, integers, a column with
missing values, a categorical column and a binary ``label`` target); every
model slot gets a scikit-learn pipeline fitted on the full-size table of the
first dataset slot, so a model stays usable when the datasets are shrunk to
zero or one row; a document slot gets a small CSV file (or a folder holding
one, for a ``dir`` slot).

>>> from aiqm.core.manifest import AITManifest
>>> m = AITManifest.from_data({"id": "demo", "version": "1.0.0", "description": "d",
...     "characteristics": ["B-1"], "inventories": [{"name": "data", "kind": "dataset"}]})
>>> frame = generated_frame(5, seed=0)
>>> list(frame.columns)
['x_num', 'x_int', 'x_missing', 'x_cat', 'label']
>>> sorted(generated_inputs(m, Path("."), rows=0)["datasets"]["data"].shape)
[0, 5]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiqm.core.manifest import AITManifest

__all__ = ["GENERATED_ROWS", "TARGET", "generated_frame", "generated_inputs", "generated_model"]

#: Rows of a generated dataset at its usual size.
GENERATED_ROWS = 200
#: The target column of every generated dataset.
TARGET = "label"
_NUMERIC = ["x_num", "x_int", "x_missing"]
_CATEGORICAL = ["x_cat"]


def generated_frame(rows: int, *, seed: int = 0, shift: float = 0.0) -> Any:
    """A table of ``rows`` rows: three numeric columns, one categorical, a binary target.

    The target depends on ``x_num`` and ``x_cat``, so a model fitted on it is
    better than chance; ``shift`` moves ``x_num`` (a second dataset that drifts a little).
    """
    import numpy as np  # lazy: aiqm.testing loads as a plugin, keep it light
    import pandas as pd  # lazy: as above

    rng = np.random.default_rng(seed)
    n = max(rows, 0)
    x_num = rng.normal(shift, 1.0, n)
    x_cat = rng.choice(np.array(["a", "b", "c"]), n)
    x_missing = rng.normal(0.0, 1.0, n)
    x_missing[rng.random(n) < 0.1] = np.nan
    score = 1.5 * x_num + (x_cat == "a") - 0.5 + rng.normal(0, 0.5, n)
    return pd.DataFrame({
        "x_num": x_num.astype("float64"),
        "x_int": rng.integers(0, 10, n).astype("int64"),
        "x_missing": x_missing,
        "x_cat": pd.Series(x_cat, dtype="object"),
        TARGET: (score > 0).astype("int64"),
    })


def generated_model(frame: Any) -> Any:
    """A fitted scikit-learn pipeline (imputer, one-hot encoder, logistic regression)."""
    from sklearn.compose import ColumnTransformer  # lazy: heavy, only when a model is needed
    from sklearn.impute import SimpleImputer  # lazy: as above
    from sklearn.linear_model import LogisticRegression  # lazy: as above
    from sklearn.pipeline import make_pipeline  # lazy: as above
    from sklearn.preprocessing import OneHotEncoder  # lazy: as above

    features = ColumnTransformer([
        ("num", SimpleImputer(), _NUMERIC),
        ("cat", OneHotEncoder(handle_unknown="ignore"), _CATEGORICAL),
    ])
    model = make_pipeline(features, LogisticRegression(max_iter=1000))
    return model.fit(frame[_NUMERIC + _CATEGORICAL], frame[TARGET])


def _document(slot: str, formats: tuple[str, ...], workdir: Path) -> Path:
    text = "name,value\nalpha,1\nbeta,2\n"
    if formats == ("dir",):
        folder = workdir / f"document-{slot}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "document.csv").write_text(text, encoding="utf-8")
        return folder
    suffix = next((f for f in formats if f.isalnum()), "csv")
    path = workdir / f"document-{slot}.{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def generated_inputs(
    manifest: AITManifest, workdir: Path, rows: int | None = None, *, seed: int = 0,
) -> dict[str, Any]:
    """Keyword arguments of :func:`aiqm.testing.run_ait` for every slot of ``manifest``.

    Parameters
    ----------
    manifest : AITManifest
        The AIT's manifest: its inventory slots decide what is made.
    workdir : path
        Folder for document files.
    rows : int, default=None
        Rows of each dataset; ``None`` for :data:`GENERATED_ROWS`.
    seed : int, default=0
        Seed of the generated values (each dataset slot gets its own).
    """
    n = GENERATED_ROWS if rows is None else rows
    datasets: dict[str, Any] = {}
    targets: dict[str, str] = {}
    models: dict[str, Any] = {}
    documents: dict[str, Path] = {}
    dataset_slots = [s for s in manifest.inventories if s.kind == "dataset"]
    for i, slot in enumerate(dataset_slots):
        datasets[slot.name] = generated_frame(n, seed=seed + i, shift=0.3 * i)
        targets[slot.name] = TARGET
    model_slots = [s for s in manifest.inventories if s.kind == "model"]
    if model_slots:
        model = generated_model(generated_frame(GENERATED_ROWS, seed=seed))
        models = {s.name: model for s in model_slots}
    for slot in manifest.inventories:
        if slot.kind == "document" and slot.required:
            documents[slot.name] = _document(slot.name, slot.formats, workdir)
    out: dict[str, Any] = {}
    for key, value in (("datasets", datasets), ("targets", targets), ("models", models),
                       ("documents", documents)):
        if value:
            out[key] = value
    return out
