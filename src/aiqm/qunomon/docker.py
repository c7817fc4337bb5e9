"""The optional ``docker`` runtime: the package's own image, locked down.

Where a Docker daemon answers, an imported AIT with ``env: docker`` runs in the
image built from its package's ``dockerfile`` (tag ``aiqm-ait/<id>:<digest12>``,
built once), as Qunomon would run it, but:

- inventories are mounted **read-only** at ``/usr/local/qai/inventory/<slot>/``
  (only the inventory itself, not its parent folder),
- **no network** (``--network none``),
- **not as root**: the caller's uid/gid, or ``65534`` (nobody) when aiqm runs as root,
  with all capabilities dropped and ``no-new-privileges``,
- the test's **memory limit** as the container's (``--memory``, no swap) and its
  **time limit** (the container is removed when it passes), a PID limit of 1024.

The container is not a child of aiqm's worker process, so these limits are the
daemon's to enforce; the worker removes the container when it stops waiting.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiqm.data.digest import digest_hex
from aiqm.exceptions import AITFailure, InputError
from aiqm.plugins.sdk import Context
from aiqm.qunomon._host import (
    JOB_ID,
    RUN_ID,
    ImportedAIT,
    attach_result,
    bound_inventories,
    parameter_strings,
    prepare_folders,
    tail,
)
from aiqm.qunomon.contract import INPUT_FILE, OUTPUT_FILE, input_document, read_output, result_dir

__all__ = [
    "DockerUnavailableError",
    "docker_status",
    "ensure_image",
    "image_tag",
    "run_command",
    "run_in_container",
]

HOME = "/usr/local/qai"
_ARGS = f"{HOME}/args"
_MNT = f"{HOME}/mnt"
_INV = f"{HOME}/inventory"


class DockerUnavailableError(InputError):
    """No Docker client, or no daemon answering it."""


def docker_status(timeout: float = 15.0) -> tuple[bool, str]:
    """(whether a daemon answers, what was found) — never raises."""
    client = shutil.which("docker")
    if client is None:
        return False, "no 'docker' client on PATH"
    try:
        out = subprocess.run([client, "version", "--format", "{{.Server.Version}}"],
                             capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"the docker client did not answer ({exc})"
    if out.returncode != 0 or not out.stdout.strip():
        why = (out.stderr or out.stdout).strip().splitlines()
        return False, "no Docker daemon answers" + (f": {why[-1]}" if why else "")
    return True, f"Docker daemon {out.stdout.strip()}"


def _require_docker() -> str:
    ok, why = docker_status()
    if not ok:
        raise DockerUnavailableError(
            f"the docker runtime needs a Docker daemon ({why}); start Docker, or run the AIT in "
            "its own virtual environment: `aiqm ait env <id> venv`"
        )
    return shutil.which("docker") or "docker"


def image_tag(ait: ImportedAIT) -> str:
    return f"aiqm-ait/{ait.record.id}:{digest_hex(ait.record.digest)[:12]}"


def ensure_image(ait: ImportedAIT, progress: Callable[[str], None] | None = None) -> str:
    """Build the package's image once; return its tag."""
    client = _require_docker()
    tag = image_tag(ait)
    have = subprocess.run([client, "image", "inspect", tag], capture_output=True, check=False)
    if have.returncode == 0:
        return tag
    pkg = ait.store.package(ait.record)
    if pkg.dockerfile is None:
        raise InputError(f"{ait.record.ref} has no dockerfile; it cannot run in the docker runtime")
    proc = subprocess.Popen([client, "build", "-t", tag, "-f", str(pkg.dockerfile), str(pkg.root)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout or ():
        lines.append(line.rstrip())
        if progress is not None and line.strip():
            progress(line.rstrip())
    if proc.wait() != 0:
        raise InputError(f"docker build of {ait.record.ref} failed:\n" + "\n".join(lines[-20:]))
    return tag


def _user() -> str:
    uid, gid = os.getuid(), os.getgid()
    return "65534:65534" if uid == 0 else f"{uid}:{gid}"


def run_command(
    client: str, tag: str, name: str, *, args: Path, mount: Path, volumes: list[str],
    memory_mb: int | None,
) -> list[str]:
    """The ``docker run`` command of one test: no network, not root, read-only inputs, limits."""
    cmd = [client, "run", "--rm", "--name", name, "--network", "none", "--user", _user(),
           "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--pids-limit", "1024",
           "-v", f"{args}:{_ARGS}:ro", "-v", f"{mount}:{_MNT}:rw"]
    if memory_mb:
        cmd += ["--memory", f"{memory_mb}m", "--memory-swap", f"{memory_mb}m"]
    for v in volumes:
        cmd += ["-v", v]
    return [*cmd, tag, _ARGS]


def run_in_container(ait: ImportedAIT, ctx: Context[Any]) -> None:
    """Run one test in the package's image and attach its results."""
    client = _require_docker()
    tag = ensure_image(ait, lambda line: ctx.log.info("docker build: %s", line))
    work, _home, args, mount = prepare_folders(ait, ctx)
    volumes: list[str] = []

    def place(slot: str, path: Path) -> str:
        inv = ctx.document(slot)
        base = f"{_INV}/{slot}"
        spec = f"{inv}:{base}/{inv.name}:ro"
        if spec not in volumes:
            volumes.append(spec)
        rel = path.relative_to(inv) if path != inv and path.is_relative_to(inv) else None
        return f"{base}/{inv.name}" + (f"/{rel.as_posix()}" if rel else "")

    doc = input_document(mount=Path(_MNT), job_id=JOB_ID, run_id=RUN_ID,
                         inventories=bound_inventories(ait, ctx, place),
                         params=parameter_strings(ait, ctx))
    (args / INPUT_FILE).write_text(json.dumps(doc, indent=2, ensure_ascii=False), "utf-8")
    for p in (mount, *mount.rglob("*")):
        p.chmod(0o777 if p.is_dir() else 0o666)  # the container's non-root user writes here
    name = f"aiqm-{uuid.uuid4().hex[:12]}"
    cmd = run_command(client, tag, name, args=args, mount=mount, volumes=volumes,
                      memory_mb=ctx.memory_limit_mb)
    out_log = work / "output.txt"
    # the executor's clock started before ours: stop a little earlier so the container goes too
    limit = ctx.time_limit_s * 0.95 if ctx.time_limit_s else None
    ctx.log.info("running %s in %s: %s", ait.record.ref, tag, " ".join(cmd))
    with open(out_log, "wb") as log:
        try:
            code = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=limit,
                                  check=False).returncode
        except subprocess.TimeoutExpired:
            raise AITFailure(
                f"the AIT exceeded its time limit of {ctx.time_limit_s:g} s and its container was "
                "removed; raise 'timeout' on the test or in settings if it needs longer"
            ) from None
        finally:
            with contextlib.suppress(OSError):
                subprocess.run([client, "rm", "-f", name], capture_output=True, check=False,
                               timeout=60)
    ctx.log.info("output of the container:\n%s", tail(out_log, 200))
    out_file = result_dir(mount, JOB_ID, RUN_ID) / OUTPUT_FILE
    if code != 0:
        oom = " (137: killed, e.g. by its memory limit)" if code == 137 else ""
        raise AITFailure(f"the container exited with code {code}{oom}. Last lines of its "
                         f"output:\n{tail(out_log)}")

    def host_path(p: str) -> Path:
        return mount / Path(p).relative_to(_MNT) if p.startswith(_MNT + "/") else Path(p)

    attach_result(ctx, read_output(out_file, ait.imported, root=mount, map_path=host_path))
