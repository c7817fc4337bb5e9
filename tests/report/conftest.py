"""Fixtures for report tests; the data is built in :mod:`scenario`."""

from __future__ import annotations

import pytest

from aiqm.report import Report

from .scenario import Scenario, make_scenario


@pytest.fixture
def scenario() -> Scenario:
    return make_scenario()


@pytest.fixture
def report(scenario: Scenario) -> Report:
    return scenario.build()
