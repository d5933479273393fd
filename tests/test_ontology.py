"""The ontology: every term documented in German and English, nothing used that it does not declare."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from bildungsnetz.namespace import BN, ONTOLOGY_IRI
from bildungsnetz.resources import ontology_file

REPO = Path(__file__).resolve().parents[1]
NS = str(BN._NS)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_file())


def declared(ontology: Graph) -> set[str]:
    return {str(s)[len(NS) :] for s in ontology.subjects(RDF.type, None) if str(s).startswith(NS)}


def test_ontology_parses_strictly_with_oxigraph():
    with ontology_file().open("rb") as fh:
        assert sum(1 for _ in ox.parse(fh, ox.RdfFormat.TURTLE)) > 500


def test_header_has_version_licence_title_and_modified_date(ontology):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) is not None
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.modified) is not None
    langs = {t.language for t in ontology.objects(ONTOLOGY_IRI, DCTERMS.title)}
    assert langs == {"de", "en"}
    assert not list(ontology.objects(None, OWL.imports)), (
        "owl:imports would make readers fetch over the network"
    )


def test_every_term_has_german_and_english_label_comment_and_is_defined_by(ontology):
    problems = []
    for name in sorted(declared(ontology)):
        term = URIRef(NS + name)
        for prop in (RDFS.label, RDFS.comment):
            langs = {o.language for o in ontology.objects(term, prop) if isinstance(o, Literal)}
            if not {"de", "en"} <= langs:
                problems.append(f"bn:{name} lacks {prop.n3(ontology.namespace_manager)} @de/@en")
        if (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology:
            problems.append(f"bn:{name} lacks rdfs:isDefinedBy")
    assert not problems, "\n".join(problems)


def test_every_class_and_property_reuses_or_specialises_something(ontology):
    # Classes subclass a W3C/schema.org class or another bn class; nothing floats alone.
    lonely = [
        str(c)
        for c in ontology.subjects(RDF.type, OWL.Class)
        if str(c).startswith(NS) and ontology.value(c, RDFS.subClassOf) is None
    ]
    assert not lonely


def test_namespace_class_lists_exactly_the_ontology_terms(ontology):
    in_code = set(BN.__annotations__)
    assert in_code == declared(ontology)


def test_closed_namespace_rejects_a_misspelt_term():
    with pytest.raises(AttributeError):
        _ = BN.Kooperatoin


def test_core_classes_align_with_w3c_org():
    g = Graph().parse(ontology_file())
    org = "http://www.w3.org/ns/org#"
    assert (BN.Akteur, RDFS.subClassOf, URIRef(org + "Organization")) in g
    assert (BN.Standort, RDFS.subClassOf, URIRef(org + "Site")) in g
    assert (BN.partner, RDFS.subPropertyOf, URIRef(org + "hasMember")) in g


BN_TERM = re.compile(r"(?:\bbn:|ontology#|\bBN\.)([A-Za-z][A-Za-z0-9_]*)")


def used_terms() -> dict[str, set[str]]:
    """bn: terms used in shapes, queries, vocabularies, docs examples and code."""
    files = [
        *REPO.glob("shapes/**/*.ttl"),
        *REPO.glob("queries/**/*.rq"),
        *REPO.glob("ontology/vokabulare/*.ttl"),
        *REPO.glob("docs/*.trig"),
        *REPO.glob("src/bildungsnetz/**/*.py"),
        *REPO.glob("tests/data/**/*.ttl"),
        *REPO.glob("tests/data/**/*.trig"),
    ]
    found: dict[str, set[str]] = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        for m in BN_TERM.finditer(text):
            term = m.group(1)
            if term.startswith("_"):
                continue
            found.setdefault(term, set()).add(str(path.relative_to(REPO)))
    return found


def test_no_undeclared_bn_term_is_used_anywhere(ontology):
    known = declared(ontology)
    # 'NS' is BN._NS in code, not a term.
    undeclared = {t: sorted(paths) for t, paths in used_terms().items() if t not in known and t != "NS"}
    assert not undeclared, f"undeclared bn: terms: {undeclared}"


def test_generated_ontology_documentation_is_up_to_date():
    from bildungsnetz.tools.ontodoc import render

    doc = (REPO / "docs" / "ontologie.md").read_text(encoding="utf-8")
    assert doc == render(), "run: python -m bildungsnetz.tools.ontodoc"
