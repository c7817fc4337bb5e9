"""The planner: test descriptions → checked, cache-keyed tasks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiqm.core.coverage import requirements_for_test
from aiqm.core.guideline import Guideline
from aiqm.core.results import InputRef
from aiqm.core.testdesc import TestDescription
from aiqm.engine.inventories import ResolvedInventory
from aiqm.engine.task import TaskSpec
from aiqm.exceptions import InputError
from aiqm.plugins.manager import AITRegistry
from aiqm.plugins.sdk import AIT

__all__ = ["PlannedTest", "cache_key", "plan_tests"]

# which inventory kinds can fill an AIT slot of each kind
_FILLS = {
    "dataset": ("dataset",), "model": ("model", "predictions", "http"), "document": ("document",),
}


@dataclass(frozen=True)
class PlannedTest:
    """A test description resolved against the installed AITs and the inventories."""

    index: int
    td: TestDescription
    ait: AIT
    params: dict[str, Any]
    inputs: dict[str, dict[str, Any]]
    input_refs: tuple[InputRef, ...]
    cache_key: str
    requirements: tuple[str, ...] = ()  # the requirement ids the test evidences

    def task(
        self, *, run_id: str, run_dir: Path, cache_dir: Path, plugins: Sequence[str],
        timeout: float, memory_limit_mb: int, entry_points: bool = True, ait_store: str = "",
    ) -> TaskSpec:
        return TaskSpec(
            run_id=run_id, td_name=self.td.name, td_index=self.index,
            ait_id=self.ait.manifest.id, ait_version=self.ait.manifest.version,
            parameters=self.params, inputs=self.inputs,
            workdir=str(run_dir / "tasks" / f"{self.index:04d}"), cache_dir=str(cache_dir),
            plugins=list(plugins), entry_points=entry_points,
            timeout=self.td.timeout or timeout,
            memory_limit_mb=self.td.memory_limit_mb or memory_limit_mb,
            cache_key=self.cache_key, ait_store=ait_store,
        )


def cache_key(ait: AIT, params: dict[str, Any], inputs: dict[str, dict[str, Any]]) -> str:
    """Key of a result: AIT id@version, parameters and what each input is (digest, target …)."""
    described = {
        slot: {k: v for k, v in spec.items() if k not in ("arrow_path", "path", "source_path")}
        for slot, spec in sorted(inputs.items())
    }
    key: dict[str, Any] = {"ait": ait.manifest.ref, "params": params, "inputs": described}
    if ait.digest:  # a stored package (imported AIT): its content is part of the key
        key["impl"] = ait.digest
    doc = json.dumps(key, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(doc.encode()).hexdigest()


def _plan_one(
    index: int, td: TestDescription, registry: AITRegistry,
    inventories: dict[str, ResolvedInventory], characteristics: set[str] | None,
    guidelines: Sequence[Guideline] = (),
) -> PlannedTest:
    ait = registry.get(td.ait)
    m = ait.manifest
    if characteristics is not None and td.characteristic not in characteristics:
        raise InputError(
            f"characteristic {td.characteristic!r} is not in the component's guideline(s); "
            f"use one of {', '.join(sorted(characteristics))}"
        )
    reqs = requirements_for_test(td.characteristic, td.requirements, m.requirements, guidelines)
    params = m.validate_parameters(dict(td.parameters))
    slots = {s.name: s for s in m.inventories}
    unknown = sorted(set(td.inventories) - set(slots))
    if unknown:
        raise InputError(
            f"AIT {m.id!r} has no inventory slot {unknown[0]!r}; its slots are: "
            f"{', '.join(slots) or 'none'}"
        )
    inputs: dict[str, dict[str, Any]] = {}
    refs: list[InputRef] = []
    for slot in m.inventories:
        inv_name = td.inventories.get(slot.name)
        if inv_name is None:
            if slot.required:
                raise InputError(
                    f"AIT {m.id!r} needs a {slot.kind} for slot {slot.name!r}; add "
                    f"'{slot.name}: <inventory name>' under the test's 'inventories'"
                )
            continue
        inv = inventories[inv_name]
        if inv.kind not in _FILLS[slot.kind]:
            raise InputError(
                f"slot {slot.name!r} of AIT {m.id!r} takes a {' or '.join(_FILLS[slot.kind])} "
                f"inventory, but {inv_name!r} is a {inv.kind}"
            )
        if slot.requires_target and inv.kind == "dataset" and not inv.spec.get("target"):
            raise InputError(
                f"AIT {m.id!r} needs the target column of dataset {inv_name!r}; set "
                f"'target: <column>' on inventory {inv_name!r}"
            )
        if slot.formats and inv.format not in slot.formats:
            raise InputError(
                f"slot {slot.name!r} of AIT {m.id!r} accepts formats {', '.join(slot.formats)}; "
                f"inventory {inv_name!r} is {inv.format}"
            )
        inputs[slot.name] = inv.spec
        refs.append(InputRef(slot=slot.name, inventory=inv_name, kind=inv.kind, digest=inv.digest))
    return PlannedTest(
        index, td, ait, params, inputs, tuple(refs), cache_key(ait, params, inputs), reqs
    )


def plan_tests(
    tests: Sequence[TestDescription],
    registry: AITRegistry,
    inventories: dict[str, ResolvedInventory],
    guidelines: Sequence[Guideline] = (),
) -> list[PlannedTest]:
    """Resolve and check every TD; report all problems at once.

    Raises
    ------
    InputError
        Listing each test's problem (unknown AIT, bad parameter, wrong binding …).
    """
    characteristics = (
        {c for g in guidelines for c in g.characteristic_ids} if guidelines else None
    )
    planned: list[PlannedTest] = []
    problems: list[str] = []
    for i, td in enumerate(tests):
        try:
            planned.append(_plan_one(i, td, registry, inventories, characteristics, guidelines))
        except InputError as exc:
            problems.append(f"test {td.name!r}: {exc}")
    if problems:
        if len(problems) == 1:
            raise InputError(problems[0])
        raise InputError(
            f"{len(problems)} tests cannot run:\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return planned
