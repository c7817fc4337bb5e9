"""Running an imported Qunomon AIT for one test, under Qunomon's file contract.

Per test, in the task's folder (``<task>/qunomon/``):

1. ``home/`` gets a copy of the package's ``repository`` (without the bundled
   wheels), so whatever the AIT writes beside its script stays with the test and the
   stored package never changes;
2. ``args/ait.input.json`` is written with the inventories' paths (checked for
   format and file count) and the parameters as strings;
3. the entry script runs as ``python <entry> <args>`` in ``home/`` with the AIT's
   interpreter first on ``PATH`` (entry scripts start ``python3`` by name), in a
   session of its own so that everything it starts can be stopped together;
4. ``mnt/ip/job_result/1/1/ait.output.json`` is read; measures are converted to
   their declared types, resources and downloads are attached to the result
   (the engine then stores them in the artifact store), and ``Error`` becomes the
   test's ``ERR`` with its detail.

The process executor's time and memory limits cover the entry script and its
children: they are descendants of the worker, which the executor measures and
kills as one tree.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiqm.exceptions import AITFailure
from aiqm.plugins.sdk import AIT, Context
from aiqm.qunomon import docker
from aiqm.qunomon._host import (
    JOB_ID,
    RUN_ID,
    attach_result,
    bound_inventories,
    child_environment,
    parameter_strings,
    prepare_folders,
    tail,
    wait_tree,
)
from aiqm.qunomon.contract import (
    INPUT_FILE,
    OUTPUT_FILE,
    OutputError,
    input_document,
    read_output,
    result_dir,
)
from aiqm.qunomon.environment import current_python, ensure_env
from aiqm.qunomon.manifest import ImportedManifest
from aiqm.qunomon.store import AITStore, ImportRecord

__all__ = ["ImportedAIT", "run_in_process"]


class ImportedAIT(AIT):
    """An imported Qunomon package as an aiqm AIT.

    Parameters
    ----------
    store : AITStore
        The store holding the package.
    record : ImportRecord
        The package's record.
    imported : ImportedManifest
        Its converted manifest and name map.
    """

    def __init__(self, store: AITStore, record: ImportRecord, imported: ImportedManifest) -> None:
        super().__init__(imported.manifest, self._run, origin=record.origin, digest=record.digest)
        self.store = store
        self.record = record
        self.imported = imported
        self.__doc__ = imported.manifest.description

    @property
    def repository(self) -> Path:
        return self.store.package(self.record).repository

    def python(self, progress: Callable[[str], None] | None = None) -> Path:
        """The interpreter the AIT runs with (its environment is built on first use)."""
        if self.record.env == "current":
            return current_python()
        return ensure_env(self.repository, self.store.envs_dir, progress=progress,
                          label=self.record.ref)

    def prepare(self, progress: Callable[[str], None] | None = None) -> None:
        if self.record.env == "docker":
            docker.ensure_image(self, progress)
        else:
            self.python(progress)

    def _run(self, ctx: Context[Any]) -> None:
        if self.record.env == "docker":
            docker.run_in_container(self, ctx)
            return
        run_in_process(self, ctx, self.python(lambda line: ctx.log.info("env: %s", line)))


def run_in_process(ait: ImportedAIT, ctx: Context[Any], python: Path) -> None:
    """Run the package's entry script in a local process and attach its results."""
    work, home, args, mount = prepare_folders(ait, ctx)
    doc = input_document(mount=mount, job_id=JOB_ID, run_id=RUN_ID,
                         inventories=bound_inventories(ait, ctx),
                         params=parameter_strings(ait, ctx))
    (args / INPUT_FILE).write_text(json.dumps(doc, indent=2, ensure_ascii=False), "utf-8")
    out_log = work / "output.txt"
    cmd = [str(python), ait.record.entry, str(args)]
    ctx.log.info("running %s: %s (in %s)", ait.record.ref, " ".join(cmd), home)
    with open(out_log, "wb") as log:
        # same process group as the worker: Ctrl-C, `aiqm run` being killed and a web run's
        # cancel reach the entry script and what it starts, as they reach the worker
        proc = subprocess.Popen(cmd, cwd=home, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, env=child_environment(python))
        try:
            code = wait_tree(proc, ctx.time_limit_s)
        except subprocess.TimeoutExpired:
            raise AITFailure(
                f"the AIT exceeded its time limit of {ctx.time_limit_s:g} s and was stopped; raise "
                "'timeout' on the test or in settings if it needs longer"
            ) from None
    output = out_log.read_text(encoding="utf-8", errors="replace")
    if output.strip():
        ctx.log.info("output of %s:\n%s", ait.record.entry, output.rstrip())
    out_file = result_dir(mount, JOB_ID, RUN_ID) / OUTPUT_FILE
    if code != 0:
        signalled = f" (killed by signal {-code})" if code < 0 else ""
        raise AITFailure(
            f"the entry script {ait.record.entry} exited with code {code}{signalled}"
            + ("" if out_file.is_file() else f" without writing {OUTPUT_FILE}")
            + f". Last lines of its output:\n{tail(out_log)}"
        )
    try:
        result = read_output(out_file, ait.imported, root=mount)
    except OutputError as exc:
        raise OutputError(f"{exc}. Last lines of the AIT's output:\n{tail(out_log)}") from None
    attach_result(ctx, result)


