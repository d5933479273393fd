"""Generate the ontology documentation (docs/ontologie.md): a Mermaid class diagram and term tables."""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef

from bildungsnetz.namespace import BN, PREFIXES
from bildungsnetz.resources import ontology_file

__all__ = ["render", "main"]

NS = str(BN._NS)


def _curie(term: URIRef) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if str(term).startswith(ns):
            return f"{prefix}:{str(term)[len(ns) :]}"
    return f"<{term}>"


def _text(g: Graph, term: URIRef, prop: URIRef, lang: str) -> str:
    for o in g.objects(term, prop):
        if isinstance(o, Literal) and o.language == lang:
            return " ".join(str(o).split()).replace("|", "\\|")
    return ""


def _terms(g: Graph, kind: URIRef) -> list[URIRef]:
    return sorted((s for s in g.subjects(RDF.type, kind) if str(s).startswith(NS)), key=str)


def render(g: Graph | None = None) -> str:
    """The Markdown documentation of the ontology.

    >>> "bn:Akteur" in render()
    True
    """
    g = g or Graph().parse(ontology_file())
    onto = URIRef(NS.rstrip("#"))
    lines = [
        "# bildungsnetz-Ontologie / bildungsnetz ontology",
        "",
        "Generated from `ontology/bildungsnetz.ttl` by `python -m bildungsnetz.tools.ontodoc`; do not edit by hand.",
        "",
        f"Namespace `bn:` = `{NS}` · version {g.value(onto, OWL.versionInfo)} · "
        f"modified {g.value(onto, URIRef('http://purl.org/dc/terms/modified'))} · licence CC BY 4.0",
        "",
        "## Class diagram",
        "",
        "Solid arrows: subclass of (bn: classes and the W3C/schema.org classes they specialise). "
        "Labelled links: object properties between bn: classes (domain → range).",
        "",
        "```mermaid",
        "classDiagram",
        "    direction LR",
    ]
    classes = _terms(g, OWL.Class)

    def node(t: URIRef) -> str:
        return _curie(t).replace(":", "_").replace("-", "_")

    for c in classes:
        for sup in sorted(g.objects(c, RDFS.subClassOf), key=str):
            if isinstance(sup, URIRef):
                lines.append(f"    {node(sup)} <|-- {node(c)}")
    for p in _terms(g, OWL.ObjectProperty):
        dom, rng = g.value(p, RDFS.domain), g.value(p, RDFS.range)
        if isinstance(dom, URIRef) and isinstance(rng, URIRef) and str(dom).startswith(NS) and str(rng).startswith(NS):
            lines.append(f"    {node(dom)} --> {node(rng)} : {_curie(p)}")
    lines += ["```", ""]
    for title, kind in (
        ("Classes", OWL.Class),
        ("Object properties", OWL.ObjectProperty),
        ("Datatype properties", OWL.DatatypeProperty),
    ):
        lines += [f"## {title}", ""]
        if kind == OWL.Class:
            lines += ["| term | Deutsch | English | subclass of | Beschreibung |", "| --- | --- | --- | --- | --- |"]
        else:
            lines += ["| term | Deutsch | English | domain → range | Beschreibung |", "| --- | --- | --- | --- | --- |"]
        for t in _terms(g, kind):
            if kind == OWL.Class:
                rel = ", ".join(_curie(s) for s in sorted(g.objects(t, RDFS.subClassOf), key=str))
            else:
                dom, rng = g.value(t, RDFS.domain), g.value(t, RDFS.range)
                rel = f"{_curie(dom) if dom else '–'} → {_curie(rng) if rng else '–'}"
            lines.append(
                f"| `{_curie(t)}` | {_text(g, t, RDFS.label, 'de')} | {_text(g, t, RDFS.label, 'en')} | {rel} | "
                f"{_text(g, t, RDFS.comment, 'de')} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write docs/ontologie.md (or the path given)."""
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else Path(__file__).resolve().parents[3] / "docs" / "ontologie.md"
    target.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
