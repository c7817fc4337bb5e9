"""`aiqm ait package`: a wheel that registers the AIT, and a Qunomon package that bundles it."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from tests._childenv import ChildEnv


def _aiqm(*args: str, cwd: Path, env: dict[str, str] | None = None,
          ) -> subprocess.CompletedProcess[str]:
    """`aiqm …` in a fresh process (packaging imports the package's module)."""
    return subprocess.run([sys.executable, "-m", "aiqm", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False, env=env)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    root = tmp_path_factory.mktemp("package")
    made = _aiqm("ait", "new", "pkg_demo", "--kind", "text", cwd=root)
    assert made.returncode == 0, made.stderr
    folder = root / "aiqm-ait-pkg-demo"
    code = folder / "src" / "aiqm_ait_pkg_demo" / "ait.py"
    # an edit after `ait new`: the README section follows the code when packaging
    code.write_text(code.read_text("utf-8").replace(
        'requirements=[]', 'requirements=["B-3-L2-4"]'), "utf-8")
    out = _aiqm("ait", "package", str(folder), "-o", str(root / "dist"), "--qunomon", "--json",
                cwd=root)
    assert out.returncode == 0, out.stderr
    return folder, json.loads(out.stdout)


def test_the_wheel_carries_the_entry_point_and_the_readme_follows_the_code(
    built: tuple[Path, dict[str, object]],
) -> None:
    folder, doc = built
    wheel = Path(str(doc["wheel"]))
    assert wheel.name == "aiqm_ait_pkg_demo-0.1.0-py3-none-any.whl"
    assert doc["install"] == f"pip install {wheel.name}"
    assert doc["aits"] == ["aiqm.ait:pkg_demo@0.1.0"] and doc["isolated_build"] is False
    assert any(r.startswith("aiqm>=") for r in doc["requires"])  # type: ignore[union-attr]
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        eps = zf.read("aiqm_ait_pkg_demo-0.1.0.dist-info/entry_points.txt").decode()
    assert "aiqm_ait_pkg_demo/ait.py" in names
    assert "[aiqm.ait]" in eps and "pkg_demo = aiqm_ait_pkg_demo.ait" in eps
    assert doc["readme_updated"] is True
    assert "| Requirements | `B-3-L2-4` |" in (folder / "README.md").read_text("utf-8")


def test_the_qunomon_package_bundles_aiqm_and_the_wheel(
    built: tuple[Path, dict[str, object]],
) -> None:
    _, doc = built
    (zip_path,) = [Path(p) for p in doc["qunomon"]]  # type: ignore[union-attr]
    assert zip_path.name == "alyz_aiqm_pkg_demo-0.1.0.zip"
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        requirements = zf.read("repository/requirements.txt").decode().split()
        manifest = json.loads(zf.read("repository/ait.manifest.json"))
    assert "repository/aiqm_ait_pkg_demo-0.1.0-py3-none-any.whl" in names
    assert requirements[1:] == ["./aiqm_ait_pkg_demo-0.1.0-py3-none-any.whl"]
    assert requirements[0].startswith("./aiqm-") and requirements[0].endswith(".whl")
    assert manifest["name"] == "alyz_aiqm_pkg_demo"
    assert [p["name"] for p in manifest["parameters"]][:2] == ["text_column", "lowercase"]


@pytest.mark.slow
def test_the_wheel_installs_and_its_qunomon_package_imports_and_runs(
    built: tuple[Path, dict[str, object]], child_env: ChildEnv, tmp_path: Path,
) -> None:
    _, doc = built
    child_env.run("-m", "pip", "install", "--quiet", "--no-deps", str(doc["wheel"]), cwd=tmp_path)
    listed = child_env.aiqm("ait", "list", "--json", cwd=tmp_path)
    assert "pkg_demo" in {a["id"] for a in json.loads(listed.stdout)}
    store = tmp_path / "store"
    env = child_env.env(AIQM_AIT_STORE=str(store))
    zip_path = str(doc["qunomon"][0])  # type: ignore[index]
    imported = subprocess.run([str(child_env.python), "-m", "aiqm", "ait", "import", zip_path,
                               "--env", "current"], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
    assert imported.returncode == 0, imported.stderr
    (tmp_path / "texts.csv").write_text("text\nhello\nHello \nworld\n", encoding="utf-8")
    ran = subprocess.run([str(child_env.python), "-m", "aiqm", "ait", "run", "alyz_aiqm_pkg_demo",
                          "-i", "dataset=texts.csv", "-c", "duplicate_rate<=0.5", "--json"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
                         check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads(ran.stdout)["measures"]["duplicate_rate"] == pytest.approx(1 / 3)


def test_what_cannot_be_packaged_exits_2(tmp_path: Path) -> None:
    builtin = _aiqm("ait", "package", "data_drift", "-o", "dist", cwd=tmp_path)
    assert builtin.returncode == 2 and "is a built-in AIT, part of aiqm itself" in builtin.stderr
    (tmp_path / "plain").mkdir()
    plain = _aiqm("ait", "package", "plain", cwd=tmp_path)
    assert plain.returncode == 2 and "has no pyproject.toml" in plain.stderr
    (tmp_path / "noait").mkdir()
    (tmp_path / "noait" / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n', "utf-8")
    noait = _aiqm("ait", "package", "noait", cwd=tmp_path)
    assert noait.returncode == 2 and "declares no AIT" in noait.stderr
