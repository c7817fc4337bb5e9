"""AIST MLQM (3rd-edition structure): characteristics, the 38 requirements, the level matrix,
the cumulative expansion and the determination of every external level, on hand-worked cases."""

from __future__ import annotations

import itertools
import re

import pytest

from aiqm.core.guideline import load_guideline
from aiqm.core.levels import (
    check_levels,
    cumulative_levels,
    determine_level,
    required_levels,
    required_requirements,
)
from aiqm.exceptions import InputError

G = load_guideline("aist-mlqm@3")

# The level matrix exactly as in the reference notes (guideline-notes.md §1); "—" = no entry.
NOTES_MATRIX = """
AISL 0.1 | 1 | 1 | 1 | S1 | 1 | 1 | 1 | 1 | 1
AISL 0.2 | 2 | 2 | 2 | S2 | 2 | 2 | 2 | 2 | 2
AISL 1   | 3 | 3 | 3 | S2 | 3 | 3 | 3 | 3 | 3
AIFL 1   | 1 | 1 | 2 | E1 | 1 | 1 | 1 | 1 | 2
AIFL 2   | 2 | 2 | 3 | E2 | 2 | 2 | 2 | 2 | 3
AIPL 1   | 1 | 1 | 1 | E1 | — | 1 | 1 | 1 | 1
AIPL 2   | 2 | 2 | 2 | E2 | — | 2 | 2 | 2 | 2
"""
INTERNAL = ["A-1", "A-2", "B-1", "B-2", "B-3", "C-1", "C-2", "D-1", "E-1"]


def test_characteristics_and_levels() -> None:
    assert [c.id for c in G.external] == ["AISL", "AIFL", "AIPL", "AIPrL", "AISec"]
    assert [lv.label for lv in G.external_characteristic("AISL").levels] == [
        "0", "0.1", "0.2", "1", "2", "3", "4"]
    for cid in ("AIFL", "AIPL", "AIPrL"):
        assert [lv.label for lv in G.external_characteristic(cid).levels] == ["0", "1", "2"]
    assert G.external_characteristic("AISec").levels == ()
    assert [lv.in_scope for lv in G.external_characteristic("AISL").levels] == [True] * 5 + [False] * 2
    assert [c.id for c in G.internal] == INTERNAL
    b2 = G.internal_characteristic("B-2")
    assert [t.id for t in b2.tracks] == ["E", "S"]
    assert [(lv.label, lv.track) for lv in b2.levels] == [
        ("E1", "E"), ("E2", "E"), ("S1", "S"), ("S2", "S")]
    for cid in INTERNAL:
        if cid != "B-2":
            assert [lv.label for lv in G.internal_characteristic(cid).levels] == ["Lv1", "Lv2", "Lv3"]


def test_japanese_names_as_in_the_third_edition() -> None:
    names = {c.id: c.names.ja for c in G.characteristics}
    assert names["AISL"] == "リスク回避性" and names["AIPL"] == "AIパフォーマンス"
    assert names["A-1"] == "問題領域分析の十分性" and names["C-2"] == "機械学習モデルの安定性"
    assert names["E-1"] == "運用時品質の維持性"


def test_the_38_requirements() -> None:
    ids = [r.id for r in G.requirements]
    assert len(ids) == len(set(ids)) == 38
    for r in G.requirements:
        assert re.fullmatch(rf"{re.escape(r.characteristic)}-{r.level}-\d", r.id)
        assert r.summary.en and r.summary.ja
    per_level = {(c, lv.label): len(lv.requirements) for c in INTERNAL
                 for lv in G.internal_characteristic(c).levels}
    assert [per_level[("B-3", x)] for x in ("Lv1", "Lv2", "Lv3")] == [4, 6, 3]
    assert {k: v for k, v in per_level.items() if k[0] == "B-2"} == {
        ("B-2", "E1"): 1, ("B-2", "E2"): 1, ("B-2", "S1"): 1, ("B-2", "S2"): 1}
    assert all(v == 1 for k, v in per_level.items() if k[0] not in ("B-2", "B-3"))
    assert {r.id for r in G.requirements if "B-2-LE" in r.id} == {"B-2-LE1-1", "B-2-LE2-1"}
    assert G.requirement("B-2-LE1-1").based_on == ("B-1-L1-1",)
    assert G.requirement("A-2-L2-1").evidence == "measure" and G.requirement("A-2-L2-1").automatable
    assert G.requirement("A-1-L1-1").evidence == "checklist"


