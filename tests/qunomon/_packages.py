"""Fixture AIT packages in exactly Qunomon's local-install layout, written for these tests.

Each package is ``dockerfile`` + ``repository/`` with ``ait.manifest.json``,
``requirements.txt``, ``entrypoint.py`` (starts ``python3`` by name on ``my_ait.py``,
as Qunomon's entry scripts do) and ``my_ait.py``. The file handling of Qunomon's SDK
(reading ``ait.input.json``, writing ``ait.output.json``, resources under
``resources/<name>/``, downloads under ``downloads/<name>/``, the ``Log`` download, an
``Error`` on an exception while still exiting 0) is played by ``qsdk.py``, a small
stand-in written here — shipped beside the script, or bundled as a wheel.
"""

from __future__ import annotations

import base64
import hashlib
import json
import textwrap
import zipfile
from pathlib import Path
from typing import Any

QD = ("https://ait-hub.pj.aist.go.jp/ait-hub/api/0.0.1/qualityDimensions/"
      "機械学習品質マネジメントガイドライン第三版/")

QSDK = textwrap.dedent(
    '''\
    """Stand-in for the file handling of Qunomon's ait_sdk (aiqm test fixture)."""
    import datetime
    import json
    import os
    import sys
    import traceback


    class Run:
        def __init__(self, args_dir):
            here = os.path.dirname(os.path.abspath(sys.argv[0]))
            with open(os.path.join(here, "ait.manifest.json"), encoding="utf-8") as f:
                self.manifest = json.load(f)
            with open(os.path.join(args_dir, "ait.input.json"), encoding="utf-8") as f:
                self.input = json.load(f)
            mount = self.input["testbed_mount_volume_path"]
            self.out = os.path.join(mount, "ip", "job_result", str(self.input["job_id"]),
                                    str(self.input["run_id"]))
            os.makedirs(self.out, exist_ok=True)
            self.measures, self.resources, self.downloads = [], [], []
            self.started = datetime.datetime.now().isoformat()
            self.log_lines = []

        def log(self, text):
            self.log_lines.append(str(text))

        def inventory(self, name):
            return next(i["Value"] for i in self.input["Inventories"] if i["Name"] == name)

        def has_inventory(self, name):
            return any(i["Name"] == name for i in self.input["Inventories"])

        def param(self, name):
            raw = next(p["Value"] for p in self.input["MethodParams"] if p["Name"] == name)
            kind = next(p["type"] for p in self.manifest["parameters"] if p["name"] == name)
            if kind == "int":
                return int(raw)
            if kind == "float":
                return float(raw)
            if kind == "bool":
                return raw == "True"
            return raw

        def measure(self, name, value):
            if isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            self.measures.append({"Name": name, "Value": str(value)})

        def _file(self, kind, name, filename, data):
            folder = os.path.join(self.out, kind, name)
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, filename)
            with open(path, "wb" if isinstance(data, bytes) else "w") as f:
                f.write(data)
            return os.path.abspath(path)

        def resource(self, name, filename, data):
            self.resources.append({"Name": name, "Path": self._file("resources", name, filename, data)})

        def download(self, name, filename, data):
            self.downloads.append({"Name": name, "Path": self._file("downloads", name, filename, data)})

        def _write(self, result=None, error=None):
            self.download("Log", "ait.log", "\\n".join(self.log_lines) + "\\n")
            info = {"StartDateTime": self.started,
                    "EndDateTime": datetime.datetime.now().isoformat(),
                    "MachineInfo": {"cpu_brand": "test", "cpu_arch": "x86_64", "cpu_clocks": "0",
                                    "cpu_cores": "1", "memory_capacity": "0"}}
            doc = {"AIT": {"Name": self.manifest["name"], "Version": self.manifest["version"]},
                   "ExecuteInfo": info}
            if error is not None:
                info["Error"] = {"Code": error[0], "Detail": error[1]}
            else:
                doc["Result"] = {"Measures": self.measures, "Resources": self.resources,
                                 "Downloads": self.downloads}
            with open(os.path.join(self.out, "ait.output.json"), "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)


    def main(fn):
        run = Run(sys.argv[1])
        try:
            fn(run)
        except Exception:
            run._write(error=("E999", traceback.format_exc()))
            return
        run._write()
    '''
)

