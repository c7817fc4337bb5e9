"""Qunomon manifests: conversion of a real-shaped one, and a corpus of malformed ones."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from tests.qunomon._packages import QD, typed_manifest

from aiqm.core.constraints import Interval
from aiqm.qunomon.manifest import (
    QunomonManifestError,
    convert,
    map_name,
    normalise_version,
    validate,
)
from aiqm.qunomon.quality import parse_quality_uri


def test_a_real_shaped_manifest_converts_with_types_ranges_and_japanese_text() -> None:
    imp = convert(typed_manifest())
    m = imp.manifest
    assert (m.id, m.version, m.title) == ("eval_fixture_typed", "0.4.0", "eval_fixture_typed")
    assert m.characteristics == ("C-1",)
    assert m.description_ja == m.description == "型変換を確かめるテスト用AIT。Checks typed conversion."
    p = {x.name: x for x in m.parameters}
    assert (p["threshold"].type, p["threshold"].default) == ("float", 0.5)
    assert p["threshold"].constraints == (Interval(low=0, high=1),)
    assert (p["n_items"].type, p["n_items"].default) == ("int", 3)
    assert (p["verbose"].type, p["verbose"].default) == ("bool", False)  # "False" is False
    assert p["threshold"].description_ja == "しきい値" and p["label"].description_ja == ""
    ms = {x.name: x for x in m.measures}
    assert (ms["per_class"].structure, ms["per_class"].min, ms["per_class"].max) == ("sequence", 0, 1)
    assert (ms["count"].type, ms["count"].min, ms["count"].max) == ("int", 0, None)
    assert ms["flags"].type == "bool"
    assert [(r.name, r.kind) for r in m.resources] == [
        ("plot", "figure"), ("worst_items", "table"), ("summary", "text")]
    # a binary resource is kept as a download; the SDK's Log download too
    assert [d.name for d in m.downloads] == ["blob", "log", "raw_data"]
    assert m.inventories[0].kind == "document" and m.inventories[0].formats == ("csv",)
    assert m.references[0].title == "A fixture, 2025" and m.licenses == ("Apache License Version 2.0",)
    assert imp.slots[0].original == "Data_CSV" and imp.measures[1].original == "Accuracy"


def test_formats_dir_all_and_file_counts() -> None:
    data = typed_manifest()
    data["inventories"] = [
        {"name": "images", "type": "dataset", "description": "", "requirement": {"format": ["DIR"]}},
        {"name": "any", "type": "attribute set", "description": "", "requirement": {"format": ["ALL"]}},
        {"name": "shards", "type": "dataset", "description": "",
         "requirement": {"format": ["csv"], "min": "2", "max": "5"}},
        {"name": "model", "type": "model", "description": "",
         "requirement": {"format": ["pth"], "min": "0"}},
        {"name": "mnist", "type": "dataset", "description": "", "requirement": {"format": ["tar.gz"]}},
    ]
    imp = convert(data)
    inv = {i.name: i for i in imp.manifest.inventories}
    assert inv["images"].formats == ("dir",) and imp.slot("images").directory
    assert inv["any"].formats == () and imp.slot("any").any_format
    assert inv["shards"].formats == () and (imp.slot("shards").min_files, imp.slot("shards").max_files) == (2, 5)
    assert inv["model"].required is False and inv["model"].formats == ("pth",)
    assert inv["mnist"].formats == ("tar.gz", "gz")


def test_names_and_versions_map_as_documented() -> None:
    assert map_name("BLEU_Score") == "bleu_score"
    assert map_name("Adversarial Robustness (L2)") == "adversarial_robustness_l2"
    assert map_name("3way") == "q_3way"
    long = "eval_" + "x" * 80
    mapped = map_name(long, max_len=64)
    assert len(mapped) == 64 and mapped.startswith("eval_xxx")
    assert normalise_version("0.10") == "0.10.0" and normalise_version("1") == "1.0.0"
    with pytest.raises(ValueError, match="JSON number"):
        normalise_version(0.1)


@pytest.mark.parametrize(("qd", "cid"), [
    ("A-1問題領域分析の十分性", "A-1"), ("B-2データセットの均一性", "B-2"),
    ("C-2機械学習モデルの安定性", "C-2"), ("AIパフォーマンス", "AIPL"), ("公平性", "AIFL"),
    ("%E3%83%AA%E3%82%B9%E3%82%AF%E5%9B%9E%E9%81%BF%E6%80%A7", "AISL"),  # percent-encoded リスク回避性
])
def test_quality_dimension_uris_map_to_mlqm_ids(qd: str, cid: str) -> None:
    assert parse_quality_uri(QD + qd).characteristic == cid


def test_other_guideline_titles_map_with_a_warning() -> None:
    qd = parse_quality_uri("https://hub.example/api/qualityDimensions/MyGuide/C-1正確性")
    assert qd.characteristic == "C-1" and "MyGuide" in qd.warning


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set (or, with value ``...``, delete) a dotted/indexed path in the manifest."""
    def apply(d: dict[str, Any]) -> None:
        keys = [int(k) if k.isdigit() else k for k in path.replace("[", ".").replace("]", "").split(".")]
        cur: Any = d
        for k in keys[:-1]:
            cur = cur[k]
        if value is ...:
            del cur[keys[-1]]
        else:
            cur[keys[-1]] = value
    return apply


def _append(path: str, item: Any) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        cur: Any = d
        for k in path.split("."):
            cur = cur[k]
        cur.append(item)
    return apply


