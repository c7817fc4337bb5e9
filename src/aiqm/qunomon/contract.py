"""Qunomon's run contract, host side: the input document, file checks, the output document.

The package's entry script is started as ``python entrypoint.py <ARGS_DIR>``. It reads
``<ARGS_DIR>/ait.input.json``::

    {"testbed_mount_volume_path": MOUNT, "run_id": …, "job_id": …,
     "Inventories": [{"Name": …, "Value": path or [paths]}],
     "MethodParams": [{"Name": …, "Value": "<string>"}]}

and its SDK writes ``MOUNT/ip/job_result/<job_id>/<run_id>/ait.output.json``::

    {"AIT": {"Name", "Version"},
     "ExecuteInfo": {"StartDateTime", "EndDateTime", "MachineInfo": {…}, "Error": {"Code", "Detail"}},
     "Result": {"Measures": [{"Name", "Value"}], "Resources": [{"Name", "Path"}],
                "Downloads": [{"Name", "Path"}]}}

with every measure value a string (a ``sequence`` comma-joined) and absolute paths.
Everything here is pure file and value handling; :mod:`aiqm.qunomon.runtime` runs
the process.
"""

from __future__ import annotations

import csv
import json
import math
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiqm.exceptions import AITFailure, DataError
from aiqm.qunomon.manifest import ImportedManifest, QunomonSlot, parse_bool

__all__ = [
    "ContractResult",
    "OutputError",
    "check_format",
    "input_document",
    "inventory_value",
    "measure_value",
    "param_string",
    "read_output",
    "result_dir",
    "table_from_csv",
]

OUTPUT_FILE = "ait.output.json"
INPUT_FILE = "ait.input.json"


class OutputError(AITFailure):
    """The AIT's output document is missing or malformed."""


def result_dir(mount: Path, job_id: str | int, run_id: str | int) -> Path:
    """Where the SDK writes the output document, resources and downloads."""
    return Path(mount) / "ip" / "job_result" / str(job_id) / str(run_id)


def param_string(type_: str, value: Any) -> str:
    """A parameter value as the contract passes it: a string (``True``/``False`` for bools).

    Examples
    --------
    >>> param_string("bool", False), param_string("float", 0.1), param_string("int", 3)
    ('False', '0.1', '3')
    """
    if type_ == "bool":
        return "True" if value else "False"
    if type_ == "float":
        return repr(float(value))
    if type_ == "int":
        return str(int(value))
    return str(value)


def input_document(
    *, mount: Path, job_id: str | int, run_id: str | int,
    inventories: dict[str, str | list[str]], params: dict[str, str],
) -> dict[str, Any]:
    """The ``ait.input.json`` document (inventory and parameter names are the package's own)."""
    return {
        "testbed_mount_volume_path": str(mount),
        "run_id": run_id,
        "job_id": job_id,
        "Inventories": [{"Name": k, "Value": v} for k, v in inventories.items()],
        "MethodParams": [{"Name": k, "Value": v} for k, v in params.items()],
    }


# --- inventory files -------------------------------------------------------------------------

_HDF5 = b"\x89HDF\r\n\x1a\n"


