"""AIT ``process_checklist``: answers to process requirements, as evidence for guideline coverage.

The checklist is a document inventory: a CSV file or a YAML/JSON list with one
row per requirement id. Each row answers ``yes``, ``no`` or ``not-applicable``
(or is left blank) and names its owner, the date, a rationale and the linked
artifacts. The AIT checks the rows, counts the answers and attaches the rows as
the ``checklist_answers`` table, which the report's guideline coverage reads:

- ``yes`` → the requirement is passed; ``no`` → failed;
- ``not-applicable`` with a rationale → passed (shown as not applicable);
- blank, or an answer without owner and date, or ``not-applicable`` without a
  rationale → pending.

``aiqm checklist template`` writes a checklist with the rows the component's
target levels require.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from aiqm.core.coverage import CHECKLIST_TABLE, ChecklistAnswer, EvidenceState
from aiqm.exceptions import DataError
from aiqm.plugins.sdk import Context, Param, Parameters, ait

__all__ = [
    "ANSWER_TABLE",
    "COLUMNS",
    "ChecklistParameters",
    "normalise_answer",
    "parse_checklist",
    "process_checklist",
    "read_checklist",
]

ANSWER_TABLE = CHECKLIST_TABLE
"""Name of the table resource that carries the rows to the report's coverage."""

COLUMNS = ("requirement", "answer", "owner", "date", "rationale", "artifacts")
"""Columns the AIT reads; others (characteristic, level, question …) are ignored."""

_YES = {"yes", "y", "true", "ok", "〇", "○", "✓", "✔", "はい"}
_NO = {"no", "n", "false", "×", "✗", "✘", "いいえ"}
_NA = {"not-applicable", "not applicable", "n/a", "na", "-", "－", "—", "該当なし", "対象外"}
_RATIO = {"type": "float", "min": 0.0, "max": 1.0}
_COUNT = {"type": "int", "min": 0}