def _matrix_cell(external: str, cid: str) -> str:
    row = next((r for r in G.level_matrix if r.external == external), None)
    if row is None or cid not in row.targets:
        return "—"
    lv = G.internal_characteristic(cid).level(row.targets[cid])
    return lv.label.removeprefix("Lv")


def test_the_level_matrix_is_exactly_as_in_the_notes() -> None:
    rows = [[c.strip() for c in line.split("|")] for line in NOTES_MATRIX.strip().splitlines()]
    assert [r.external for r in G.level_matrix] == [
        "-".join(r[0].split()) for r in rows]
    for r in rows:
        external = "-".join(r[0].split())
        assert [_matrix_cell(external, cid) for cid in INTERNAL] == r[1:], external
    # the empty AIPL/B-3 cell is said in the file's notes
    assert any("B-3" in n.en and "AIPL" in n.en for n in G.meta.notes)


def test_levels_without_a_matrix_row() -> None:
    rows = {r.external for r in G.level_matrix}
    for level in ("AISL-0", "AISL-2", "AISL-3", "AISL-4", "AIFL-0", "AIPL-0",
                  "AIPrL-0", "AIPrL-1", "AIPrL-2"):
        assert level not in rows


def _ids(levels: dict[str, str]) -> list[str]:
    return [r.id for r in required_requirements(G, levels)]


B3_L1 = ["B-3-L1-1", "B-3-L1-2", "B-3-L1-3", "B-3-L1-4"]
B3_L2 = [f"B-3-L2-{i}" for i in range(1, 7)]


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ({}, []),
        ({"AISL": "0"}, []),
        ({"AIPrL": "2"}, []),
        ({"AISL": "0.1"}, ["A-1-L1-1", "A-2-L1-1", "B-1-L1-1", "B-2-LS1-1", *B3_L1, "C-1-L1-1",
                           "C-2-L1-1", "D-1-L1-1", "E-1-L1-1"]),
        ({"AIPL": "1"}, ["A-1-L1-1", "A-2-L1-1", "B-1-L1-1", "B-2-LE1-1", "C-1-L1-1", "C-2-L1-1",
                         "D-1-L1-1", "E-1-L1-1"]),
        ({"AIFL": "1"}, ["A-1-L1-1", "A-2-L1-1", "B-1-L1-1", "B-1-L2-1", "B-2-LE1-1", *B3_L1,
                         "C-1-L1-1", "C-2-L1-1", "D-1-L1-1", "E-1-L1-1", "E-1-L2-1"]),
        # AIPL 2 alone: everything at Lv2 except B-3, where the matrix is empty
        ({"AIPL": "2"}, ["A-1-L1-1", "A-1-L2-1", "A-2-L1-1", "A-2-L2-1", "B-1-L1-1", "B-1-L2-1",
                         "B-2-LE1-1", "B-2-LE2-1", "C-1-L1-1", "C-1-L2-1", "C-2-L1-1",
                         "C-2-L2-1", "D-1-L1-1", "D-1-L2-1", "E-1-L1-1", "E-1-L2-1"]),
        # tracks are independent: E from AIFL, S from AISL
        ({"AISL": "0.1", "AIFL": "2"},
         ["A-1-L1-1", "A-1-L2-1", "A-2-L1-1", "A-2-L2-1", "B-1-L1-1", "B-1-L2-1", "B-1-L3-1",
          "B-2-LE1-1", "B-2-LE2-1", "B-2-LS1-1", *B3_L1, *B3_L2, "C-1-L1-1", "C-1-L2-1",
          "C-2-L1-1", "C-2-L2-1", "D-1-L1-1", "D-1-L2-1", "E-1-L1-1", "E-1-L2-1", "E-1-L3-1"]),
    ],
)
def test_cumulative_expansion_on_hand_worked_cases(levels: dict[str, str], expected: list[str]) -> None:
    assert _ids(levels) == expected


