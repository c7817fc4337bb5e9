"""The generated manifest section of an AIT package's README."""

from __future__ import annotations

from pathlib import Path

from aiqm.plugins.manager import load_registry
from aiqm.services.ait_readme import README_END, README_START, manifest_markdown, update_readme


def test_the_manifest_is_rendered_with_both_languages() -> None:
    m = load_registry().get("data_drift").manifest
    md = manifest_markdown(m)
    assert md.startswith("### `data_drift@1.0.0`")
    assert "| Stable id | `aiqm.ait:data_drift@1.0.0` |" in md
    assert "| `reference` | dataset | yes |" in md
    threshold = next(p for p in m.parameters if p.name == "drift_share")
    row = next(line for line in md.splitlines() if line.startswith("| `drift_share` |"))
    assert threshold.description in row and threshold.description_ja in row
    assert "**Measures**" in md and "| lower |" in md


def test_the_section_is_replaced_in_place_or_appended(tmp_path: Path) -> None:
    m = load_registry().get("data_completeness").manifest
    readme = tmp_path / "README.md"
    readme.write_text(f"# Mine\n\nintro\n\n{README_START}\nold\n{README_END}\n\noutro\n", "utf-8")
    assert update_readme(readme, [m]) is True
    text = readme.read_text("utf-8")
    assert text.startswith("# Mine\n\nintro\n\n") and text.endswith("\n\noutro\n")
    assert "old" not in text and "### `data_completeness@1.0.0`" in text
    assert update_readme(readme, [m]) is False  # unchanged the second time
    bare = tmp_path / "BARE.md"
    bare.write_text("# Bare\n", "utf-8")
    assert update_readme(bare, [m]) is True
    assert bare.read_text("utf-8").startswith(f"# Bare\n\n## Manifest\n\n{README_START}\n")
