"""Progress events of a run: the run was planned, a task started, progressed or finished.

A run emits one :class:`RunPlanned`, then :class:`TaskEvent` objects as its
tasks start, report progress (the AIT's ``ctx.progress``) and finish. The CLI's
progress bars and the web application's event stream consume them; nothing
else is ever emitted (no raw dicts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["AITPreparing", "EventSink", "RunEvent", "RunPlanned", "TaskEvent", "TaskEventSink", "event_to_json"]


@dataclass(frozen=True)
class TaskEvent:
    """A task started, progressed or finished.

    ``status`` is set on ``finished``: ``completed``, ``failed`` or ``cached``
    (a result reused from an earlier run).

    Examples
    --------
    >>> TaskEvent("progress", "accuracy", done=3, total=10).kind
    'progress'
    """

    kind: Literal["started", "progress", "finished"]
    td_name: str
    done: float = 0.0
    total: float = 0.0
    status: str = ""


@dataclass(frozen=True)
class RunPlanned:
    """The run is planned: its id, the tests it will run, and those already done (resume).

    Examples
    --------
    >>> e = RunPlanned("20240101-000000-abcdef", ("a", "b"), skipped=("a",))
    >>> e.kind, e.to_run
    ('planned', 1)
    """

    run_id: str
    tests: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    kind: Literal["planned"] = "planned"

    @property
    def to_run(self) -> int:
        """How many tests are left to run."""
        return len(self.tests) - len(self.skipped)


@dataclass(frozen=True)
class AITPreparing:
    """An AIT gets ready before its tests start (an imported AIT builds its environment).

    Examples
    --------
    >>> AITPreparing("aiqm.ait:q@1.0.0", "Collecting rich==13.9.4").kind
    'preparing'
    """

    ait: str
    line: str
    kind: Literal["preparing"] = "preparing"


RunEvent = RunPlanned | AITPreparing | TaskEvent
"""Every event a run emits."""

EventSink = Callable[[RunEvent], None]
"""Receives a run's events (the ``on_event`` argument of a run)."""

TaskEventSink = Callable[[TaskEvent], None]
"""Receives an executor's task events."""


def event_to_json(event: RunEvent) -> dict[str, Any]:
    """An event as a JSON object (the lines of the web application's ``events.jsonl``).

    Examples
    --------
    >>> event_to_json(RunPlanned("r1", ("a",)))
    {'kind': 'planned', 'run_id': 'r1', 'tests': ['a'], 'skipped': []}
    >>> event_to_json(TaskEvent("finished", "a", status="completed"))["status"]
    'completed'
    """
    if isinstance(event, RunPlanned):
        return {"kind": event.kind, "run_id": event.run_id, "tests": list(event.tests),
                "skipped": list(event.skipped)}
    if isinstance(event, AITPreparing):
        return {"kind": event.kind, "ait": event.ait, "line": event.line}
    return {"kind": event.kind, "td_name": event.td_name, "done": event.done,
            "total": event.total, "status": event.status}
