"""The typed JSON documents that cross the worker boundary (never pickles)."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from aiqm.core._base import Record
from aiqm.core.results import MeasureValue

__all__ = ["OUTPUT_SCHEMA", "TASK_SCHEMA", "TaskOutput", "TaskSpec", "atomic_write_text"]

TASK_SCHEMA = "aiqm.task/1"
OUTPUT_SCHEMA = "aiqm.task-output/1"


class TaskSpec(Record):
    """Everything a worker needs to run one test description."""

    schema_: Literal["aiqm.task/1"] = Field(default="aiqm.task/1", alias="schema")
    run_id: str
    td_name: str
    td_index: int
    ait_id: str
    ait_version: str
    parameters: dict[str, Any]
    inputs: dict[str, dict[str, Any]]
    workdir: str
    cache_dir: str
    plugins: list[str] = Field(default_factory=list)
    entry_points: bool = True
    timeout: float = 600.0
    memory_limit_mb: int = 4096
    cache_key: str = ""
    #: The store of imported (Qunomon) AITs the run resolved; set in the worker's environment.
    ait_store: str = ""

    @property
    def dir(self) -> Path:
        return Path(self.workdir)

    @property
    def spec_path(self) -> Path:
        return self.dir / "task.json"

    @property
    def output_path(self) -> Path:
        return self.dir / "output.json"

    @property
    def progress_path(self) -> Path:
        return self.dir / "progress.json"

    @property
    def log_path(self) -> Path:
        return self.dir / "log.txt"

    def write(self) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.spec_path, self.model_dump_json(by_alias=True, indent=2))
        return self.spec_path


class TaskOutput(Record):
    """What a worker reports back for one task."""

    schema_: Literal["aiqm.task-output/1"] = Field(default="aiqm.task-output/1", alias="schema")
    td_name: str
    status: Literal["completed", "failed"]
    measures: list[MeasureValue] = Field(default_factory=list)
    resources: list[dict[str, Any]] = Field(default_factory=list)
    error: str | None = None
    traceback: str | None = None
    started_at: datetime
    finished_at: datetime


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so readers see either the old or the whole new content."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
