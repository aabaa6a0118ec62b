"""The house rules of docs/architecture.md, checked on the code (issue 17).

The floors table of docs/architecture.md is the map: every module of ``amikg/`` and ``server/``
must be on it, import only from its own floor or below, and no import cycle may exist among the
project's modules. The library never imports Flask, and only ``amikg/store/`` knows which engine
is underneath.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
#: The installed name of the ``server/`` folder (setup.cfg ``package_dir``).
SERVER = "amikg_server"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] == "server":
        parts[0] = SERVER
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    files = [*ROOT.joinpath("amikg").rglob("*.py"), *ROOT.joinpath("server").rglob("*.py")]
    return {module_name(p): p for p in sorted(files) if "__pycache__" not in p.parts}


def floors_from_doc() -> dict[str, int]:
    """``{module or package.: floor}`` from the floors table: each backticked ``amikg/...`` or
    ``server/`` path in the row of floor N (a folder, ``x/``, as ``x.``: it and everything in it)."""
    out: dict[str, int] = {}
    for line in DOC.read_text().splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|(.*?)\|", line)
        if not m:
            continue
        for path in re.findall(r"`((?:amikg|server)/[\w/.]*)`", m.group(2)):
            name = path.rstrip("/").removesuffix(".py").removesuffix("/__init__")
            name = name.replace("/", ".")
            name = SERVER + name[len("server"):] if name.startswith("server") else name
            out[name + "." if path.endswith("/") else name] = int(m.group(1))
    return out


def floor_of(module: str, floors: dict[str, int]) -> int | None:
    if module in floors:
        return floors[module]
    best = None
    for prefix, floor in floors.items():
        if prefix.endswith(".") and (module + ".").startswith(prefix):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, floor)
    return best[1] if best else None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``module`` imports (anywhere in the file). ``from pkg import name``
    counts as an import of ``pkg.name`` where that is a module, else of ``pkg``."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target
                     for a in node.names]
        else:
            continue
        for name in names:
            name = SERVER + name[len("server"):] if name.split(".")[0] == "server" else name
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


@pytest.fixture(scope="module")
def graph():
    modules = project_modules()
    return modules, {m: imports_of(m, p, modules) for m, p in modules.items()}


def test_every_module_is_on_the_map_of_docs_architecture(graph):
    modules, _ = graph
    floors = floors_from_doc()
    missing = [m for m in modules if floor_of(m, floors) is None]
    assert not missing, ("modules not in the floors table of docs/architecture.md (add them "
                         f"where they belong): {missing}")


def test_no_module_imports_from_a_higher_floor(graph):
    modules, edges = graph
    floors = floors_from_doc()
    wrong = [f"{m} (floor {floor_of(m, floors)}) imports {d} (floor {floor_of(d, floors)})"
             for m, deps in edges.items() for d in sorted(deps)
             if (floor_of(m, floors) or 0) < (floor_of(d, floors) or 0)
             and not d.startswith(m + ".")]  # a package's __init__ re-exports its own modules
    assert not wrong, "imports from a higher floor:\n" + "\n".join(wrong)


def test_no_import_cycle_among_the_project_modules(graph):
    modules, edges = graph
    # A package's __init__ importing its own submodules is how it re-exports them, and a
    # submodule importing a sibling does not run the package's __init__ again: leave out the
    # edges from a package to its own submodules.
    edges = {m: {d for d in deps if not d.startswith(m + ".")} for m, deps in edges.items()}
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_library_never_imports_flask(graph):
    modules, _ = graph
    bad = []
    for m, p in modules.items():
        if m.startswith(SERVER):
            continue
        for node in ast.walk(ast.parse(p.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            bad += [f"{m}: {n}" for n in names if n.split(".")[0] in ("flask", "werkzeug")]
    assert not bad, f"amikg/ imports Flask: {bad}"


#: What only the store package may say in code: its concrete classes, the engine's own handle,
#: location syntax, and the labels of engine kinds compared in a condition.
ENGINE_NAMES = {"OxigraphStore", "RemoteStore", "VirtuosoStore", "PRESETS", "read_only"}
ENGINE_WORDS = re.compile(r"(?i)virtuoso|(?<!py)oxigraph|rocksdb|memory:|\w\+https?://")
KIND_LABELS = {"embedded", "memory", "remote", "virtuoso", "oxigraph", "fuseki", "graphdb"}


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def engine_mentions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Name) and node.id in ENGINE_NAMES:
            found.append(f"{where}: {node.id}")
        elif isinstance(node, ast.Attribute) and (node.attr in ENGINE_NAMES or (
                node.attr == "raw" and "store" in ast.unparse(node.value).lower()) or (
                node.attr == "Store" and ast.unparse(node.value) in ("ox", "pyoxigraph"))):
            found.append(f"{where}: {ast.unparse(node)}")
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] in ENGINE_NAMES:
            found.append(f"{where}: import {node.name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("amikg.store."):
            found.append(f"{where}: from {node.module} (use amikg.store's public names)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docs and ENGINE_WORDS.search(node.value):
            found.append(f"{where}: {node.value[:60]!r}")
        elif isinstance(node, ast.Compare):
            consts = [c.value for c in [node.left, *node.comparators]
                      if isinstance(c, ast.Constant) and isinstance(c.value, str)]
            attrs = [c.attr for c in [node.left, *node.comparators] if isinstance(c, ast.Attribute)]
            if {"kind", "flavour"} & set(attrs) and KIND_LABELS & set(consts):
                found.append(f"{where}: compares the store kind")
    return found


def test_only_the_store_package_knows_the_engine():
    files = [p for p in [*ROOT.joinpath("amikg").rglob("*.py"), *ROOT.joinpath("server").rglob("*.py")]
             if ROOT.joinpath("amikg", "store") not in p.parents]
    found = [hit for p in sorted(files) for hit in engine_mentions(p)]
    assert not found, ("engine knowledge outside amikg/store/ (ask the store for a capability "
                       "instead):\n" + "\n".join(found))


def test_no_module_is_over_about_500_lines_and_no_function_over_about_80(graph):
    modules, _ = graph
    long_modules = [f"{m}: {len(p.read_text().splitlines())}" for m, p in modules.items()
                    if len(p.read_text().splitlines()) > 550]
    long_functions = []
    for m, p in modules.items():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > 90:
                    long_functions.append(f"{m}.{node.name}: {n} lines")
    assert not long_modules, f"modules over ~500 lines: {long_modules}"
    assert not long_functions, f"functions over ~80 lines: {long_functions}"


def test_no_private_name_is_imported_from_another_module(graph):
    modules, _ = graph
    bad = []
    for m, p in modules.items():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom):
                bad += [f"{m}: from {'.' * node.level}{node.module or ''} import {a.name}"
                        for a in node.names if a.name.startswith("_") and a.name != "__version__"]
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)