def normalise_answer(value: Any, where: str = "") -> str:
    """``yes``, ``no``, ``not-applicable`` or ``""`` (unanswered) from a cell.

    Qunomon's marks ``〇``/``×``/``－`` and Japanese はい/いいえ/該当なし are accepted.

    Raises
    ------
    DataError
        For any other text, naming the row and the allowed answers.

    Examples
    --------
    >>> normalise_answer("Yes"), normalise_answer("×"), normalise_answer("N/A"), normalise_answer(None)
    ('yes', 'no', 'not-applicable', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).strip().lower()
    if not text:
        return ""
    if text in _YES:
        return "yes"
    if text in _NO:
        return "no"
    if text in _NA:
        return "not-applicable"
    raise DataError(
        f"{where}answer {value!r} is not allowed; write yes, no or not-applicable "
        "(or leave it blank while it is not answered)"
    )


@dataclass(frozen=True)
class _Row:
    number: int  # 1-based line (CSV) or item (YAML) number, for messages
    cells: dict[str, Any]


def read_checklist(path: Path) -> list[_Row]:
    """Read the rows of a CSV, YAML or JSON checklist file.

    Raises
    ------
    DataError
        When the file cannot be read or has the wrong shape.
    """
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")  # Excel writes a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read checklist {path.name}: {exc}; save it as UTF-8") from None
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            return []
        return [
            _Row(i + 2, {str(k).strip().lower(): v for k, v in row.items() if k is not None})
            for i, row in enumerate(reader)
        ]
    if suffix in (".yaml", ".yml", ".json"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DataError(f"checklist {path.name} is not valid YAML/JSON: {exc}") from None
        if isinstance(data, dict) and "rows" in data:
            data = data["rows"]
        if data is None:
            return []
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise DataError(
                f"checklist {path.name} must be a list of rows (mappings with 'requirement' and "
                "'answer'), or a mapping with such a list under 'rows'"
            )
        return [_Row(i + 1, {str(k).strip().lower(): v for k, v in r.items()})
                for i, r in enumerate(data)]
    raise DataError(
        f"checklist {path.name} has an unknown type {suffix or '(none)'}; use .csv, .yaml, .yml "
        "or .json"
    )


def _date(value: Any, where: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise DataError(f"{where}date {text!r} is not a date; write it as YYYY-MM-DD") from None


def _artifacts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else re.split(r"[;\n]", str(value))
    return tuple(s for s in (str(x).strip() for x in items) if s)


def parse_checklist(rows: list[_Row], base: Path | None = None) -> list[ChecklistAnswer]:
    """Check the rows and turn them into answers (with their evidence state).

    Parameters
    ----------
    rows : list
        What :func:`read_checklist` returned.
    base : Path, default=None
        Folder that relative artifact paths are resolved against; None skips the
        existence check.

    Raises
    ------
    DataError
        For a missing ``requirement`` or ``answer`` column, an empty or repeated
        requirement id, an unknown answer or a bad date, naming the row.
    """
    if rows:
        missing = [c for c in ("requirement", "answer") if c not in rows[0].cells]
        if missing:
            raise DataError(
                f"the checklist has no {' and no '.join(repr(c) for c in missing)} column; its "
                f"columns must include {', '.join(COLUMNS)} (see `aiqm checklist template`)"
            )
    seen: dict[str, int] = {}
    out: list[ChecklistAnswer] = []
    for row in rows:
        where = f"checklist row {row.number}: "
        rid = str(row.cells.get("requirement") or "").strip()
        if not rid:
            raise DataError(f"{where}'requirement' is empty; write the requirement id, e.g. A-1-L1-1")
        if rid in seen:
            raise DataError(f"{where}requirement {rid!r} is answered again (first in row "
                            f"{seen[rid]}); keep one row per requirement")
        seen[rid] = row.number
        answer = normalise_answer(row.cells.get("answer"), where)
        owner = str(row.cells.get("owner") or "").strip()
        date = _date(row.cells.get("date"), where)
        rationale = str(row.cells.get("rationale") or "").strip()
        artifacts = _artifacts(row.cells.get("artifacts"))
        notes: list[str] = []
        state: EvidenceState
        if base is not None:
            absent = [a for a in artifacts if "://" not in a and not (base / a).exists()]
            notes += [f"linked artifact not found: {a}" for a in absent]
        if not answer:
            state, notes = "pending", ["unanswered", *notes]
        elif not owner or not date:
            state = "pending"
            notes.insert(0, "incomplete: an answer needs an owner and a date")
        elif answer == "not-applicable" and not rationale:
            state = "pending"
            notes.insert(0, "incomplete: a not-applicable answer needs a rationale")
        else:
            state = "failed" if answer == "no" else "passed"
        out.append(ChecklistAnswer(rid, answer, state, owner, date, rationale, artifacts,
                                   "; ".join(notes)))
    return out


class ChecklistParameters(Parameters):
    """The parameters of the ``process_checklist`` AIT."""

    file: str | None = Param(
        None,
        help="When the inventory is a folder: the checklist file inside it "
             "(null looks for checklist.csv, checklist.yaml, checklist.yml).",
        help_ja="インベントリがフォルダのとき、その中のチェックリストファイル"
                "（null のときは checklist.csv、checklist.yaml、checklist.yml を探す）。",
    )


@ait(
    id="process_checklist",
    version="1.0.0",
    title="Process checklist",
    description=(
        "Answers (yes / no / not-applicable, with owner, date, rationale and linked artifacts) "
        "to process requirements, one row per requirement id, from a CSV or YAML checklist. "
        "Unanswered or incomplete rows are pending in the report's guideline coverage."
    ),
    characteristics=["A-1", "A-2", "B-1", "B-2", "B-3", "C-1", "C-2", "D-1", "E-1"],
    keywords=["process", "checklist", "attestation", "evidence"],
    references=[
        {"title": "AIST Machine Learning Quality Management Guideline, 3rd edition",
         "url": "https://www.digiarc.aist.go.jp/publication/aiqm/"},
    ],
    inventories=[
        {"name": "checklist", "kind": "document",
         "description": "The checklist: a .csv, .yaml, .yml or .json file, or a folder holding it."},
    ],
    parameters=ChecklistParameters,
    measures=[
        {**_COUNT, "name": "n_rows", "direction": "none", "description": "Rows (requirements) in the checklist."},
        {**_COUNT, "name": "answered_count", "direction": "higher",
         "description": "Rows with a complete answer (owner, date, and a rationale for not-applicable)."},
        {**_COUNT, "name": "unanswered_count", "direction": "lower",
         "description": "Rows that are unanswered or incomplete (pending in the coverage)."},
        {**_COUNT, "name": "yes_count", "direction": "higher", "description": "Complete 'yes' answers."},
        {**_COUNT, "name": "no_count", "direction": "lower", "description": "Complete 'no' answers."},
        {**_COUNT, "name": "not_applicable_count", "direction": "none",
         "description": "Complete 'not-applicable' answers."},
        {**_RATIO, "name": "answered_fraction", "direction": "higher",
         "description": "answered_count / n_rows."},
        {**_RATIO, "name": "yes_fraction", "direction": "higher",
         "description": "yes_count / (yes_count + no_count): how many applicable items are met."},
        {**_COUNT, "name": "missing_artifact_count", "direction": "lower",
         "description": "Linked artifacts (relative paths) that do not exist beside the checklist."},
    ],
    resources=[
        {"name": ANSWER_TABLE, "kind": "table",
         "description": "Every row: requirement, answer, state (passed/failed/pending), owner, "
                        "date, rationale, artifacts, note."},
    ],
)
def process_checklist(ctx: Context[ChecklistParameters]) -> None:
    """Check the checklist rows, count the answers and attach them for the coverage."""
    path = _checklist_file(ctx.document("checklist"), ctx.params.file)
    answers = parse_checklist(read_checklist(path), base=path.parent)
    n = len(answers)
    complete = [a for a in answers if a.state != "pending"]
    yes = sum(a.answer == "yes" for a in complete)
    no = sum(a.answer == "no" for a in complete)
    ctx.measure("n_rows", n)
    ctx.measure("answered_count", len(complete))
    ctx.measure("unanswered_count", n - len(complete))
    ctx.measure("yes_count", yes)
    ctx.measure("no_count", no)
    ctx.measure("not_applicable_count", len(complete) - yes - no)
    ctx.measure("missing_artifact_count",
                sum(a.note.count("linked artifact not found") for a in answers))
    if n:
        ctx.measure("answered_fraction", len(complete) / n)
    else:
        ctx.undefined("answered_fraction", "the checklist has no rows")
    if yes + no:
        ctx.measure("yes_fraction", yes / (yes + no))
    else:
        ctx.undefined("yes_fraction", "no row is answered yes or no")
    for a in answers:
        if a.state == "pending":
            ctx.log.info("pending: %s (%s)", a.requirement, a.note)
    ctx.resource(ANSWER_TABLE, {
        "columns": ["requirement", "answer", "state", "owner", "date", "rationale", "artifacts",
                    "note"],
        "rows": [[a.requirement, a.answer, a.state, a.owner, a.date, a.rationale,
                  "; ".join(a.artifacts), a.note] for a in answers],
    })


def _checklist_file(path: Path, name: str | None) -> Path:
    if not path.is_dir():
        return path
    candidates = [name] if name else ["checklist.csv", "checklist.yaml", "checklist.yml"]
    for c in candidates:
        file = (path / c).resolve()
        if path.resolve() not in file.parents:
            raise DataError(f"the 'file' parameter {c!r} leaves the checklist folder; give a "
                            "file name inside it")
        if file.is_file():
            return file
    raise DataError(
        f"no checklist in folder {path.name}: looked for {', '.join(candidates)}; set the 'file' "
        "parameter to the checklist's name"
    )


# issue 19: example inputs for the conformance suite (`aiqm ait check process_checklist`)
@process_checklist.example
def _example(workdir: Path, rows: int | None) -> dict[str, Any]:
    """A checklist of two answered rows (or ``rows`` rows) in a CSV file."""
    lines = ["requirement,answer,owner,date,rationale,artifacts",
             "A-1-L1-1,yes,ann,2026-01-05,,",
             "B-1-L1-1,not-applicable,ben,2026-01-06,no external data,"]
    path = workdir / "checklist.csv"
    path.write_text("\n".join(lines[: 1 + (2 if rows is None else rows)]) + "\n", "utf-8")
    return {"documents": {"checklist": path}}
