"""Fixtures for render tests; the report data is built in :mod:`report.scenario`."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aiqm.report import Report
from report.scenario import Scenario, make_scenario


@pytest.fixture
def scenario() -> Scenario:
    return make_scenario()


@pytest.fixture
def report(scenario: Scenario) -> Report:
    return scenario.build()


@pytest.fixture
def artifact(scenario: Scenario) -> Callable[[str], bytes | None]:
    return scenario.store.get
