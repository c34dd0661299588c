"""sandex has no import cycles: none between modules, and none between the sibling packages of any
package (e.g. `services/trading` <-> `services/funding`), `TYPE_CHECKING` imports included.

A cycle hidden behind `TYPE_CHECKING` still means two modules that cannot be understood, tested or
moved apart, so it counts. grimp (installed with import-linter) reads those imports too.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from pathlib import Path

import grimp
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("sandex", exclude_type_checking_imports=False, cache_dir=None)


def graph_of(edges: Mapping[str, Set[str]]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in edges.items():
        graph.add_module(importer)
        for target in imported:
            graph.add_import(importer=importer, imported=target)
    return graph


def cycles(graph: grimp.ImportGraph) -> list[str]:
    """Every shortest loop through a direct import, once each, as `a -> b -> ... -> a` from its
    smallest name."""
    loops: set[tuple[str, ...]] = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                loop = (importer, *back[:-1])
                first = loop.index(min(loop))
                loops.add(loop[first:] + loop[:first])
    return sorted(" -> ".join((*loop, loop[0])) for loop in loops)


def sibling_graph(graph: grimp.ImportGraph, package: str) -> grimp.ImportGraph:
    """Imports between the children of `package`, each child standing for everything below it."""
    children = graph.find_children(package)

    def child_of(module: str) -> str | None:
        owner = ".".join(module.split(".")[: package.count(".") + 2])
        return owner if owner in children else None

    edges: dict[str, set[str]] = {child: set() for child in children}
    for module in graph.modules:
        source = child_of(module)
        if source is None:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = child_of(imported)
            if target is not None and target != source:
                edges[source].add(target)
    return graph_of(edges)


def test_cycle_finder_names_the_loop() -> None:
    assert cycles(graph_of({"b": {"c"}, "c": {"a", "d"}, "a": {"b"}, "d": set()})) == ["a -> b -> c -> a"]
    assert cycles(graph_of({"a": {"b"}, "b": set()})) == []


def test_a_type_checking_import_closes_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "book.py").write_text("from cyclic.order import Order\n")
    (package / "order.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cyclic.book import Level\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("cyclic", exclude_type_checking_imports=False, cache_dir=None)
    assert cycles(graph) == ["cyclic.book -> cyclic.order -> cyclic.book"]
    assert cycles(sibling_graph(graph, "cyclic")) == ["cyclic.book -> cyclic.order -> cyclic.book"]


def test_no_module_import_cycles(graph: grimp.ImportGraph) -> None:
    assert cycles(graph) == []


def test_no_cycles_between_sibling_packages(graph: grimp.ImportGraph) -> None:
    packages = sorted(m for m in graph.modules if graph.find_children(m))
    assert "sandex.services" in packages and "sandex.domain" in packages
    found = {p: c for p in packages if (c := cycles(sibling_graph(graph, p)))}
    assert found == {}
