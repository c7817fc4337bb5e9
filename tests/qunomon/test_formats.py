"""Inventory formats Qunomon AITs expect pass through with digests and format checks."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from tests.qunomon._packages import formats_package

from aiqm.core.results import Status
from aiqm.data.digest import sha256_path
from aiqm.qunomon.store import AITStore
from aiqm.services import aits as ait_service
from aiqm.services.runs import RunOptions, run_project
from aiqm.storage import open_project_store

HDF5 = b"\x89HDF\r\n\x1a\n" + bytes(56)


def _inputs(root: Path) -> None:
    (root / "table.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    (root / "meta.json").write_text('{"classes": ["a", "b"]}', encoding="utf-8")
    (root / "weights.h5").write_bytes(HDF5)
    with zipfile.ZipFile(root / "model.pth", "w") as zf:  # torch.save's zip container
        zf.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    with zipfile.ZipFile(root / "images.zip", "w") as zf:
        zf.writestr("img/0.png", b"png")
    (root / "folder").mkdir()
    (root / "folder" / "a.txt").write_text("a")
    (root / "shards").mkdir()
    for i in range(3):
        (root / "shards" / f"part{i}.csv").write_text(f"x\n{i}\n")
    (root / "shards" / "README.md").write_text("not a shard")


YAML = """\
component: {{name: f, task: other}}
inventories:
  table: {{kind: document, path: table.csv}}
  meta: {{kind: document, path: meta.json}}
  weights: {{kind: document, path: {weights}}}
  model: {{kind: document, path: model.pth}}
  images: {{kind: document, path: images.zip}}
  folder: {{kind: document, path: folder}}
  shards: {{kind: document, path: shards}}
tests:
  - name: formats
    characteristic: B-1
    ait: alyz_fixture_formats@0.2
    inventories: {{table: table, meta: meta, weights: weights, model: model, images: images,
                  folder: folder, shards: shards}}
"""


@pytest.fixture
def formats(store: AITStore, tmp_path: Path) -> Path:
    ait_service.import_package(formats_package(tmp_path / "pkg"), env="current", store=store)
    root = tmp_path / "proj"
    root.mkdir()
    _inputs(root)
    return root


def test_every_format_reaches_the_ait_with_the_digest_aiqm_recorded(formats: Path) -> None:
    (formats / "aiqm.yaml").write_text(YAML.format(weights="weights.h5"), encoding="utf-8")
    r = run_project(formats, RunOptions(executor="inline")).results[0]
    assert r.status == Status.OK, r.error
    recorded = {i.slot: i.digest for i in r.inputs}
    store, artifacts = open_project_store(formats)
    try:
        ref = next(x for x in r.resources if x.name == "digests")
        seen = json.loads(artifacts.get_bytes(ref.digest))
    finally:
        store.close()
    for slot in ("table", "meta", "weights", "model", "images"):
        assert seen[slot] == recorded[slot] == sha256_path(formats / f"{slot}{_suffix(slot)}")
    assert seen["folder"] == ["a.txt"] and recorded["folder"] == sha256_path(formats / "folder")
    # a folder bound to a slot of 2..3 csv files: its csv files, sorted; README left out
    assert seen["shards"] == [sha256_path(formats / "shards" / f"part{i}.csv") for i in range(3)]
    assert r.measure("n_shards").value == 3


def _suffix(slot: str) -> str:
    return {"table": ".csv", "meta": ".json", "weights": ".h5", "model": ".pth", "images": ".zip"}[slot]


def test_a_file_whose_content_is_not_its_format_is_err_naming_it(formats: Path) -> None:
    (formats / "fake.h5").write_bytes(b"not hdf5 at all")
    (formats / "aiqm.yaml").write_text(YAML.format(weights="fake.h5"), encoding="utf-8")
    r = run_project(formats, RunOptions(executor="inline")).results[0]
    assert r.status == Status.ERR
    assert "slot 'weights'" in r.error and "not a valid h5 file" in r.error


def test_wrong_suffix_and_file_counts_are_refused(formats: Path) -> None:
    (formats / "aiqm.yaml").write_text(YAML.format(weights="table.csv"), encoding="utf-8")
    with pytest.raises(Exception, match="slot 'weights' of AIT 'alyz_fixture_formats' accepts formats h5"):
        run_project(formats)
    for p in list((formats / "shards").glob("part*.csv"))[1:]:
        p.unlink()
    (formats / "aiqm.yaml").write_text(YAML.format(weights="weights.h5"), encoding="utf-8")
    r = run_project(formats, RunOptions(executor="inline")).results[0]
    assert r.status == Status.ERR and "takes 2 to 3 file(s); got 1" in r.error
