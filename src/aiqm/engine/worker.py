"""Worker entry: run one task spec and write its output document.

Used in a child process by the ``process`` executor and directly by the
``inline`` executor. Everything an AIT raises (also ``SystemExit``) becomes a
``failed`` output with the reason; only the process dying (``os._exit``, a
signal, the memory limit) leaves no output, which the executor reports.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiqm.core.criteria import check_measures
from aiqm.core.results import MeasureValue
from aiqm.engine.task import TaskOutput, TaskSpec, atomic_write_text, read_json
from aiqm.exceptions import AIQMError
from aiqm.plugins.manager import AITRegistry, load_registry
from aiqm.plugins.sdk import AIT, Context
from aiqm.qunomon.store import STORE_ENV

__all__ = ["execute_ait", "run_task", "run_task_file"]


def execute_ait(
    ait: AIT,
    *,
    params: dict[str, Any],
    inputs: dict[str, dict[str, Any]],
    workdir: Path,
    cache_dir: Path,
    progress_cb: Callable[[float, float], None] | None = None,
    logger: logging.Logger | None = None,
    time_limit_s: float | None = None,
    memory_limit_mb: int | None = None,
) -> tuple[list[MeasureValue], list[dict[str, Any]]]:
    """Run an AIT in this process and return its measures and resources.

    Raises whatever the AIT raises; an AIT that returns a mapping has it recorded
    as measures too.
    """
    ctx: Context[Any] = Context(
        manifest=ait.manifest,
        params=ait.bind_parameters(params),
        inputs=inputs,
        workdir=workdir,
        cache_dir=cache_dir,
        progress_cb=progress_cb,
        logger=logger,
        time_limit_s=time_limit_s,
        memory_limit_mb=memory_limit_mb,
    )
    returned = ait(ctx)
    if isinstance(returned, dict):
        for k, v in returned.items():
            ctx.measure(k, v)
    return ctx.measures, ctx.resources


def _task_logger(spec: TaskSpec) -> tuple[logging.Logger, logging.Handler]:
    logger = logging.getLogger(f"aiqm.task.{spec.run_id}.{spec.td_index}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.FileHandler(spec.log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger, handler


def run_task(spec: TaskSpec, registry: AITRegistry | None = None) -> TaskOutput:
    """Run one task and write ``output.json`` in its folder; return the output."""
    started = datetime.now(UTC)
    spec.dir.mkdir(parents=True, exist_ok=True)
    logger, handler = _task_logger(spec)
    last = [0.0]

    def progress(done: float, total: float) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.2 or done >= total:
            last[0] = now
            atomic_write_text(spec.progress_path, f'{{"done": {float(done)}, "total": {float(total)}}}')

    try:
        reg = registry or load_registry(spec.plugins, entry_points=spec.entry_points)
        ait = reg.get(f"{spec.ait_id}@{spec.ait_version}")
        logger.info("running %s on %s", ait.manifest.ref, spec.td_name)
        measures, resources = execute_ait(
            ait,
            params=spec.parameters,
            inputs=spec.inputs,
            workdir=spec.dir,
            cache_dir=Path(spec.cache_dir),
            progress_cb=progress,
            logger=logger,
            time_limit_s=spec.timeout,
            memory_limit_mb=spec.memory_limit_mb,
        )
        problems = check_measures(ait.manifest, measures)
        if problems:
            out = TaskOutput(
                td_name=spec.td_name, status="failed", measures=measures, resources=resources,
                error="the AIT reported invalid measures: " + "; ".join(problems),
                started_at=started, finished_at=datetime.now(UTC),
            )
        else:
            out = TaskOutput(
                td_name=spec.td_name, status="completed", measures=measures, resources=resources,
                started_at=started, finished_at=datetime.now(UTC),
            )
    except SystemExit as exc:
        logger.error("the AIT called sys.exit(%r)", exc.code)
        out = TaskOutput(
            td_name=spec.td_name, status="failed",
            error=f"the AIT called sys.exit({exc.code!r}); AITs must return or raise instead",
            started_at=started, finished_at=datetime.now(UTC),
        )
    except MemoryError:
        out = TaskOutput(
            td_name=spec.td_name, status="failed",
            error="the AIT ran out of memory (MemoryError); raise the memory limit or use less data",
            started_at=started, finished_at=datetime.now(UTC),
        )
    except Exception as exc:
        tb = traceback.format_exc()
        logger.error("the AIT failed:\n%s", tb)
        reason = str(exc) if isinstance(exc, AIQMError) else f"{type(exc).__name__}: {exc}"
        out = TaskOutput(
            td_name=spec.td_name, status="failed", error=reason, traceback=tb,
            started_at=started, finished_at=datetime.now(UTC),
        )
    finally:
        logger.removeHandler(handler)
        handler.close()
    atomic_write_text(spec.output_path, out.model_dump_json(by_alias=True, indent=2))
    return out


def run_task_file(spec_path: str) -> None:
    """Child-process entry point: read the spec file and run it."""
    spec = TaskSpec.model_validate(read_json(Path(spec_path)))
    if spec.ait_store:
        # the forkserver's environment is that of the process that started it; the
        # store of imported AITs chosen by the run travels in the spec instead
        os.environ[STORE_ENV] = spec.ait_store
    run_task(spec)
