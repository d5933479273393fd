"""The package layout keeps its promises: no import cycles between the top-level packages (the layers and
forbidden imports themselves are import-linter contracts in pyproject.toml, run by ``lint-imports`` in CI)."""

from __future__ import annotations

import itertools
import re

import pytest

from conftest import REPO

grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("bildungsnetz", include_external_packages=False)


def _top_level(graph) -> list[str]:
    return sorted(m for m in graph.find_children("bildungsnetz"))


def test_no_two_top_level_packages_import_each_other(graph):
    cycles = []
    for a, b in itertools.combinations(_top_level(graph), 2):
        there = graph.find_shortest_chains(importer=a, imported=b, as_packages=True)
        back = graph.find_shortest_chains(importer=b, imported=a, as_packages=True)
        if there and back:
            cycles.append(f"{a} ⇄ {b}: {' -> '.join(sorted(there)[0])} / {' -> '.join(sorted(back)[0])}")
    assert not cycles, "\n".join(cycles)


def test_the_layers_contract_names_every_top_level_package(graph):
    # a new package that no layer names would be checked by nothing
    config = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    layers = config.split('id = "layers"', 1)[1].split("]", 1)[0]
    named = set(re.findall(r"bildungsnetz\.[A-Za-z_]+", layers))
    missing = {m for m in _top_level(graph) if m not in named and m != "bildungsnetz.__init__"}
    assert not missing, f"not in any layer of [tool.importlinter] 'layers': {sorted(missing)}"