MALFORMED = [
    ("no name", _set("name", ...), "name: field required"),
    ("empty name", _set("name", "  "), "name: must not be empty"),
    ("name of punctuation", _set("name", "!!!"), "name: "),
    ("no description", _set("description", ...), "description: field required"),
    ("numeric version", _set("version", 0.1), "version: must be a string"),
    ("pre-release version", _set("version", "1.0.0-beta"), "version: '1.0.0-beta' is not a version"),
    ("no quality", _set("quality", ...), "quality: field required"),
    ("quality not a URI", _set("quality", "C-1"), "quality: 'C-1' is not a URI"),
    ("unknown QD", _set("quality", QD + "Z-9存在しない"), "quality: quality dimension 'Z-9存在しない'"),
    ("QD URI without dimension", _set("quality", "https://h/ait-hub/api/0.0.1/"), "quality: "),
    ("no inventories", _set("inventories", ...), "inventories: field required"),
    ("inventory not an object", _set("inventories", ["x"]), "inventories[0]: must be an object"),
    ("inventory type", _set("inventories[0].type", "table"), "inventories[0].type: 'table' is not allowed"),
    ("no requirement", _set("inventories[0].requirement", ...), "inventories[0].requirement: field required"),
    ("format not a list", _set("inventories[0].requirement.format", "csv"),
     "inventories[0].requirement.format: must be a non-empty list"),
    ("empty format list", _set("inventories[0].requirement.format", []),
     "inventories[0].requirement.format: must be a non-empty list"),
    ("bad format entry", _set("inventories[0].requirement.format", ["csv", "a b"]),
     "inventories[0].requirement.format[1]: 'a b' is not a format"),
    ("DIR with files", _set("inventories[0].requirement.format", ["DIR", "csv"]),
     "inventories[0].requirement.format: DIR (a folder) cannot be combined"),
    ("min not a number", _set("inventories[0].requirement.min", "one"),
     "inventories[0].requirement.min: must be a number"),
    ("negative max", _set("inventories[0].requirement.max", "-1"),
     "inventories[0].requirement.max: must be a whole number"),
    ("min above max", lambda d: d["inventories"][0]["requirement"].update(min="3", max="2"),
     "inventories[0].requirement.max: must not be below min"),
    ("duplicate inventory after mapping", _append("inventories", {
        "name": "data csv", "type": "dataset", "description": "", "requirement": {"format": ["csv"]}}),
     "inventories[1].name: inventory name 'data csv' maps to aiqm name 'data_csv' like 'Data_CSV'"),
    ("no parameters", _set("parameters", ...), "parameters: field required"),
    ("parameter type", _set("parameters[0].type", "double"), "parameters[0].type: 'double' is not allowed"),
    ("default not a float", _set("parameters[0].default_val", "half"),
     "parameters[0].default_val: must be a number"),
    ("default outside range", _set("parameters[0].default_val", "1.5"),
     "parameters[0].default_val: '1.5' is outside [0.0, 1.0]"),
    ("int default with fraction", _set("parameters[1].default_val", "2.5"),
     "parameters[1].default_val: must be an int"),
    ("bool default", _set("parameters[2].default_val", "maybe"),
     "parameters[2].default_val: must be True or False"),
    ("parameter max below min", _set("parameters[1].max", "0"), "parameters[1].max: must not be below min"),
    ("no report", _set("report", ...), "report: field required"),
    ("measure structure", _set("report.measures[2].structure", "matrix"),
     "report.measures[2].structure: 'matrix' is not allowed; use one of single, sequence"),
    ("measure without structure", _set("report.measures[0].structure", ...),
     "report.measures[0].structure: field required"),
    ("str measure", _set("report.measures[0].type", "str"), "report.measures[0].type: 'str' measures"),
    ("measure min not a number", _set("report.measures[1].min", "zero"),
     "report.measures[1].min: must be a number"),
    ("resource type", _set("report.resources[0].type", "image"),
     "report.resources[0].type: 'image' is not allowed"),
    ("no downloads", _set("downloads", ...), "downloads: field required"),
    ("download name", _set("downloads[1].name", 7), "downloads[1].name: must be a string"),
    ("output names collide", _set("downloads[1].name", "plot"),
     "downloads[1].name: output name 'plot' maps to aiqm name 'plot' like 'Plot'"),
    ("reference without bib_info", _set("references[0]", {"url": "https://x"}),
     "references[0].bib_info: field required"),
    ("keyword not a string", _set("keywords", [1]), "keywords[0]: must be a string"),
]


@pytest.mark.parametrize(("case", "change", "expected"), MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_manifests_are_rejected_with_the_field_named(
    case: str, change: Callable[[dict[str, Any]], None], expected: str,
) -> None:
    data = copy.deepcopy(typed_manifest())
    change(data)
    problems, _ = validate(data)
    assert any(p.startswith(expected) or expected in p for p in problems), problems
    with pytest.raises(QunomonManifestError) as info:
        convert(data)
    assert expected in str(info.value)


def test_the_corpus_is_large_enough_and_every_problem_is_reported_at_once() -> None:
    assert len(MALFORMED) >= 20
    data = typed_manifest()
    del data["name"]
    data["report"]["measures"][0]["structure"] = "matrix"
    data["parameters"][0]["default_val"] = "x"
    problems, _ = validate(data)
    assert {p.split(":")[0] for p in problems} == {
        "name", "report.measures[0].structure", "parameters[0].default_val"}


def test_not_an_object_and_unknown_fields() -> None:
    assert validate([])[0] == ["(top level): must be a JSON object; got list"]
    data = typed_manifest()
    data["flavour"] = "x"
    problems, warnings = validate(data)
    assert problems == [] and warnings == ["flavour: unknown field, ignored"]
