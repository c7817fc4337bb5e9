"""Guideline coverage: states, achieved levels, crosswalks, and the coverage section of reports."""

from __future__ import annotations

import pytest

from aiqm.core.coverage import (
    ChecklistAnswer,
    combine_states,
    compute_coverage,
    requirements_for_test,
)
from aiqm.core.guideline import load_guideline, parse_guideline
from aiqm.core.manifest import AITManifest
from aiqm.exceptions import InputError

from ._factory import result, tiny_guideline

MLQM = load_guideline("aist-mlqm@3")
TINY = parse_guideline(tiny_guideline())


def _states(cov) -> dict[str, str]:
    return {rc.requirement.id: rc.state for rc in cov.requirements}


def test_states_of_a_hand_made_run() -> None:
    results = [
        result("accuracy", "C-1", "OK", ["C-1-L1-1"]),
        result("accuracy on new data", "C-1", "NG", ["C-1-L2-1"]),
        result("completeness", "B-3", "ERR", ["B-3-L2-4"]),      # ERR is failed evidence
        result("skipped", "C-2", "NA", ["C-2-L1-1"]),            # NA is no evidence
        result("cv twice", "C-2", "OK", ["C-2-L2-1"]),
        result("cv again", "C-2", "NG", ["aist-mlqm:C-2-L2-1"]),  # qualified id; one NG fails it
        result("unmapped", "D-1", "OK", []),
    ]
    checklist = {"process checklist": [
        ChecklistAnswer("A-1-L1-1", "yes", "passed", "qa", "2024-01-01"),
        ChecklistAnswer("A-1-L2-1", "", "pending", note="unanswered"),
        ChecklistAnswer("A-2-L1-1", "no", "failed", "qa", "2024-01-01"),
        ChecklistAnswer("E-1-L1-1", "not-applicable", "passed", "qa", "2024-01-01", "offline only"),
        ChecklistAnswer("C-1-L1-1", "", "pending"),  # test passed but a row is open: pending
    ]}
    cov = compute_coverage(MLQM, {"AISL": "0.2"}, results, {}, checklist)
    s = _states(cov)
    assert (s["C-1-L1-1"], s["C-1-L2-1"], s["B-3-L2-4"]) == ("pending", "failed", "failed")
    assert (s["C-2-L1-1"], s["C-2-L2-1"]) == ("missing", "failed")
    assert (s["A-1-L1-1"], s["A-1-L2-1"], s["A-2-L1-1"], s["E-1-L1-1"]) == (
        "passed", "pending", "failed", "passed")
    assert s["D-1-L1-1"] == "missing"
    assert cov.counts == {"passed": 2, "failed": 4, "missing": 18, "pending": 2}
    assert sum(cov.counts.values()) == 26  # AISL 0.2
    chars = {c.characteristic.id: c for c in cov.characteristics}
    assert chars["D-1"].unmapped_tests == ("unmapped",)
    assert chars["A-1"].required[None].label == "Lv2"
    assert chars["A-1"].achieved[None].label == "Lv1"   # L1 passed, L2 pending
    assert chars["E-1"].achieved[None].label == "Lv1"   # not-applicable with a rationale passes
    assert chars["C-1"].achieved[None] is None
    assert dict(chars["A-1"].counts) == {"passed": 1, "failed": 0, "missing": 0, "pending": 1}
    evidence = {rc.requirement.id: rc.evidence for rc in cov.requirements}
    assert [(e.kind, e.source, e.status) for e in evidence["C-1-L1-1"]] == [
        ("test", "accuracy", "OK"), ("checklist", "process checklist", "unanswered")]
    assert evidence["E-1-L1-1"][0].detail == "qa; 2024-01-01; offline only"


def test_achieved_level_is_cumulative_and_per_track() -> None:
    results = [result("t1", "B-2", "OK", ["B-2-LE1-1", "B-2-LE2-1", "B-2-LS2-1"])]
    cov = compute_coverage(MLQM, {"AIPL": "2", "AISL": "0.2"}, results)
    b2 = next(c for c in cov.characteristics if c.characteristic.id == "B-2")
    assert {k: v.label for k, v in b2.required.items()} == {"E": "E2", "S": "S2"}
    # E: E1 and E2 passed → E2; S: S2 passed but S1 missing → nothing
    assert {k: (v.label if v else None) for k, v in b2.achieved.items()} == {"E": "E2", "S": None}


def test_no_levels_means_nothing_required_and_a_note() -> None:
    cov = compute_coverage(MLQM, {}, [result("t", "C-1", "OK", ["C-1-L1-1"])])
    assert cov.required == () and [n.code for n in cov.notes] == ["no_levels"]
    chars = {c.characteristic.id: c for c in cov.characteristics}
    assert chars["C-1"].achieved[None].label == "Lv1"  # achieved is computed all the same


def test_out_of_scope_levels_are_noted() -> None:
    cov = compute_coverage(MLQM, {"AISL": "3"}, [])
    assert [(n.code, dict(n.params)) for n in cov.notes] == [("beyond_scope", {"level": "AISL 3"})]
    assert len(cov.required) == 36  # AISL 1's requirements, a floor


