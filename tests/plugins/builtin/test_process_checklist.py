"""AIT ``process_checklist``: CSV and YAML checklists, answer states, measures, bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from aiqm.exceptions import DataError
from aiqm.plugins.builtin.process_checklist import normalise_answer, process_checklist
from aiqm.testing import run_ait

HEADER = "requirement,answer,owner,date,rationale,artifacts\n"
ROWS = [
    "A-1-L1-1,yes,qa-lead,2024-05-01,risk list reviewed,risks.md",
    "A-2-L1-1,〇,qa-lead,2024-05-02,,risks.md; https://example.org/case-design",
    "B-3-L1-1,no,data-owner,2024-05-03,sources not reviewed yet,",
    "B-3-L2-1,not-applicable,qa-lead,2024-05-03,no outsourcing,",
    "B-3-L2-3,n/a,qa-lead,2024-05-03,,",           # n/a without rationale: pending
    "D-1-L1-1,yes,,,,",                             # no owner or date: pending
    "E-1-L1-1,,,,,",                                # unanswered: pending
    "E-1-L2-1,yes,ops,2024-05-04,,monitoring.md",   # linked artifact does not exist
]


def _table(result) -> list[dict[str, object]]:
    doc = json.loads(Path(result.resource("checklist_answers")["file"]).read_text("utf-8"))
    return [dict(zip(doc["columns"], row, strict=True)) for row in doc["rows"]]


@pytest.fixture
def checklist(tmp_path: Path) -> Path:
    (tmp_path / "risks.md").write_text("# risks\n", "utf-8")
    f = tmp_path / "checklist.csv"
    f.write_text(HEADER + "\n".join(ROWS) + "\n", "utf-8-sig")  # with a BOM, as Excel writes
    return f


def test_csv_checklist_measures_and_states(checklist: Path) -> None:
    result = run_ait(process_checklist, documents={"checklist": checklist})
    assert result.problems == []
    m = result.measures
    # hand count: rows 1-4 and 8 are complete answers (yes, yes, no, n/a, yes; row 8 only lacks
    # its linked artifact); rows 5-7 are pending
    assert m["n_rows"] == 8
    assert m["answered_count"] == 5
    assert m["unanswered_count"] == 3
    assert (m["yes_count"], m["no_count"], m["not_applicable_count"]) == (3, 1, 1)
    assert m["answered_fraction"] == pytest.approx(5 / 8)
    assert m["yes_fraction"] == pytest.approx(3 / 4)
    assert m["missing_artifact_count"] == 1
    states = {r["requirement"]: (r["answer"], r["state"]) for r in _table(result)}
    assert states == {
        "A-1-L1-1": ("yes", "passed"), "A-2-L1-1": ("yes", "passed"),
        "B-3-L1-1": ("no", "failed"), "B-3-L2-1": ("not-applicable", "passed"),
        "B-3-L2-3": ("not-applicable", "pending"), "D-1-L1-1": ("yes", "pending"),
        "E-1-L1-1": ("", "pending"), "E-1-L2-1": ("yes", "passed"),
    }
    notes = {r["requirement"]: r["note"] for r in _table(result)}
    assert notes["E-1-L1-1"] == "unanswered"
    assert notes["D-1-L1-1"].startswith("incomplete: an answer needs an owner and a date")
    assert notes["B-3-L2-3"].startswith("incomplete: a not-applicable answer needs a rationale")
    assert notes["E-1-L2-1"] == "linked artifact not found: monitoring.md"
    assert notes["A-2-L1-1"] == ""  # URLs are not checked; risks.md exists


def test_yaml_checklist_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    rows = {"rows": [
        {"requirement": "A-1-L1-1", "answer": True, "owner": "qa", "date": "2024-01-02"},
        {"requirement": "A-1-L2-1", "answer": "いいえ", "owner": "qa", "date": "2024-01-02",
         "artifacts": ["a.md", "b.md"]},
    ]}
    (folder / "checklist.yaml").write_text(yaml.safe_dump(rows, allow_unicode=True), "utf-8")
    (folder / "a.md").write_text("a", "utf-8")
    result = run_ait(process_checklist, documents={"checklist": folder})
    assert result.measures["yes_count"] == 1 and result.measures["no_count"] == 1
    assert result.measures["missing_artifact_count"] == 1
    table = _table(result)
    assert table[0]["date"] == "2024-01-02"  # YAML parsed it as a date
    assert table[1]["artifacts"] == "a.md; b.md"
    # the 'file' parameter picks another name in the folder
    (folder / "other.yml").write_text(yaml.safe_dump(rows["rows"][:1]), "utf-8")
    result = run_ait(process_checklist, documents={"checklist": folder}, params={"file": "other.yml"})
    assert result.measures["n_rows"] == 1


def test_an_empty_checklist_has_undefined_ratios(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text(HEADER, "utf-8")
    result = run_ait(process_checklist, documents={"checklist": f})
    assert result.measures["n_rows"] == 0
    assert result.undefined == {"answered_fraction": "the checklist has no rows",
                                "yes_fraction": "no row is answered yes or no"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER + "A-1-L1-1,maybe,qa,2024-01-01,,\n",
         "checklist row 2: answer 'maybe' is not allowed; write yes, no or not-applicable"),
        (HEADER + "A-1-L1-1,yes,qa,01/02/2024,,\n",
         "checklist row 2: date '01/02/2024' is not a date; write it as YYYY-MM-DD"),
        (HEADER + "A-1-L1-1,yes,qa,2024-01-01,,\nA-1-L1-1,no,qa,2024-01-01,,\n",
         "checklist row 3: requirement 'A-1-L1-1' is answered again (first in row 2)"),
        (HEADER + ",yes,qa,2024-01-01,,\n", "checklist row 2: 'requirement' is empty"),
        ("id,answer\nA-1-L1-1,yes\n", "the checklist has no 'requirement' column"),
    ],
)
def test_bad_rows_are_data_errors_naming_the_row(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "c.csv"
    f.write_text(content, "utf-8")
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_ait(process_checklist, documents={"checklist": f})


def test_unknown_file_types_and_missing_files(tmp_path: Path) -> None:
    f = tmp_path / "c.xlsx"
    f.write_bytes(b"PK")
    with pytest.raises(DataError, match=r"unknown type \.xlsx; use \.csv, \.yaml"):
        run_ait(process_checklist, documents={"checklist": f})
    with pytest.raises(DataError, match="no checklist in folder"):
        run_ait(process_checklist, documents={"checklist": tmp_path})
    with pytest.raises(DataError, match="leaves the checklist folder"):
        run_ait(process_checklist, documents={"checklist": tmp_path}, params={"file": "../x.csv"})


@pytest.mark.parametrize(
    ("cell", "answer"),
    [("yes", "yes"), ("Y", "yes"), ("○", "yes"), ("はい", "yes"), ("no", "no"), ("×", "no"),
     ("False", "no"), ("N/A", "not-applicable"), ("－", "not-applicable"),
     ("該当なし", "not-applicable"), ("", ""), ("  ", ""), (None, "")],
)
def test_answer_spellings(cell: str | None, answer: str) -> None:
    assert normalise_answer(cell) == answer
