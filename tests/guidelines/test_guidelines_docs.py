"""docs/guidelines.md stays true: the generated coverage tables, the AISL table, the example file."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from aiqm.core.guideline import parse_guideline
from aiqm.services.guidelines import (
    BEGIN_TABLES,
    END_TABLES,
    coverage_tables,
    update_generated_block,
)

from .test_mlqm import AVOIDABILITY, GRID, _aisl

DOC = Path(__file__).resolve().parents[2] / "docs" / "guidelines.md"


def _text() -> str:
    return DOC.read_text("utf-8")


def test_the_coverage_tables_match_the_builtin_aits() -> None:
    begin, end = BEGIN_TABLES, END_TABLES
    text = _text()
    block = text[text.index(begin) + len(begin):text.index(end)]
    assert block == coverage_tables(), (
        "docs/guidelines.md is out of date: run "
        "`aiqm guideline coverage-table --builtin --update docs/guidelines.md`"
    )
    assert "| `process_checklist@1` |" in block and "| `C-1-L1-1` | measure |" in block


def test_the_aisl_table_matches_the_guideline() -> None:
    rows = re.findall(r"^\| (none|minor|serious|grave|fatal)[^|]*\|(.*)\|$", _text(), re.M)
    assert [r[0] for r in rows] == list(GRID)
    for severity, cells in rows:
        values = [re.sub(r"[^0-9.]", "", c.split()[0]) for c in cells.split("|")]
        assert values == GRID[severity], severity
        for avoid, value in zip(AVOIDABILITY, values, strict=True):
            assert _aisl(severity, avoid, "none", "always_checked") == value


def test_the_custom_guideline_example_is_valid() -> None:
    text = _text()
    section = text[text.index("## 8. Writing a custom guideline"):]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    example = next(b for b in blocks if b.startswith("meta:"))
    g = parse_guideline(yaml.safe_load(example), "docs example")
    assert g.ref == "our-guideline@1" and len(g.requirements) == 2


def test_update_generated_block(tmp_path: Path) -> None:
    f = tmp_path / "x.md"
    f.write_text(f"# t\n{BEGIN_TABLES}old\n{END_TABLES}\nafter\n", "utf-8")
    update_generated_block(f, "new\n")
    assert f.read_text("utf-8") == f"# t\n{BEGIN_TABLES}new\n{END_TABLES}\nafter\n"