ENTRYPOINT = textwrap.dedent(
    """\
    import subprocess
    import sys

    # like Qunomon's entry scripts: set up, then start `python3` by name from PATH
    sys.exit(subprocess.call(["python3", "my_ait.py", sys.argv[1]]))
    """
)

DOCKERFILE = textwrap.dedent(
    """\
    FROM python:3.11-slim
    ENV AIT_HOME=/usr/local/qai/ait
    WORKDIR $AIT_HOME
    COPY ./repository $AIT_HOME
    RUN pip install --no-cache-dir -r requirements.txt && mkdir -p /usr/local/qai/inventory /usr/local/qai/mnt
    ENTRYPOINT ["python", "entrypoint.py"]
    """
)

# a 1x1 PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def typed_manifest(name: str = "eval_fixture_typed", version: str = "0.4") -> dict[str, Any]:
    """A manifest written the way Qunomon's real ones are (numbers as strings …)."""
    return {
        "name": name,
        "description": "型変換を確かめるテスト用AIT。Checks typed conversion.",
        "source_repository": "https://example.invalid/fixture",
        "version": version,
        "quality": QD + "C-1機械学習モデルの正確性",
        "keywords": ["fixture"],
        "references": [{"bib_info": "A fixture, 2025", "url": "https://example.invalid/paper"}],
        "licenses": ["Apache License Version 2.0"],
        "inventories": [
            {"name": "Data_CSV", "type": "dataset", "description": "表形式データ",
             "requirement": {"format": ["csv"]}},
        ],
        "parameters": [
            {"name": "threshold", "type": "float", "description": "しきい値", "default_val": "0.5",
             "min": "0", "max": "1"},
            {"name": "n_items", "type": "int", "description": "items", "default_val": "3",
             "min": "1", "max": "100"},
            {"name": "verbose", "type": "bool", "description": "echoed as Passed",
             "default_val": "False"},
            {"name": "label", "type": "str", "description": "a label", "default_val": "abc"},
            {"name": "mode", "type": "str", "description": "what the fixture does",
             "default_val": "ok"},
        ],
        "report": {
            "measures": [
                {"name": "Count", "type": "int", "description": "rows of Data_CSV",
                 "structure": "single", "min": "0"},
                {"name": "Accuracy", "type": "float", "description": "= threshold",
                 "structure": "single", "min": "0", "max": "1"},
                {"name": "Per_Class", "type": "float", "description": "one per item",
                 "structure": "sequence", "min": "0", "max": "1"},
                {"name": "Passed", "type": "bool", "description": "= verbose",
                 "structure": "single"},
                {"name": "Flags", "type": "bool", "description": "alternating",
                 "structure": "sequence"},
            ],
            "resources": [
                {"name": "Plot", "type": "picture", "description": "a picture"},
                {"name": "Worst_Items", "type": "table", "description": "a table"},
                {"name": "Summary", "type": "text", "description": "a text"},
                {"name": "Blob", "type": "binary", "description": "a binary file"},
            ],
        },
        "downloads": [
            {"name": "Log", "description": "AIT実行ログ"},
            {"name": "Raw_Data", "description": "the rows"},
        ],
    }


