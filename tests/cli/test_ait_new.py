"""`aiqm ait new`: each kind of scaffold installs with `pip install -e .`, passes its own
tests and the conformance suite from the command line, and has its manifest in the README."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests._childenv import ChildEnv

from aiqm.services.ait_readme import README_END, README_START

KINDS = ["data", "model", "text", "image"]


def _aiqm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`aiqm …` in a fresh process (the scaffold imports the generated module)."""
    return subprocess.run([sys.executable, "-m", "aiqm", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_a_scaffold_installs_and_passes_its_tests(kind: str, child_env: ChildEnv,
                                                  tmp_path: Path) -> None:
    name = f"scaffold_{kind}"
    made = child_env.aiqm("ait", "new", name, "--kind", kind, cwd=tmp_path)
    folder = tmp_path / f"aiqm-ait-scaffold-{kind}"
    assert f"wrote {folder.name}" in made.stdout
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    package = f"aiqm_ait_scaffold_{kind}"
    assert {"pyproject.toml", "README.md", f"src/{package}/ait.py", f"src/{package}/__init__.py",
            f"tests/test_{name}.py"} <= files
    pyproject = (folder / "pyproject.toml").read_text("utf-8")
    assert '[project.entry-points."aiqm.ait"]' in pyproject
    assert f'{name} = "{package}.ait"' in pyproject and 'license = "Apache-2.0"' in pyproject
    code = (folder / "src" / package / "ait.py").read_text("utf-8")
    for needle in ("class Scaffold", "(Parameters):", "help_ja=", "requirements=[]",
                   "aiqm guideline show aist-mlqm@3", f"@{name}.example", "@hookimpl"):
        assert needle in code, needle
    # the image and text kinds need neither torch nor transformers
    assert "torch" not in code and "transformers" not in code
    readme = (folder / "README.md").read_text("utf-8")
    section = readme.split(README_START)[1].split(README_END)[0]
    assert f"### `{name}@0.1.0`" in section and "**Parameters**" in section
    assert "**Measures**" in section and "**Figures, tables and files**" in section

    child_env.pip_install_editable(folder)
    tests = child_env.run("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=folder)
    assert "2 passed" in tests.stdout
    if kind == "image":  # the suite ran in pytest; once from the command line, by its id
        check = child_env.aiqm("ait", "check", name, cwd=folder)
        assert "PASS  runs on example inputs" in check.stdout
        assert "FAIL" not in check.stdout
        # the only warning: the requirement ids left to fill in
        assert "declares no requirement ids" in check.stdout


def test_bad_names_kinds_and_folders_exit_2(tmp_path: Path) -> None:
    bad_name = _aiqm("ait", "new", "9lives", cwd=tmp_path)
    assert bad_name.returncode == 2 and "cannot be an AIT id" in bad_name.stderr
    bad_kind = _aiqm("ait", "new", "ok_name", "--kind", "audio", cwd=tmp_path)
    assert bad_kind.returncode == 2 and "--kind must be one of data, model, text, image" in (
        bad_kind.stderr)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine", "utf-8")
    busy = _aiqm("ait", "new", "ok_name", "-o", "busy", cwd=tmp_path)
    assert busy.returncode == 2 and "already exists and is not an empty folder" in busy.stderr
    assert (tmp_path / "busy" / "notes.txt").read_text("utf-8") == "mine"


def test_dashes_become_underscores_and_the_folder_can_be_chosen(tmp_path: Path) -> None:
    made = _aiqm("ait", "new", "label-balance", "--kind", "model", "-o", "here",
                 "--license", "MIT", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    code = (tmp_path / "here" / "src" / "aiqm_ait_label_balance" / "ait.py").read_text("utf-8")
    assert 'id="label_balance"' in code and 'licenses=["MIT"]' in code
    assert 'license = "MIT"' in (tmp_path / "here" / "pyproject.toml").read_text("utf-8")