def test_counts_of_hand_worked_cases() -> None:
    assert len(_ids({"AISL": "0.2", "AIPL": "2"})) == 28   # the demo project's levels
    assert len(_ids({"AISL": "1"})) == 36                   # all Lv3 and S2, no E track
    assert len(_ids({"AISL": "1", "AIFL": "2"})) == 38      # everything
    # external levels are cumulative: AISL 2-4 have no row but include AISL 1's
    assert _ids({"AISL": "2"}) == _ids({"AISL": "4"}) == _ids({"AISL": "1"})


def test_highest_level_wins_and_names_its_sources() -> None:
    req = required_levels(G, {"AISL": "0.2", "AIFL": "2", "AIPL": "1"})
    assert req[("B-1", None)].level.label == "Lv3" and req[("B-1", None)].because == ("AIFL-2",)
    assert req[("A-1", None)].level.label == "Lv2"
    assert set(req[("A-1", None)].because) == {"AISL-0.2", "AIFL-2"}
    assert req[("B-2", "E")].level.label == "E2" and req[("B-2", "S")].level.label == "S2"
    assert req[("E-1", None)].level.label == "Lv3"


def test_cumulative_levels_stay_in_their_track() -> None:
    b2 = G.internal_characteristic("B-2")
    assert [lv.id for lv in cumulative_levels(b2, b2.level("S2"))] == ["LS1", "LS2"]
    c1 = G.internal_characteristic("C-1")
    assert [lv.id for lv in cumulative_levels(c1, c1.level("Lv3"))] == ["L1", "L2", "L3"]


def test_level_values_are_matched_by_label_id_or_number() -> None:
    assert _ids({"AISL": "0.20"}) == _ids({"AISL": "AISL-0.2"}) == _ids({"AISL": "0.2"})
    check_levels({"AISL": "1.0", "AIPL": "2"}, [G])
    with pytest.raises(InputError, match=r"'0.3' is not a level of AISL .* use one of: 0, 0.1, 0.2"):
        check_levels({"AISL": "0.3"}, [G])
    with pytest.raises(InputError, match="'AISX' is not an external characteristic"):
        check_levels({"AISX": "1"}, [G])


# --- determination ---------------------------------------------------------------------------

SEVERITIES = ["none", "minor", "serious", "grave", "fatal"]
AVOIDABILITY = ["always_checked", "supervision", "victim", "unavoidable"]
# AISL per (severity, avoidability), worked out by hand from the notes' trigger table; cells the
# notes do not give follow the table's pattern (marked verified: false in the file).
GRID = {
    "none":    ["0",   "0",   "0",   "0.1"],
    "minor":   ["0.1", "0.2", "0.2", "1"],
    "serious": ["0.2", "1",   "1",   "2"],
    "grave":   ["1",   "2",   "2",   "3"],
    "fatal":   ["3",   "3",   "3",   "4"],
}
UNVERIFIED = {  # (severity, avoidability, harm) cells the notes do not state
    ("minor", "victim", "economic"), ("serious", "always_checked", "human"),
    ("serious", "always_checked", "economic"), ("serious", "victim", "human"),
    ("serious", "victim", "economic"), ("serious", "unavoidable", "human"),
    ("grave", "victim", "human"), ("grave", "victim", "economic"),
    ("grave", "unavoidable", "human"), ("grave", "unavoidable", "economic"),
    *(("fatal", a, h) for a in AVOIDABILITY for h in ("human", "economic")),
}
ORDER = ["0", "0.1", "0.2", "1", "2", "3", "4"]


def _aisl(hs: str, ha: str, es: str, ea: str) -> str:
    h = GRID[hs][AVOIDABILITY.index(ha)]
    e = GRID[es][AVOIDABILITY.index(ea)]
    return max(h, e, key=ORDER.index)