TYPED_AIT = textwrap.dedent(
    '''\
    import os
    import sys
    import time

    from qsdk import main

    is_ait_launch = len(sys.argv) == 2


    def run(r):
        mode = r.param("mode")
        r.log("mode " + mode)
        if mode == "error":
            raise ValueError("threshold is not usable here")
        if mode == "crash":
            os._exit(3)
        if mode == "hang":
            with open("started.txt", "w") as f:
                f.write(str(os.getpid()))
            time.sleep(600)
        if mode == "memory":
            hog = bytearray(600 * 2**20)
            for i in range(0, len(hog), 4096):
                hog[i] = 1
            time.sleep(600)
        if mode == "no_output":
            sys.exit(0)
        if mode == "bad_value":
            r.measure("Accuracy", "high")
            return
        with open(r.inventory("Data_CSV"), encoding="utf-8") as f:
            rows = [line for line in f.read().splitlines()[1:] if line.strip()]
        n = r.param("n_items")
        r.measure("Count", len(rows))
        r.measure("Accuracy", r.param("threshold"))
        r.measure("Per_Class", [round((i + 1) / (n + 1), 4) for i in range(n)])
        r.measure("Passed", r.param("verbose"))
        r.measure("Flags", [i % 2 == 0 for i in range(n)])
        r.resource("Plot", "plot.png", PNG)
        r.resource("Worst_Items", "worst.csv", "item,score\\nb,0.25\\na,0.5\\n")
        r.resource("Summary", "summary.txt", "label=" + r.param("label") + " python=" + sys.executable)
        r.resource("Blob", "blob.bin", bytes(range(16)))
        r.download("Raw_Data", "rows.csv", "\\n".join(rows))


    PNG = bytes.fromhex("{png}")

    if is_ait_launch:
        main(run)
    '''
).replace("{png}", PNG.hex())


def write_package(
    root: Path, manifest: dict[str, Any], script: str, *, requirements: str = "",
    sdk: str = "module", extra: dict[str, bytes] | None = None,
) -> Path:
    """Write a package folder (``dockerfile`` + ``repository/``); return its root.

    ``sdk="module"`` ships ``qsdk.py`` beside the script; ``"wheel"`` bundles it as a
    wheel that ``requirements.txt`` names by relative path, as Qunomon packages
    bundle ``ait_sdk``.
    """
    repo = root / "repository"
    repo.mkdir(parents=True, exist_ok=True)
    (root / "dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    (repo / "ait.manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                            encoding="utf-8")
    (repo / "entrypoint.py").write_text(ENTRYPOINT, encoding="utf-8")
    (repo / "my_ait.py").write_text(script, encoding="utf-8")
    reqs = requirements
    if sdk == "module":
        (repo / "qsdk.py").write_text(QSDK, encoding="utf-8")
    else:
        wheel = write_sdk_wheel(repo)
        reqs = f"./{wheel.name}\n" + reqs
    (repo / "requirements.txt").write_text(reqs, encoding="utf-8")
    for rel, data in (extra or {}).items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_bytes(data)
    return root


