"""The verdict of a set of test statuses, and their counts."""

from __future__ import annotations

from collections.abc import Iterable

from aiqm.core.results import Status
from aiqm.report.model import ReportCounts

__all__ = ["count_statuses", "verdict"]


def verdict(statuses: Iterable[Status | str]) -> Status:
    """The overall verdict of a set of test statuses.

    ``ERR`` if any is ERR, else ``NG`` if any is NG, else ``NA`` if all are NA
    or there are none, else ``OK``.

    Examples
    --------
    >>> verdict(["OK", "NA"]).value
    'OK'
    >>> verdict(["OK", "NG", "ERR"]).value
    'ERR'
    >>> verdict([]).value
    'NA'
    """
    seen = {Status(s) for s in statuses}
    for status in (Status.ERR, Status.NG, Status.OK):
        if status in seen:
            return status
    return Status.NA


def count_statuses(statuses: Iterable[Status | str]) -> ReportCounts:
    """Count statuses into a :class:`ReportCounts`.

    Examples
    --------
    >>> count_statuses(["OK", "OK", "NG"]).OK
    2
    """
    counts = ReportCounts()
    for s in statuses:
        key = Status(s).value
        setattr(counts, key, getattr(counts, key) + 1)
    return counts
