"""The layout reads as the flow: each floor imports only the floors below it, with no circles.

The floors (docs/architecture.md) are kept by import-linter's layers contract in
``.importlinter``; circles among modules are found here from the same import graph (grimp),
lazy imports inside functions included.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from tests.conftest import REPO

PACKAGE = REPO / "forecast"
FLOORS = ["testing", "cli", "api", "pipeline", "report", "outputs", "planning", "evidence",
          "models", "engine", "data", "common"]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_hand_made_circle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    graph = grimp.build_graph("forecast")
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert cycles(edges) == []


def test_floors_kept_by_import_linter():
    command = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run([command], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_contract_lists_every_floor_and_ignores_nothing():
    contract = (REPO / ".importlinter").read_text(encoding="utf-8")
    listed = [line.strip().removeprefix("forecast.") for line in contract.splitlines()
              if line.startswith("    forecast.")]
    assert listed == FLOORS
    assert "ignore_imports" not in contract


@pytest.mark.parametrize("floor", FLOORS)
def test_each_floor_exists(floor):
    assert (PACKAGE / floor).is_dir() or (PACKAGE / f"{floor}.py").is_file()


def test_top_folder_holds_few_modules_besides_the_floors():
    entries = [p for p in PACKAGE.iterdir() if p.name not in {"__pycache__", "_shipped"}
               and not (p.is_dir() and (p / "__init__.py").is_file())]
    assert len(entries) <= 8, sorted(p.name for p in entries)
