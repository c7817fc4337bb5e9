"""The public surface: `aiqm.__all__` is sorted and matches what the package exports."""

from __future__ import annotations

import doctest
import importlib
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import jsonschema
import pytest
import yaml

import aiqm
from aiqm.plugins.manager import load_registry
from aiqm.services.projects import SKELETON
from aiqm.services.schemas import json_schema


def _isort_key(name: str) -> tuple[int, str]:
    # ruff RUF022 order: CONSTANTS, then Classes, then functions and the rest
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted_and_complete():
    assert aiqm.__all__ == sorted(aiqm.__all__, key=_isort_key)
    public = {n for n in dir(aiqm) if not n.startswith("_")} - {
        # subpackages appear as attributes once imported
        "cli", "core", "data", "engine", "exceptions", "guidelines", "models", "plugins",
        "render", "report", "services", "storage", "testing",
        "evidence",  # evidence bundles (issue 6)
        "web",  # web application (issue 7)
        "qunomon",  # Qunomon AIT packages (issue 14)
        "annotations",  # from __future__ import annotations
    }
    assert public == set(aiqm.__all__) - {"__version__"}


@pytest.mark.parametrize(
    "module",
    ["aiqm.plugins", "aiqm.services", "aiqm.storage", "aiqm.render", "aiqm.report", "aiqm.data",
     "aiqm.models", "aiqm.testing", "aiqm.qunomon"],
)
def test_subpackage_all_names_exist(module):
    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"


def test_project_schema_validates_skeleton_and_rejects_bad():
    schema = json_schema("project")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(SKELETON), schema)
    bad = yaml.safe_load(SKELETON)
    bad["component"]["task"] = "nope"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_manifest_schema_validates_every_installed_manifest():
    schema = json_schema("manifest")
    jsonschema.Draft202012Validator.check_schema(schema)
    registry = load_registry(["aiqm.testing.faults"])
    assert len(registry) >= 8
    assert registry.errors == []
    for m in registry.manifests:
        jsonschema.validate(m.model_dump(mode="json"), schema)


def test_unknown_schema_is_input_error():
    from aiqm.exceptions import InputError

    with pytest.raises(InputError, match="project, manifest, report"):
        json_schema("nope")


# TODO(issue 10, lead): these four live in aiqm/plugins/sdk.py and aiqm/core/manifest.py, which
# the typed-parameters branch rewrites; it adds their doctest examples. Remove after the merge.
_EXAMPLES_PENDING: set[str] = set()


@pytest.mark.parametrize("name", sorted(set(aiqm.__all__) - {"__version__"}))
def test_public_name_has_a_working_doctest_example(name: str) -> None:
    if name in _EXAMPLES_PENDING:
        pytest.skip("TODO: example added with the typed-parameters branch")
    obj = getattr(aiqm, name)
    tests = [t for t in doctest.DocTestFinder(recurse=False).find(obj, name) if t.examples]
    assert tests, f"aiqm.{name} needs an 'Examples' section with a doctest in its docstring"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out = io.StringIO()
    with redirect_stdout(out):
        for test in tests:
            runner.run(test, out=out.write)
    assert runner.failures == 0, out.getvalue()


def test_the_package_is_typed() -> None:
    """PEP 561: the marker ships in the package (hatch includes every file under src/aiqm)."""
    marker = Path(aiqm.__file__).with_name("py.typed")
    assert marker.is_file()


@pytest.mark.parametrize("what", ["project", "manifest", "report"])
def test_published_schemas_leave_out_doctest_examples(what: str) -> None:
    assert ">>>" not in json.dumps(json_schema(what))