def write_sdk_wheel(folder: Path, version: str = "0.1.0") -> Path:
    """The stand-in SDK as a pure-Python wheel (written by hand: a zip with dist-info)."""
    name = f"qsdk_standin-{version}-py3-none-any.whl"
    dist = f"qsdk_standin-{version}.dist-info"
    files = {
        "qsdk.py": QSDK.encode(),
        f"{dist}/METADATA": (f"Metadata-Version: 2.1\nName: qsdk-standin\nVersion: {version}\n"
                             "Summary: stand-in SDK for tests\n").encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: aiqm-tests\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
    }
    record = []
    for path, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={h},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    out = folder / name
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():  # fixed timestamps: the same wheel, byte for byte
            zf.writestr(zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return out


def zip_package(root: Path, out: Path, *, wrap: str = "") -> Path:
    """Zip a package folder the way Qunomon's local install takes it (optionally wrapped in
    one top folder)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                arc = p.relative_to(root).as_posix()
                zf.write(p, f"{wrap}/{arc}" if wrap else arc)
    return out


def typed_package(root: Path, **kw: Any) -> Path:
    return write_package(root, typed_manifest(**kw), TYPED_AIT)


#: A pure-Python release older than the one aiqm itself depends on (rich>=13.7; aiqm's
#: environment has a newer one), found in the local package mirror.
PINNED = "rich==13.9.4"


def env_manifest(name: str = "eval_fixture_env", version: str = "1.0") -> dict[str, Any]:
    return {
        "name": name, "description": "Reports the versions it runs with.", "version": version,
        "quality": QD + "D-1プログラムの信頼性",
        "inventories": [],
        "parameters": [],
        "report": {
            "measures": [
                {"name": "pinned", "type": "bool", "description": "rich is the pinned version",
                 "structure": "single"},
                {"name": "isolated", "type": "bool", "description": "runs in a venv without aiqm",
                 "structure": "single"},
                {"name": "rich_version", "type": "int", "description": "major.minor as 1309",
                 "structure": "single"},
            ],
            "resources": [{"name": "interpreter", "type": "text", "description": "sys.executable"}],
        },
        "downloads": [{"name": "Log", "description": "log"}],
    }


ENV_AIT = textwrap.dedent(
    '''\
    import importlib.metadata
    import importlib.util
    import sys

    from qsdk import main


    def run(r):
        version = importlib.metadata.version("rich")
        r.measure("pinned", version == "13.9.4")
        r.measure("isolated", sys.prefix != sys.base_prefix and importlib.util.find_spec("aiqm") is None)
        major, minor = version.split(".")[:2]
        r.measure("rich_version", int(major) * 100 + int(minor))
        r.resource("interpreter", "python.txt", sys.executable)


    if len(sys.argv) == 2:
        main(run)
    '''
)


def env_package(root: Path, requirements: str = PINNED + "\n", **kw: Any) -> Path:
    """A package whose requirements pin a version other than aiqm's own, with the SDK
    stand-in bundled as a wheel."""
    return write_package(root, env_manifest(**kw), ENV_AIT, requirements=requirements, sdk="wheel")


def formats_manifest() -> dict[str, Any]:
    def inv(name: str, type_: str, fmts: list[str], **req: str) -> dict[str, Any]:
        return {"name": name, "type": type_, "description": name,
                "requirement": {"format": fmts, **req}}

    return {
        "name": "alyz_fixture_formats", "description": "Reads every input format.", "version": "0.2",
        "quality": QD + "B-1データセットの被覆性",
        "inventories": [
            inv("table", "dataset", ["csv"]), inv("meta", "attribute set", ["json"]),
            inv("weights", "model", ["h5"]), inv("model", "model", ["pth"]),
            inv("images", "dataset", ["zip"]), inv("folder", "dataset", ["DIR"]),
            inv("shards", "dataset", ["csv"], min="2", max="3"),
        ],
        "parameters": [],
        "report": {"measures": [{"name": "n_shards", "type": "int", "description": "",
                                 "structure": "single"}],
                   "resources": [{"name": "digests", "type": "text", "description": ""}]},
        "downloads": [{"name": "Log", "description": "log"}],
    }


FORMATS_AIT = textwrap.dedent(
    '''\
    import hashlib
    import json
    import os
    import sys

    from qsdk import main


    def digest(path):
        if os.path.isdir(path):
            return sorted(os.listdir(path))
        with open(path, "rb") as f:
            return "sha256:" + hashlib.sha256(f.read()).hexdigest()


    def run(r):
        out = {}
        for inv in r.input["Inventories"]:
            v = inv["Value"]
            out[inv["Name"]] = [digest(p) for p in v] if isinstance(v, list) else digest(v)
        r.measure("n_shards", len(r.inventory("shards")))
        r.resource("digests", "digests.json", json.dumps(out, sort_keys=True))


    if len(sys.argv) == 2:
        main(run)
    '''
)


def formats_package(root: Path) -> Path:
    return write_package(root, formats_manifest(), FORMATS_AIT)
