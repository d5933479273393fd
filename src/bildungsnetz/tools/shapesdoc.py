"""Generate the table of validation rules (docs/shapes.md) from ``shapes/*.ttl``.

Run ``python -m bildungsnetz.tools.shapesdoc`` after changing a shape; a test keeps the file
current.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import RDF, SH, Graph
from rdflib.term import Node

from bildungsnetz.validate.report import compact, compact_path
from bildungsnetz.validate.shacl import load_shapes, path_text

__all__ = ["main", "shapes_markdown"]

_SEVERITY_DE = {"Violation": "Verstoß", "Warning": "Warnung", "Info": "Hinweis"}


def shapes_markdown() -> str:
    """The table of shapes for ``docs/shapes.md``: targets, fields, severity and German message."""
    sg = load_shapes()
    lines = [
        "# Prüfregeln (SHACL-Formen) / validation rules",
        "",
        "Generiert aus `shapes/*.ttl` mit `python -m bildungsnetz.tools.shapesdoc`; ein Test hält die Datei "
        "aktuell. Schweregrad: **Verstoß** (Violation) verhindert den Import, **Warnung** (Warning) schwächt "
        "Auswertungen, **Hinweis** (Info) wäre schön.",
        "",
        "Generated from `shapes/*.ttl`; a test keeps this file current. English messages are in the shapes.",
    ]
    node_shapes = sorted(set(sg.subjects(RDF.type, SH.NodeShape)), key=str)
    for shape in node_shapes:
        lines += ["", f"## {compact(str(shape))}", "", f"Ziel / target: {_targets(sg, shape)}", ""]
        lines.append(f"{_message(sg, shape)}")
        props = sorted(sg.objects(shape, SH.property), key=str)
        if not props:
            continue
        lines += ["", "| Form | Feld | Schweregrad | Meldung |", "| --- | --- | --- | --- |"]
        for prop in props:
            severity = str(sg.value(prop, SH.severity) or SH.Violation).rsplit("#", 1)[-1]
            path = compact_path(path_text(sg, sg.value(prop, SH.path)))
            lines.append(
                f"| {compact(str(prop))} | `{path}` | {_SEVERITY_DE[severity]} | {_message(sg, prop)} |"
            )
    return "\n".join(lines) + "\n"


def _message(sg: Graph, shape: Node) -> str:
    return next((str(m) for m in sg.objects(shape, SH.message) if getattr(m, "language", None) == "de"), "")


def _targets(sg: Graph, shape: Node) -> str:
    parts = [f"Klasse `{compact(str(c))}`" for c in sg.objects(shape, SH.targetClass)]
    parts += [f"Objekte von `{compact(str(p))}`" for p in sg.objects(shape, SH.targetObjectsOf)]
    parts += [f"Subjekte von `{compact(str(p))}`" for p in sg.objects(shape, SH.targetSubjectsOf)]
    parts += [f"SPARQL-Ziel `{compact(str(t))}`" for t in sg.objects(shape, SH.target)]
    return ", ".join(parts) or "keines (nur über andere Formen) / none (used by other shapes)"


def main(argv: list[str] | None = None) -> int:
    """Write docs/shapes.md (or the path given)."""
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else Path(__file__).resolve().parents[3] / "docs" / "shapes.md"
    target.write_text(shapes_markdown(), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
