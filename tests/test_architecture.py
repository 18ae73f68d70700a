"""The shape of the code: imports point one way, no package's modules import each other in a
circle, no module grows past 800 lines, and the pipeline stays pure.

Imports are read with ``ast`` from the source files, function-level (lazy) imports included,
so the rules hold for every path through the code, not only for what a test happens to import.
See docs/architecture.md for the picture these rules draw.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("spiders", "pipeline", "storage", "scheduler", "newsmon")
MAX_LINES = 800
MAX_PIPELINE_ROOT_MODULES = 12

# Each room and the rooms of this project it may import (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "pipeline": set(),
    "storage": set(),
    "spiders": {"pipeline"},
    "newsmon.settings": set(),
    "newsmon.processes": set(),
    "newsmon.sample_sites": set(),
    "newsmon.services": {"pipeline", "storage", "spiders", "newsmon.settings"},
    "newsmon.crawl": {
        "pipeline",
        "storage",
        "spiders",
        "newsmon.settings",
        "newsmon.processes",
        "newsmon.services",
    },
    "newsmon.web": {"pipeline", "storage", "newsmon.settings", "newsmon.services"},
    "scheduler": {"pipeline", "storage", "newsmon.settings", "newsmon.processes", "newsmon.services"},
    "newsmon.cli": {
        "pipeline",
        "storage",
        "spiders",
        "scheduler",
        "newsmon.settings",
        "newsmon.processes",
        "newsmon.services",
        "newsmon.crawl",
        "newsmon.web",
        "newsmon.sample_sites",
    },
    "newsmon": {"newsmon.cli"},  # newsmon/__init__.py, newsmon/__main__.py
}
# Third-party libraries a room must not use: the pipeline knows no crawler and no database.
FORBIDDEN_LIBRARIES = {
    "pipeline": {"scrapy", "twisted", "sqlalchemy", "alembic", "fastapi", "click", "redis", "scrapy_redis"},
    "storage": {"scrapy", "twisted", "fastapi", "click", "redis"},
    "spiders": {"sqlalchemy", "fastapi", "click"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_files() -> list[Path]:
    files = [ROOT / "scheduler.py"]
    for package in ("spiders", "pipeline", "storage", "newsmon"):
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def imports_of(path: Path, here: str | None = None) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = here or module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from package import module`` imports the module too
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def room_of(module: str) -> str | None:
    """The most specific room a module belongs to."""
    best = None
    for room in ALLOWED:
        if (module == room or module.startswith(room + ".")) and (best is None or len(room) > len(best)):
            best = room
    return best


PROJECT_MODULES = {module_name(p) for p in project_files()}


def resolve(target: str) -> str | None:
    """The project module an import names (``pipeline.fields.extract_fields`` -> ``pipeline.fields``)."""
    while target:
        if target in PROJECT_MODULES:
            return target
        target = target.rpartition(".")[0]
    return None


def edges() -> list[tuple[Path, int, str, str]]:
    out: set[tuple[Path, int, str, str]] = set()
    for path in project_files():
        here = module_name(path)
        for line, target in imports_of(path):
            resolved = resolve(target)
            if resolved and resolved != here:
                out.add((path, line, here, resolved))
    return sorted(out)


def test_every_module_is_in_a_room() -> None:
    assert not [m for m in PROJECT_MODULES if room_of(m) is None]


def wrong_way(found: list[tuple[Path, int, str, str]]) -> list[str]:
    wrong = []
    for path, line, here, target in found:
        mine, theirs = room_of(here), room_of(target)
        if mine == theirs or theirs is None or mine is None:
            continue
        if theirs not in ALLOWED[mine]:
            wrong.append(f"{path.name}:{line}: {here} ({mine}) imports {target} ({theirs})")
    return wrong


def test_imports_point_one_way() -> None:
    wrong = wrong_way(edges())
    assert not wrong, "imports pointing the wrong way:\n" + "\n".join(wrong)


@pytest.mark.parametrize("room", sorted(FORBIDDEN_LIBRARIES))
def test_rooms_do_not_use_forbidden_libraries(room: str) -> None:
    wrong = []
    for path in project_files():
        if room_of(module_name(path)) != room:
            continue
        for line, target in imports_of(path):
            if target.split(".")[0] in FORBIDDEN_LIBRARIES[room]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {target}")
    assert not wrong, f"{room} must not use these libraries:\n" + "\n".join(wrong)


def test_no_import_cycles() -> None:
    """No two modules import each other, directly or round a longer circle (Tarjan's SCC)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for _path, _line, here, target in edges():
        # a package's __init__ re-exporting its modules is not a cycle with them
        if not target.startswith(here + "."):
            graph[here].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(PROJECT_MODULES):
        if v not in index:
            visit(v)
    assert not cycles, f"modules importing each other: {cycles}"


def test_no_module_over_800_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in project_files()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these modules (over {MAX_LINES} lines): {long}"


def test_cli_modules_stay_thin() -> None:
    long = {
        p.name: n
        for p in (ROOT / "newsmon" / "cli").glob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) >= 400
    }
    assert not long, f"CLI modules are thin (under 400 lines): {long}"


def test_pipeline_root_is_small() -> None:
    modules = [p.name for p in (ROOT / "pipeline").glob("*.py") if p.name != "__init__.py"]
    assert len(modules) <= MAX_PIPELINE_ROOT_MODULES, modules


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    """The checker itself: a pipeline module importing storage, or the CLI, is caught."""
    probe = tmp_path / "probe.py"
    probe.write_text("from storage.models import Article\n\ndef f():\n    from newsmon.cli import main\n")
    found = sorted(
        {
            (probe, line, "pipeline.probe", resolved)
            for line, target in imports_of(probe, "pipeline.probe")
            if (resolved := resolve(target))
        }
    )
    assert {t for *_, t in found} == {"storage.models", "newsmon.cli"}
    assert len(wrong_way(found)) == 2
    assert wrong_way([(probe, 1, "newsmon.cli.app", "storage.models")]) == []