def test_crosswalked_frameworks_take_evidence_from_mlqm_and_ait_measures() -> None:
    eu = load_guideline("eu-ai-act-art15@2024")
    results = [
        result("accuracy", "C-1", "OK", ["C-1-L1-1"], measures={"accuracy": 0.9},
               criteria={"accuracy": True}),
        result("robustness", "C-2", "NG", ["C-2-L2-1"]),
    ]
    checklist = {"checks": [ChecklistAnswer("E-1-L3-1", "", "pending")]}
    cov = compute_coverage(eu, {"AISL": "0.2"}, results, {}, checklist)
    assert cov.mode == "crosswalk" and cov.levels == {}
    assert len(cov.required) == 14 and [n.code for n in cov.notes] == ["crosswalk_rule"]
    s = _states(cov)
    assert s["ART15-1-ACC"] == "passed"     # via C-1 and via classification_performance.accuracy
    assert s["ART15-1-ROB"] == "failed"     # via C-2 (partial): the robustness test is NG
    assert s["ART15-5-3"] == "failed"       # via C-2-L2-1
    assert s["ART15-4-2"] == "pending"      # via E-1-L3-1, an open checklist row
    assert s["ART15-1-CYB"] == "missing"    # only 'related' crosswalks: no evidence
    acc = next(rc for rc in cov.requirements if rc.requirement.id == "ART15-1-ACC")
    assert [(e.source, e.detail, e.tests) for e in acc.evidence] == [
        ("aist-mlqm@3:C-1", "partial", ("accuracy",)),
        ("classification_performance.accuracy", "partial", ("accuracy",)),
    ]


def test_measure_crosswalks_use_the_criteria_on_that_measure() -> None:
    iso = load_guideline("iso-iec-5259-2@2024")
    manifest = AITManifest(id="data_completeness", version="1.0.0", description="d",
                           characteristics=("B-3",), iso_5259_measures=("Com-ML-1", "Con-ML-1"))
    results = [result("complete", "B-3", "NG", ait="data_completeness",
                      measures={"missing_ratio": 0.0, "duplicate_row_ratio": 0.2,
                                "complete_row_ratio": 1.0},
                      criteria={"missing_ratio": True, "duplicate_row_ratio": False})]
    cov = compute_coverage(iso, {}, results, {"data_completeness@1.0.0": manifest})
    s = _states(cov)
    # Com-ML-1: the criterion on missing_ratio passed, but the manifest names Com-ML-1 and the
    # test as a whole is NG: any failing evidence fails it
    assert s["Com-ML-1"] == "failed"
    assert s["Con-ML-1"] == "failed"          # the criterion on duplicate_row_ratio failed
    assert s["Com-ML-4"] == "failed"          # no criterion on complete_row_ratio: the test's NG
    assert s["Acc-ML-1"] == "missing"
    ok = [result("complete", "B-3", "OK", ait="data_completeness",
                 measures={"missing_ratio": 0.0}, criteria={"missing_ratio": True})]
    s = _states(compute_coverage(iso, {}, ok, {"data_completeness@1.0.0": manifest}))
    assert (s["Com-ML-1"], s["Con-ML-1"], s["Com-ML-3"]) == ("passed", "passed", "missing")


def test_custom_guideline_with_tracks_and_a_crosswalk_to_mlqm() -> None:
    results = [result("acc", "C-1", "OK", ["C-1-L1-1"])]
    checklist = {"c": [ChecklistAnswer("DATA-L1-1", "yes", "passed", "me", "2024-01-01")]}
    cov = compute_coverage(TINY, {"RISK": "1"}, results, {}, checklist)
    assert [rc.requirement.id for rc in cov.required] == ["DATA-L1-1", "DATA-L2-1", "MODEL-LS1-1"]
    s = _states(cov)
    assert s == {"DATA-L1-1": "passed", "DATA-L2-1": "missing", "MODEL-LE1-1": "passed",
                 "MODEL-LS1-1": "missing"}


@pytest.mark.parametrize(
    ("states", "expected"),
    [([], "missing"), (["passed"], "passed"), (["passed", "passed"], "passed"),
     (["pending"], "pending"), (["passed", "pending"], "pending"), (["pending", "failed"], "failed"),
     (["failed", "passed"], "failed")],
)
def test_how_evidence_states_combine(states: list[str], expected: str) -> None:
    assert combine_states(states) == expected  # type: ignore[arg-type]


def test_requirements_a_test_evidences() -> None:
    both = [MLQM, load_guideline("eu-ai-act-art15@2024")]
    # without 'requirements', the manifest's ids of the test's characteristic
    assert requirements_for_test("C-1", [], ["C-1-L1-1", "B-3-L2-4"], both) == ("C-1-L1-1",)
    assert requirements_for_test("B-3", [], ["C-1-L1-1", "B-3-L2-4"], both) == ("B-3-L2-4",)
    # the TD's list replaces it: narrow or extend, ids of any listed guideline, qualified or not
    assert requirements_for_test("C-1", ["C-1-L2-1", "ART15-1-ACC"], ["C-1-L1-1"], both) == (
        "C-1-L2-1", "ART15-1-ACC")
    assert requirements_for_test("C-1", ["aist-mlqm@3:C-1-L2-1"], [], both) == (
        "aist-mlqm@3:C-1-L2-1",)
    with pytest.raises(InputError, match=r"unknown requirement id 'C-1-L9-1' .* requirements of "
                                         r"C-1: C-1-L1-1, C-1-L2-1, C-1-L3-1"):
        requirements_for_test("C-1", ["C-1-L9-1"], [], both)
    twin = parse_guideline({**tiny_guideline(), "meta": {**tiny_guideline()["meta"], "id": "twin"}})
    with pytest.raises(InputError, match="qualify it as 'tiny:DATA-L1-1' or 'twin:DATA-L1-1'"):
        requirements_for_test("DATA", ["DATA-L1-1"], [], [TINY, twin])
