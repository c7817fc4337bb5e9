"""The layer contract and the import rules of docs/architecture.md, enforced.

``make lint`` runs the contract (``lint-imports``, configured in pyproject.toml);
these tests run it too, show that it fails on a deliberately wrong import graph,
and scan the source for imports hidden inside functions.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path

import grimp
import pytest
from importlinter import api
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import Contract

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "aiqm"

# TODO(issue 10, lead): remove these three entries once the typed-parameters branch is merged.
# The AIT modules, the SDK and the testing kit belong to the engineer converting every AIT to
# typed parameter classes; their function-level internal imports move to module level there.
TODO_EXEMPT: tuple[str, ...] = ()

#: The only aiqm-internal imports allowed inside a function (each with a `# lazy:` reason):
#: the public API and the SQL backends load on first use so that `aiqm --help` stays fast,
#: the web application needs the optional 'web' extra, and explainability's scikit-learn
#: estimator wrappers (subclasses of scikit-learn classes) would cost every registry load ~1 s.
LAZY_INTERNAL = {
    ("aiqm.plugins.builtin.explainability", "aiqm.plugins.builtin._model.wrappers"),
    ("aiqm", "aiqm._api"),
    ("aiqm.storage", "aiqm.storage.sql"),
    ("aiqm.storage", "aiqm.storage.web_store"),
    ("aiqm.web", "aiqm.web.app"),
}

_CONTRACT_TYPES: dict[str, type[Contract]] = {
    "layers": LayersContract,
    "forbidden": ForbiddenContract,
    "acyclic_siblings": AcyclicSiblingsContract,
}


# ---------------------------------------------------------------- the contract


def _contracts() -> list[Contract]:
    config = api.read_configuration(str(ROOT / "pyproject.toml"))
    out = []
    for options in config["contracts_options"]:
        cls = _CONTRACT_TYPES[options["type"]]
        out.append(cls(options["name"], config["session_options"], options))
    return out


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("aiqm", cache_dir=None)


def _broken(graph: grimp.ImportGraph) -> list[str]:
    """Names of the contracts the graph breaks (each check gets its own copy of the graph)."""
    return [c.name for c in _contracts() if not c.check(deepcopy(graph), verbose=False).kept]


def test_the_contract_lists_the_layers_of_the_design() -> None:
    layers = next(c for c in api.read_configuration(str(ROOT / "pyproject.toml"))
                  ["contracts_options"] if c["type"] == "layers")["layers"]
    assert layers == [
        "cli", "web", "services | testing", "engine | storage | render | evidence", "report | qunomon",
        "plugins", "models", "data", "core", "exceptions",
    ]


def test_the_package_keeps_every_contract(graph: grimp.ImportGraph) -> None:
    assert _broken(graph) == []


@pytest.mark.parametrize(
    ("importer", "imported", "contract"),
    [
        # a lower layer reaching up (report → render is exactly what the report layer removed)
        ("aiqm.report.builder", "aiqm.render.html", "aiqm layers"),
        ("aiqm.core.results", "aiqm.services.runs", "aiqm layers"),
        ("aiqm.engine.runner", "aiqm.storage.sql", "aiqm layers"),  # siblings are independent
        # an interface going round the services
        ("aiqm.cli.run", "aiqm.storage.sql", "cli and web reach storage"),
        ("aiqm.web.routes.runs", "aiqm.engine.runner", "cli and web reach storage"),
        # the public front imported from inside
        ("aiqm.services.reports", "aiqm", "nothing inside aiqm imports the public front"),
        # a cycle inside a layer (the planner is imported by the runner)
        ("aiqm.engine.planner", "aiqm.engine.runner", "no import cycles"),
        ("aiqm.core._guideline_checks", "aiqm.core.guideline", "no import cycles"),
    ],
)
def test_a_wrong_import_breaks_the_contract(
    graph: grimp.ImportGraph, importer: str, imported: str, contract: str
) -> None:
    wrong = deepcopy(graph)
    wrong.add_import(importer=importer, imported=imported, line_number=1, line_contents="import")
    broken = _broken(wrong)
    assert any(name.startswith(contract) for name in broken), broken


def test_imports_inside_functions_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The contract tool sees an import hidden in a function (the rule is not only top-level)."""
    pkg = tmp_path / "toylayers"
    (pkg / "high").mkdir(parents=True)
    (pkg / "low").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "high" / "__init__.py").write_text("from toylayers import low\n")
    (pkg / "low" / "__init__.py").write_text(textwrap.dedent("""
        def helper():
            from toylayers import high  # the wrong way up, hidden in a function
            return high
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    toy = grimp.build_graph("toylayers", cache_dir=None)
    contract = LayersContract(
        "toy layers", {"root_packages": ["toylayers"]},
        {"layers": ["high", "low"], "containers": ["toylayers"]},
    )
    check = contract.check(toy, verbose=False)
    assert not check.kept


# ---------------------------------------------------------------- imports inside functions


@dataclass(frozen=True)
class _Import:
    module: str  # the importing module
    target: str  # what it imports (a module, resolved)
    path: Path
    line: int
    lines: tuple[str, ...]  # the statement's first line and the line above it

    @property
    def internal(self) -> bool:
        return self.target == "aiqm" or self.target.startswith("aiqm.")

    @property
    def has_reason(self) -> bool:
        first, above = self.lines
        return "# lazy:" in first or above.strip().startswith("# lazy:")

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line} {self.module} -> {self.target}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        parts = module.split(".") if is_package else module.split(".")[:-1]
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join([*parts, *([node.module] if node.module else [])])
    subs = [f"{base}.{a.name}" for a in node.names]
    return [s for s in subs if _is_module(s)] or [base]


def _imports_in(
    node: ast.AST, in_function: bool, path: Path, module: str, lines: list[str]
) -> Iterator[_Import]:
    for child in ast.iter_child_nodes(node):
        inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            continue  # annotations only: never executed
        if inside and isinstance(child, ast.Import | ast.ImportFrom):
            first = lines[child.lineno - 1]
            above = _comment_above(lines, child.lineno)
            for target in _targets(child, module, path.name == "__init__.py"):
                yield _Import(module, target, path, child.lineno, (first, above))
        yield from _imports_in(child, inside, path, module, lines)


def _comment_above(lines: list[str], lineno: int) -> str:
    """The line above an import, skipping the imports of the same block.

    One `# lazy:` comment may head a block of consecutive imports that share the reason.
    """
    i = lineno - 2
    while i >= 0:
        text = lines[i].strip()
        in_block = text.startswith(("import ", "from ")) or text == ")" or (
            text.endswith(",") and not text.startswith("#"))
        if not in_block:
            return lines[i]
        i -= 1
    return ""


def _function_level_imports() -> Iterator[_Import]:
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        yield from _imports_in(ast.parse(text), False, path, _module_name(path), text.splitlines())


def _exempt(imp: _Import) -> bool:
    return any(imp.module == p or imp.module.startswith(p + ".") for p in TODO_EXEMPT)


def test_no_internal_import_inside_a_function() -> None:
    hidden = [
        str(i) for i in _function_level_imports()
        if i.internal and not _exempt(i) and (i.module, i.target) not in LAZY_INTERNAL
    ]
    assert hidden == [], (
        "move these imports to the top of the module (an import hidden in a function is "
        "usually a layer in the wrong place; see docs/architecture.md):\n" + "\n".join(hidden)
    )


def test_every_lazy_import_says_why() -> None:
    silent = [str(i) for i in _function_level_imports() if not _exempt(i) and not i.has_reason]
    assert silent == [], (
        "a lazy import (inside a function) needs a one-line reason: `import x  # lazy: <why>`, "
        "e.g. an optional extra or a heavy library the CLI must not load:\n" + "\n".join(silent)
    )


def test_the_allowed_lazy_internal_imports_exist() -> None:
    """The allow-list stays short and true: every entry is still needed."""
    found = {(i.module, i.target) for i in _function_level_imports() if i.internal}
    assert found >= LAZY_INTERNAL


def test_importing_aiqm_loads_no_layer_below_the_front() -> None:
    """``import aiqm`` (which every ``aiqm`` command does first) stays cheap."""
    code = (
        "import sys, aiqm; "
        "print(sorted(m for m in sys.modules if m.startswith(('aiqm.services', 'aiqm.engine', "
        "'aiqm.storage', 'aiqm.report', 'sqlalchemy', 'pydantic'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