def test_every_aisl_trigger_combination() -> None:
    aisl = G.external_characteristic("AISL")
    combos = list(itertools.product(SEVERITIES, AVOIDABILITY, SEVERITIES, AVOIDABILITY))
    assert len(combos) == 400
    for hs, ha, es, ea in combos:
        d = determine_level(aisl, {"human_severity": hs, "human_avoidability": ha,
                                   "economic_severity": es, "economic_avoidability": ea})
        assert d.level.label == _aisl(hs, ha, es, ea), (hs, ha, es, ea)


@pytest.mark.parametrize(("severity", "avoid"), list(itertools.product(SEVERITIES, AVOIDABILITY)))
@pytest.mark.parametrize("harm", ["human", "economic"])
def test_each_harm_cell_and_whether_the_source_states_it(severity: str, avoid: str, harm: str) -> None:
    other = "economic" if harm == "human" else "human"
    answers = {f"{harm}_severity": severity, f"{harm}_avoidability": avoid,
               f"{other}_severity": "none", f"{other}_avoidability": "always_checked"}
    d = determine_level(G.external_characteristic("AISL"), answers)
    assert d.level.label == GRID[severity][AVOIDABILITY.index(avoid)]
    if d.level.label != "0":  # level 0 is also the default
        assert d.verified == ((severity, avoid, harm) not in UNVERIFIED)
    assert d.level.in_scope == (d.level.label not in ("3", "4"))


@pytest.mark.parametrize("answers", list(itertools.product(["yes", "no"], repeat=4)))
def test_every_aifl_combination(answers: tuple[str, ...]) -> None:
    law, rights, no_bias, acceptance = answers
    expected = "2" if "yes" in (law, rights) else "1" if "yes" in (no_bias, acceptance) else "0"
    d = determine_level(G.external_characteristic("AIFL"), {
        "fair_treatment_required": law, "personal_data_rights": rights,
        "no_bias_requirement": no_bias, "acceptance_risk": acceptance})
    assert d.level.label == expected


@pytest.mark.parametrize(("essential", "target", "expected"),
                         [("yes", "yes", "2"), ("yes", "no", "2"), ("no", "yes", "1"), ("no", "no", "0")])
def test_every_aipl_combination(essential: str, target: str, expected: str) -> None:
    d = determine_level(G.external_characteristic("AIPL"),
                        {"metric_essential": essential, "target_metric": target})
    assert d.level.label == expected


@pytest.mark.parametrize(("processing", "reid", "expected"),
                         [(True, True, "2"), (False, True, "2"), (True, False, "1"), (False, False, "0")])
def test_every_aiprl_combination(processing: bool, reid: bool, expected: str) -> None:
    d = determine_level(G.external_characteristic("AIPrL"),
                        {"protection_processing": processing, "reidentification_measures": reid})
    assert d.level.label == expected


def test_bad_answers_are_input_errors_naming_what_is_allowed() -> None:
    aisl = G.external_characteristic("AISL")
    full = {"human_severity": "minor", "human_avoidability": "supervision",
            "economic_severity": "none", "economic_avoidability": "supervision"}
    with pytest.raises(InputError, match=r"'deadly' is not an answer of question 'human_severity'"
                                         r".*one of: none, minor, serious, grave, fatal"):
        determine_level(aisl, {**full, "human_severity": "deadly"})
    with pytest.raises(InputError, match=r"no answer to 'economic_avoidability'"):
        determine_level(aisl, {k: v for k, v in full.items() if k != "economic_avoidability"})
    with pytest.raises(InputError, match="AISL has no question 'severity'"):
        determine_level(aisl, {**full, "severity": "x"})
    with pytest.raises(InputError, match="AISec has no questions"):
        determine_level(G.external_characteristic("AISec"), {})
    # numbers pick options in order; case does not matter
    assert determine_level(aisl, {**full, "human_severity": "4", "human_avoidability": "SUPERVISION"}
                           ).level.label == "2"
