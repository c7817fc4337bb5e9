"""Export a built-in AIT as a Qunomon package, import it back, and get the native measures."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import skops.io as sio
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aiqm.core.results import Status, TDResult
from aiqm.qunomon.manifest import validate
from aiqm.qunomon.store import AITStore
from aiqm.services import aits as ait_service
from aiqm.services.runs import run_project


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bc")
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :6]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X[:300], y[:300])
    X[300:].assign(label=y[300:].to_numpy()).to_csv(root / "test.csv", index=False)
    sio.dump(model, root / "model.skops")
    return root


PARAMS = "{n_bootstrap: 20, seed: 3, slice_by: [mean radius]}"


def _run(root: Path, data: Path, inventories: str, ait: str, params: str) -> TDResult:
    root.mkdir(parents=True, exist_ok=True)
    inv = "".join(f"  {line}\n" for line in inventories.splitlines())
    (root / "aiqm.yaml").write_text(
        "component: {name: rt, task: binary_classification}\ninventories:\n" + inv
        + f"tests:\n  - name: perf\n    characteristic: C-1\n    ait: {ait}\n"
        + "    inventories: {dataset: test, model: model}\n"
        + f"    parameters: {params}\n", encoding="utf-8")
    for f in ("test.csv", "model.skops"):
        (root / f).write_bytes((data / f).read_bytes())
    return run_project(root).results[0]


def _values(r: TDResult) -> dict[str, Any]:
    return {m.name: m.value for m in r.measures}


def test_export_import_round_trip_gives_the_native_measures(
    store: AITStore, data: Path, tmp_path: Path,
) -> None:
    out = ait_service.export_ait("classification_performance", tmp_path / "ait.zip")
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("repository/ait.manifest.json"))
        requirements = zf.read("repository/requirements.txt").decode()
        dockerfile = zf.read("dockerfile").decode()
        entry = zf.read("repository/entrypoint.py").decode()
    assert {"dockerfile", "repository/ait.manifest.json", "repository/requirements.txt",
            "repository/entrypoint.py", "repository/my_ait.py"} <= names
    wheel = next(n for n in names if n.endswith(".whl"))
    assert requirements.splitlines()[0] == "./" + wheel.removeprefix("repository/")
    assert 'ENTRYPOINT ["python", "entrypoint.py"]' in dockerfile and '"python3"' in entry
    # written as Qunomon's own manifests are, and valid by the same checks imports get
    assert validate(manifest) == ([], [])
    assert manifest["name"] == "eval_aiqm_classification_performance"
    assert manifest["quality"].endswith("/機械学習品質マネジメントガイドライン第三版/C-1機械学習モデルの正確性")
    params = {p["name"]: p for p in manifest["parameters"]}
    assert params["n_bootstrap"]["default_val"] == "200" and params["n_bootstrap"]["type"] == "int"
    assert params["slice_by"]["type"] == "str" and params["slice_by"]["default_val"] == "[]"
    assert params["dataset_target"]["type"] == "str"
    assert {m["structure"] for m in manifest["report"]["measures"]} == {"single", "sequence"}
    assert all(isinstance(v, str) for m in manifest["report"]["measures"] for k, v in m.items())
    assert manifest["downloads"][-1]["name"] == "Log"

    imported = ait_service.import_package(out, env="current", store=store)
    ref = imported.record.ref
    assert ref == "eval_aiqm_classification_performance@1.1.0"

    native = _run(tmp_path / "native", data,
                  "test: {kind: dataset, path: test.csv, target: label}\nmodel: {kind: model, path: model.skops}",
                  "classification_performance@1", PARAMS)
    qunomon = _run(tmp_path / "qunomon", data,
                   "test: {kind: document, path: test.csv}\nmodel: {kind: document, path: model.skops}",
                   ref,  # Qunomon has no list parameters: a list travels as JSON text
                   "{dataset_target: label, n_bootstrap: 20, seed: 3, slice_by: '[\"mean radius\"]'}")
    assert native.status == Status.OK and qunomon.status == Status.OK, qunomon.error
    a, b = _values(native), _values(qunomon)
    assert set(a) == set(b)
    for name, v in a.items():
        w = b[name]
        if (isinstance(v, float) and math.isnan(v)) or v is None:
            assert w is None or (isinstance(w, float) and math.isnan(w)), name
        else:
            assert w == pytest.approx(v, rel=1e-12), name
    assert len(a) > 20
    kinds = {r.name: r.kind for r in qunomon.resources}
    assert kinds["confusion_matrix"] == "figure" and kinds["per_class"] == "table"


def test_exporting_an_imported_ait_points_at_its_package(typed, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="is an imported Qunomon AIT; its original package"):
        ait_service.export_ait("eval_fixture_typed", tmp_path / "x.zip")


def test_the_guest_reports_bad_input_as_an_error_document(store: AITStore, tmp_path: Path) -> None:
    from aiqm.qunomon.guest import run_contract

    args = tmp_path / "args"
    args.mkdir()
    (args / "ait.input.json").write_text(json.dumps({
        "testbed_mount_volume_path": str(tmp_path / "mnt"), "run_id": 1, "job_id": 1,
        "Inventories": [{"Name": "dataset", "Value": str(tmp_path / "missing.csv")}],
        "MethodParams": [{"Name": "n_bootstrap", "Value": "many"}]}))
    doc = json.loads(run_contract(args, "classification_performance@1").read_text())
    assert "Result" not in doc
    assert doc["ExecuteInfo"]["Error"]["Code"] == "E901"
    assert "'n_bootstrap' parameter" in doc["ExecuteInfo"]["Error"]["Detail"]
    pd.DataFrame()  # keep pandas import used for the fixture's data frames