def _text_head(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(64 * 1024)
    if b"\0" in head:
        raise ValueError("it contains NUL bytes, so it is not text")
    return head.decode("utf-8-sig", errors="strict") if head else ""


def check_format(fmt: str, path: Path) -> str | None:
    """Check that ``path``'s content fits format ``fmt``; return the problem or None.

    Known formats are checked by content (csv and json as text, h5 by its HDF5
    signature, zip/npz/pth by their zip container or pickle header); others only exist.
    """
    f = fmt.lower().lstrip(".")
    try:
        if f == "csv":
            text = _text_head(path)
            if not text.strip():
                return "the CSV file is empty"
        elif f == "json":
            with open(path, "rb") as fh:
                json.loads(fh.read().decode("utf-8-sig"))
        elif f in ("h5", "hdf5", "hdf"):
            with open(path, "rb") as fh:
                if fh.read(8) != _HDF5:
                    return "it does not start with the HDF5 signature"
        elif f in ("zip", "npz"):
            if not zipfile.is_zipfile(path):
                return f"it is not a {f} (zip) archive"
        elif f in ("pth", "pt"):
            with open(path, "rb") as fh:
                head = fh.read(2)
            if not (zipfile.is_zipfile(path) or head[:1] == b"\x80"):
                return "it is neither a TorchScript/torch.save zip archive nor a pickle"
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        return f"it cannot be read as {f}: {exc}"
    return None


def inventory_value(slot: QunomonSlot, path: Path, inventory: str) -> str | list[str]:
    """The ``Value`` of an inventory in the input document, after checking its files.

    A ``DIR`` slot gets the folder. Otherwise a file gives its path; a folder bound to
    a slot that takes several files (``max`` > 1) gives the sorted list of its files of
    the declared formats, whose count must lie within ``min``..``max``.

    Raises
    ------
    DataError
        Naming the inventory, the slot and what does not fit.
    """
    where = f"inventory {inventory!r} bound to slot {slot.name!r} ({slot.original})"
    if slot.directory:
        if not path.is_dir():
            raise DataError(f"{where} must be a folder (format DIR); {path} is a file")
        return str(path)
    wanted = [f.lower().lstrip(".") for f in slot.formats if f not in ("ALL", "*")]

    def fits(p: Path) -> bool:
        name = p.name.lower()
        return not wanted or any(name.endswith("." + w) for w in wanted)

    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and fits(p))
        if slot.max_files <= 1 and len(files) != 1:
            raise DataError(
                f"{where} takes one {'/'.join(wanted) or ''} file, but the folder {path} holds "
                f"{len(files)}; bind the file itself"
            )
    else:
        if not fits(path):
            raise DataError(
                f"{where} accepts {', '.join(slot.formats)} files; {path.name} is not one"
            )
        files = [path]
    if not slot.min_files <= len(files) <= slot.max_files:
        raise DataError(
            f"{where} takes {slot.min_files} to {slot.max_files} file(s); got {len(files)}"
        )
    for p in files:
        fmt = next((w for w in wanted if p.name.lower().endswith("." + w)), "")
        problem = check_format(fmt, p) if fmt else None
        if problem:
            raise DataError(f"{where}: {p.name} is not a valid {fmt} file ({problem})")
    if slot.max_files <= 1:
        return str(files[0])
    return [str(p) for p in files]


# --- the output document ---------------------------------------------------------------------


@dataclass
class ContractResult:
    """A read output document, values converted to their declared types."""

    measures: dict[str, Any] = field(default_factory=dict)
    undefined: dict[str, str] = field(default_factory=dict)
    resources: list[tuple[str, Path]] = field(default_factory=list)
    downloads: list[tuple[str, Path]] = field(default_factory=list)
    error: tuple[str, str] | None = None
    execute_info: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _scalar(type_: str, text: str) -> Any:
    t = text.strip()
    if type_ == "bool":
        return parse_bool(t)  # never bool("False") (which is True)
    x = float(t)
    if type_ == "int":
        if not math.isfinite(x) or not x.is_integer():
            raise ValueError(f"{text!r} is not an int")
        return int(x)
    return x


def measure_value(type_: str, structure: str, value: Any) -> Any:
    """Convert a measure value from the output document to its declared type.

    A ``sequence`` is comma-joined (``"0.1,0.2"``); brackets around it are tolerated.
    Values already typed (numbers, lists, JSON booleans) are accepted too.

    Examples
    --------
    >>> measure_value("float", "sequence", "0.1,0.2"), measure_value("bool", "single", "False")
    ([0.1, 0.2], False)
    """
    if structure == "sequence":
        if isinstance(value, list):
            items = value
        elif isinstance(value, str):
            inner = value.strip()
            if inner.startswith("[") and inner.endswith("]"):
                inner = inner[1:-1]
            items = [x for x in inner.split(",")] if inner.strip() else []
        else:
            items = [value]
        return [measure_value(type_, "single", x) for x in items]
    if isinstance(value, bool):
        if type_ != "bool":
            raise ValueError(f"{value!r} is a bool, not {type_}")
        return value
    if isinstance(value, int | float):
        return _scalar(type_, repr(value)) if type_ != "bool" else parse_bool(str(int(value)))
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is neither a string nor a number")
    if structure == "single" and "," in value and type_ != "bool":
        raise ValueError(f"{value!r} is a sequence, but the measure is declared single")
    return _scalar(type_, value)


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except OSError:
        return False


