"""docs/writing-aits.md: the ten-minute tutorial, executed as written.

The shell blocks of the tutorial section run in order, in one working folder, in a
child environment whose `aiqm`, `pip` and `pytest` are this environment's (pip installs
with `--no-deps --no-build-isolation`: nothing is fetched). The edit step is applied
from the Python block that follows its `<!-- tutorial:edit FILE replaces: LINE -->` marker.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests._childenv import ChildEnv

DOC = Path(__file__).resolve().parents[2] / "docs" / "writing-aits.md"
_BLOCK = re.compile(r"(?:<!-- tutorial:edit (?P<file>\S+) replaces: (?P<line>.*?) -->\n)?"
                    r"```(?P<lang>\w+)\n(?P<body>.*?)\n```", re.S)


@dataclass(frozen=True)
class Step:
    lang: str
    body: str
    edit_file: str | None = None
    edit_line: str | None = None


def tutorial_steps() -> list[Step]:
    text = DOC.read_text("utf-8")
    start = text.index("## Ten minutes")
    end = text.index("\n## ", start + 1)
    return [Step(m["lang"], m["body"], m["file"], m["line"])
            for m in _BLOCK.finditer(text[start:end])]


def test_the_tutorial_has_the_five_steps() -> None:
    steps = tutorial_steps()
    shell = "\n".join(s.body for s in steps if s.lang == "sh")
    for command in ("aiqm ait new missing_cells --kind data", "pip install -e", "pytest",
                    "aiqm ait check missing_cells", "aiqm ait run missing_cells",
                    "aiqm ait package . -o dist --qunomon"):
        assert command in shell, command
    edits = [s for s in steps if s.edit_file]
    assert len(edits) == 1 and edits[0].lang == "python"


@pytest.mark.slow
def test_the_tutorial_runs_as_written(child_env: ChildEnv, tmp_path: Path) -> None:
    cwd = tmp_path
    where = tmp_path / ".cwd"
    env = child_env.env(AIQM_AIT_STORE=str(tmp_path / "ait-store"))
    outputs: list[tuple[str, str]] = []
    for step in tutorial_steps():
        if step.edit_file:
            path = cwd / step.edit_file
            code = path.read_text("utf-8")
            assert code.count(step.edit_line + "\n") == 1, f"{step.edit_line!r} not in {path}"
            path.write_text(code.replace(step.edit_line + "\n", step.body + "\n"), "utf-8")
            continue
        if step.lang != "sh":
            continue
        script = f"set -euo pipefail\n{step.body}\npwd > {where}\n"
        proc = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=600, check=False)
        assert proc.returncode == 0, f"{step.body}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        cwd = Path(where.read_text("utf-8").strip())
        outputs.append((step.body, proc.stdout))

    def output(command: str) -> str:
        return next(out for body, out in outputs if command in body)

    package = tmp_path / "aiqm-ait-missing-cells"
    assert cwd == package
    assert "2 passed" in output("pytest")
    check = output("aiqm ait check")
    assert "10 checks: 10 passed" in check  # no warning left: the requirement id is filled in
    doc_text = DOC.read_text("utf-8")
    shown = doc_text[doc_text.index("```text\n") + 8:].splitlines()[0]
    assert shown in check  # the output shown in the doc is the real one
    assert "✓ max_missing_rate <= 0.3 (got 0.25)" in output("--out run1")
    assert (package / "run1" / "report.md").is_file()
    assert (package / "run1" / "artifacts" / "missing_by_column.svg").is_file()
    result = json.loads(output("--json"))
    assert result["status"] == "OK" and result["measures"] == {"max_missing_rate": 0.25}
    assert result["parameters"]["columns"] == ["age", "income"]
    assert "pip install dist/aiqm_ait_missing_cells-0.1.0-py3-none-any.whl" in output("package")
    assert (package / "dist" / "aiqm_ait_missing_cells-0.1.0-py3-none-any.whl").is_file()
    assert (package / "dist" / "alyz_aiqm_missing_cells-0.1.0.zip").is_file()
    assert "`B-3-L2-4`" in (package / "README.md").read_text("utf-8")
