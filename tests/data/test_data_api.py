from __future__ import annotations

import aiqm.data


def _isort_key(name: str) -> tuple[int, str]:
    # ruff RUF022 order: CONSTANTS, then Classes, then functions
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def test_all_is_sorted_and_exported() -> None:
    assert list(aiqm.data.__all__) == sorted(aiqm.data.__all__, key=_isort_key)
    for name in aiqm.data.__all__:
        assert hasattr(aiqm.data, name), name
    public = {n for n in vars(aiqm.data) if not n.startswith("_")}
    modules = {"cache", "dataset", "digest", "paths", "readers", "annotations"}
    assert public - modules == set(aiqm.data.__all__)
