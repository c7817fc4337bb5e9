"""Run an aiqm AIT under Qunomon's contract: the guest side, used by exported packages.

An exported package's ``my_ait.py`` calls :func:`main`, which plays the part of
Qunomon's SDK: it reads ``<ARGS_DIR>/ait.input.json``, turns each inventory path into
what the aiqm AIT expects (a dataset is read and materialised as Arrow, a model is
loaded from skops or ONNX, a document is passed by path), converts the string
parameters to their declared types, runs the AIT and writes
``<MOUNT>/ip/job_result/<job_id>/<run_id>/ait.output.json`` with measures as strings
(a sequence comma-joined, booleans ``True``/``False``), resources under
``resources/<name>/``, downloads under ``downloads/<name>/`` and the ``Log`` download.
Like the SDK, a failure is written as ``ExecuteInfo.Error`` and the process exits 0.

Parameters named ``<slot>_target`` (added by the export) give a dataset's label column.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import shutil
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiqm.core.criteria import check_measures
from aiqm.core.manifest import AITManifest, ParameterSpec
from aiqm.data.cache import materialise
from aiqm.data.digest import sha256_path
from aiqm.data.readers import detect_format
from aiqm.exceptions import AIQMError, AITFailure, InputError, UntrustedModelError
from aiqm.plugins.manager import load_registry
from aiqm.plugins.sdk import AIT, Context
from aiqm.qunomon.contract import INPUT_FILE, OUTPUT_FILE, result_dir
from aiqm.qunomon.manifest import parse_bool

__all__ = ["TARGET_SUFFIX", "main", "run_contract"]

TARGET_SUFFIX = "_target"
ERROR_INPUT = "E901"
ERROR_RUN = "E902"


def _values(entries: Any) -> dict[str, Any]:
    return {e["Name"]: e.get("Value") for e in entries or [] if isinstance(e, dict) and "Name" in e}


def _param(spec: ParameterSpec, raw: Any) -> Any:
    if raw is None:
        return spec.default
    if not isinstance(raw, str):
        return raw
    if raw == "" and (spec.nullable or spec.type != "str"):
        if spec.required:
            raise InputError(f"parameter {spec.name!r} is required; give it a value")
        return None if spec.nullable else spec.default
    try:
        if spec.type == "bool":
            return parse_bool(raw)
        if spec.type == "int":
            return int(float(raw)) if float(raw).is_integer() else raw
        if spec.type == "float":
            return float(raw)
    except ValueError:
        return raw  # validate_parameters names the parameter, the value and what is allowed
    if spec.type.startswith("list[") or spec.type == "object":
        try:
            return json.loads(raw)
        except ValueError:
            if spec.type == "list[str]":
                return [x.strip() for x in raw.split(",") if x.strip()]
            raise InputError(f"parameter {spec.name!r} must be JSON ({spec.type}); got {raw!r}") from None
    return raw


def _model_spec(slot: str, path: Path) -> dict[str, Any]:
    fmt = {".skops": "skops", ".onnx": "onnx"}.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"inventory {slot!r}: {path.name} is not a .skops or .onnx model; export the "
                         "model with skops or to ONNX (pickles are not loaded)")
    if fmt == "skops":
        import skops.io as sio  # lazy: only exported model AITs need skops

        untrusted = sio.get_untrusted_types(file=path)
        if untrusted:
            raise UntrustedModelError(
                f"inventory {slot!r}: {path.name} contains types skops does not trust by default "
                f"({', '.join(untrusted)}); save the model with standard scikit-learn types"
            )
    return {"kind": "model", "inventory": slot, "path": str(path), "format": fmt, "trusted": False,
            "trusted_types": [], "digest": sha256_path(path)}


def _inputs(m: AITManifest, values: dict[str, Any], params: dict[str, Any], cache: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for slot in m.inventories:
        raw = values.get(slot.name)
        if raw in (None, "", []):
            if slot.required:
                raise InputError(f"inventory {slot.name!r} is required; bind a file to it")
            continue
        path = Path(raw[0] if isinstance(raw, list) else raw)
        if not path.exists():
            raise InputError(f"inventory {slot.name!r}: {path} does not exist")
        if slot.kind == "dataset":
            digest = sha256_path(path)
            target = params.get(slot.name + TARGET_SUFFIX) or None
            if slot.requires_target and not target:
                raise InputError(f"the dataset of slot {slot.name!r} needs its label column: set "
                                 f"parameter {slot.name + TARGET_SUFFIX!r}")
            arrow = materialise(path, detect_format(path), digest, cache)
            out[slot.name] = {"kind": "dataset", "inventory": slot.name, "digest": digest,
                              "arrow_path": str(arrow), "target": target, "features": None,
                              "source_path": str(path)}
        elif slot.kind == "model":
            out[slot.name] = _model_spec(slot.name, path)
        else:
            out[slot.name] = {"kind": "document", "inventory": slot.name, "path": str(path),
                              "digest": sha256_path(path)}
    return out


def _string(v: Any) -> str:
    if isinstance(v, list):
        return ",".join(_string(x) for x in v)
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _table_csv(src: Path, dst: Path) -> None:
    doc = json.loads(src.read_text(encoding="utf-8"))
    with open(dst, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(doc.get("columns", []))
        w.writerows(doc.get("rows", []))


def _machine() -> dict[str, str]:
    try:
        import psutil  # lazy: only for the machine information of the output document

        memory = str(psutil.virtual_memory().total)
    except ImportError:
        memory = ""
    return {"cpu_brand": platform.processor() or platform.machine(), "cpu_arch": platform.machine(),
            "cpu_clocks": "", "cpu_cores": str(os.cpu_count() or ""), "memory_capacity": memory}


def run_contract(args_dir: Path, ait_ref: str, plugins: list[str] | None = None) -> Path:
    """Run an aiqm AIT on ``<args_dir>/ait.input.json``; return the output document's path."""
    doc = json.loads((Path(args_dir) / INPUT_FILE).read_text(encoding="utf-8-sig"))
    out_dir = result_dir(Path(doc["testbed_mount_volume_path"]), doc["job_id"], doc["run_id"])
    out_dir.mkdir(parents=True, exist_ok=True)
    log_dir = out_dir / "downloads" / "Log"
    log_dir.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("aiqm.qunomon.guest")
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(log_dir / "ait.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    started = datetime.now(UTC)
    result: dict[str, Any] = {"Measures": [], "Resources": [], "Downloads": []}
    error: tuple[str, str] | None = None
    name, version = ait_ref, ""
    work = Path(tempfile.mkdtemp(prefix="aiqm-guest-"))
    try:
        ait: AIT = load_registry(plugins or ()).get(ait_ref)
        m = ait.manifest
        name, version = m.id, m.version
        raw = _values(doc.get("MethodParams"))
        targets = {k: v for k, v in raw.items() if k.endswith(TARGET_SUFFIX) and
                   m.inventory(k.removesuffix(TARGET_SUFFIX)) is not None}
        given = {p.name: _param(p, raw.get(p.name)) for p in m.parameters if p.name in raw}
        params = m.validate_parameters(given)
        inputs = _inputs(m, _values(doc.get("Inventories")), targets, work / "cache")
        ctx: Context[Any] = Context(manifest=m, params=ait.bind_parameters(params), inputs=inputs,
                                    workdir=work / "task", cache_dir=work / "cache", logger=logger)
        logger.info("running %s", m.ref)
        returned = ait(ctx)
        if isinstance(returned, dict):
            for k, v in returned.items():
                ctx.measure(k, v)
        problems = check_measures(m, ctx.measures)
        if problems:
            raise AITFailure("the AIT reported invalid measures: " + "; ".join(problems))
        for mv in ctx.measures:
            if mv.value is None:
                logger.warning("measure %s is undefined: %s", mv.name, mv.undefined_reason)
            result["Measures"].append({"Name": mv.name,
                                       "Value": "nan" if mv.value is None else _string(mv.value)})
        for r in ctx.resources:
            src = Path(r["file"])
            kind = "downloads" if r["kind"] == "download" else "resources"
            folder = out_dir / kind / r["name"]
            folder.mkdir(parents=True, exist_ok=True)
            if r["kind"] == "table":
                dst = folder / (src.stem + ".csv")
                _table_csv(src, dst)
            else:
                dst = folder / src.name
                shutil.copyfile(src, dst)
            result["Resources" if kind == "resources" else "Downloads"].append(
                {"Name": r["name"], "Path": str(dst.resolve())})
    except InputError as exc:
        logger.error("bad input: %s", exc)
        error = (ERROR_INPUT, str(exc))
    except Exception as exc:
        logger.error("the AIT failed:\n%s", traceback.format_exc())
        reason = str(exc) if isinstance(exc, AIQMError) else f"{type(exc).__name__}: {exc}"
        error = (ERROR_RUN, reason + "\n" + traceback.format_exc())
    finally:
        logger.removeHandler(handler)
        handler.close()
        shutil.rmtree(work, ignore_errors=True)
    result["Downloads"].append({"Name": "Log", "Path": str((log_dir / "ait.log").resolve())})
    info: dict[str, Any] = {"StartDateTime": started.isoformat(),
                            "EndDateTime": datetime.now(UTC).isoformat(), "MachineInfo": _machine()}
    out: dict[str, Any] = {"AIT": {"Name": name, "Version": version}, "ExecuteInfo": info}
    if error is not None:
        info["Error"] = {"Code": error[0], "Detail": error[1]}
    else:
        out["Result"] = result
    path = out_dir / OUTPUT_FILE
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m aiqm.qunomon.guest --ait ID@VERSION ARGS_DIR``; exits 0 like Qunomon's SDK."""
    parser = argparse.ArgumentParser(prog="aiqm-qunomon-guest", description=__doc__)
    parser.add_argument("args_dir", type=Path)
    parser.add_argument("--ait", required=True, help="AIT reference, e.g. data_drift@1.0.0")
    parser.add_argument("--plugin", action="append", default=[], help="extra plugin module")
    a = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    run_contract(a.args_dir, a.ait, a.plugin)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
