"""An ordered map over threads, for per-column work that releases the GIL."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["thread_count", "thread_map"]

_T = TypeVar("_T")
_R = TypeVar("_R")


def thread_count(limit: int = 8) -> int:
    """The CPUs this process may use, at most ``limit``."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n = os.cpu_count() or 1
    return max(1, min(n, limit))


def thread_map(
    func: Callable[[_T], _R],
    items: Iterable[_T],
    *,
    workers: int | None = None,
    window: int = 4,
) -> Iterator[_R]:
    """Yield ``func(item)`` for each item, in order, computed on several threads.

    numpy sorts and searches, pyarrow compute kernels and pandas hashing release
    the GIL, so per-column work runs in parallel. At most ``workers + window``
    items are in flight, which bounds the memory held by finished results that
    the consumer has not taken yet.

    Parameters
    ----------
    func : callable
        The work for one item.
    items : iterable
        The items.
    workers : int, default=None
        Threads; default :func:`thread_count`.
    window : int, default=4
        Extra items submitted ahead of the one being consumed.

    Examples
    --------
    >>> list(thread_map(lambda x: x * x, range(5)))
    [0, 1, 4, 9, 16]
    """
    items = list(items)
    n_workers = workers or thread_count()
    if n_workers == 1 or len(items) <= 1:
        for item in items:
            yield func(item)
        return
    ahead = n_workers + window
    with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="aiqm-tabular") as pool:
        pending: list[Future[_R]] = [pool.submit(func, x) for x in items[:ahead]]
        nxt = len(pending)
        try:
            while pending:
                result = pending.pop(0).result()
                if nxt < len(items):
                    pending.append(pool.submit(func, items[nxt]))
                    nxt += 1
                yield result
        finally:  # the consumer stopped early or a task failed: drop what has not started
            for future in pending:
                future.cancel()
