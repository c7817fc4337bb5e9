"""The guideline files packaged with aiqm (``aiqm/guidelines/*.yaml``), by ``id@edition``."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from aiqm.exceptions import InputError

__all__ = ["LOADING", "available_guidelines", "load_yaml", "packaged_file", "packaged_text"]


@cache
def _packaged() -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in resources.files("aiqm.guidelines").iterdir():
        if entry.name.endswith(".yaml"):
            data = load_yaml(entry.read_text(encoding="utf-8"))
            meta = data.get("meta", {})
            out[f"{meta.get('id')}@{meta.get('edition')}"] = entry.name
    return out


def available_guidelines() -> list[str]:
    """References (``id@edition``) of the packaged guidelines.

    Examples
    --------
    >>> "aist-mlqm@3" in available_guidelines()
    True
    """
    return sorted(_packaged())


def packaged_file(ref: str) -> str:
    """The file name of a packaged guideline (``id@edition`` or ``id``)."""
    table = _packaged()
    key = ref
    if "@" not in ref:
        matches = sorted(k for k in table if k.split("@")[0] == ref)
        if matches:
            key = matches[-1]
    if key not in table:
        raise InputError(
            f"unknown guideline {ref!r}; packaged guidelines: {', '.join(sorted(table))} "
            "(or give the path of a guideline file)"
        )
    return table[key]


#: Packaged guidelines being parsed right now (a crosswalk check must not load them again).
LOADING: set[str] = set()


def packaged_text(name: str) -> str:
    """The text of a packaged guideline file (a name from :func:`packaged_file`)."""
    return resources.files("aiqm.guidelines").joinpath(name).read_text(encoding="utf-8")


def load_yaml(text: str) -> Any:
    """Parse YAML with libyaml's C loader when available (several times faster)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # a safe loader: plain data only