def read_output(
    path: Path, imported: ImportedManifest, *, root: Path,
    map_path: Callable[[str], Path] = Path,
) -> ContractResult:
    """Read and convert ``ait.output.json``.

    Parameters
    ----------
    path : Path
        The output document.
    imported : ImportedManifest
        The converted manifest with the package's names.
    root : Path
        Resource and download files must lie below it (the mount).
    map_path : callable, default=Path
        Maps a path written by the AIT to a host path (the docker runtime maps
        container paths).

    Raises
    ------
    OutputError
        For a missing or malformed document, or a measure whose value does not fit
        its declared type.
    """
    if not path.is_file():
        raise OutputError(f"the AIT wrote no output document at {path}")
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise OutputError(f"the output document {path.name} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise OutputError(f"the output document {path.name} must be a JSON object")
    out = ContractResult()
    raw_info = doc.get("ExecuteInfo")
    info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
    out.execute_info = info
    err = info.get("Error")
    if isinstance(err, dict) and (err.get("Code") or err.get("Detail")):
        out.error = (str(err.get("Code") or ""), str(err.get("Detail") or ""))
        return out
    result = doc.get("Result")
    if not isinstance(result, dict):
        raise OutputError(
            f"the output document {path.name} has neither a 'Result' nor an 'ExecuteInfo.Error'"
        )
    by_original = {m.original: m for m in imported.measures}
    spec_of = {m.name: m for m in imported.manifest.measures}
    for i, entry in enumerate(result.get("Measures") or []):
        if not isinstance(entry, dict) or "Name" not in entry:
            raise OutputError(f"Result.Measures[{i}] must be an object with 'Name' and 'Value'")
        q = by_original.get(entry["Name"])
        if q is None:
            declared = ", ".join(by_original) or "none"
            raise OutputError(
                f"the AIT reported measure {entry['Name']!r}, which its manifest does not declare "
                f"(declared: {declared})"
            )
        spec = spec_of[q.name]
        raw = entry.get("Value")
        try:
            value = measure_value(spec.type, spec.structure, raw)
        except ValueError as exc:
            raise OutputError(
                f"measure {entry['Name']!r} must be a {spec.type} {spec.structure} value; "
                f"got {raw!r} ({exc})"
            ) from None
        out.measures[q.name] = value
    names = {"Resources": {r.original: r.name for r in imported.resources},
             "Downloads": {d.original: d.name for d in imported.downloads}}
    # a binary resource is declared as a download in aiqm; accept it from either list
    names["Resources"].update({d.original: d.name for d in imported.downloads if d.type == "binary"})
    downloads = {d.name for d in imported.downloads}
    seen: set[str] = set()
    for key in ("Resources", "Downloads"):
        for i, entry in enumerate(result.get(key) or []):
            if not isinstance(entry, dict) or "Name" not in entry or "Path" not in entry:
                raise OutputError(f"Result.{key}[{i}] must be an object with 'Name' and 'Path'")
            name = names[key].get(entry["Name"])
            if name is None:
                out.warnings.append(f"undeclared {key[:-1].lower()} {entry['Name']!r} ignored")
                continue
            file = map_path(str(entry["Path"]))
            if not _inside(file, root) or not file.is_file():
                out.warnings.append(
                    f"{key[:-1].lower()} {entry['Name']!r}: {entry['Path']} is not a file the AIT "
                    "wrote below its mount folder; ignored"
                )
                continue
            if name in seen:
                out.warnings.append(f"{key[:-1].lower()} {entry['Name']!r} given twice; kept the first")
                continue
            seen.add(name)
            (out.downloads if name in downloads else out.resources).append((name, file))
    return out


def table_from_csv(path: Path, delimiter: str = ",") -> dict[str, Any]:
    """A CSV table resource as aiqm's table document (numbers kept as numbers)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    if not rows:
        return {"columns": [], "rows": []}

    def cell(x: str) -> Any:
        if re.fullmatch(r"[+-]?\d+", x.strip()):
            return int(x)
        try:
            v = float(x)
        except ValueError:
            return x
        return v if math.isfinite(v) else None

    return {"columns": rows[0], "rows": [[cell(c) for c in r] for r in rows[1:]]}
