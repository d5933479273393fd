"""Build the SDG vocabulary ``ontology/vokabulare/sdg.ttl`` from the UN SDG KOS and Open SDG's translations.

The other vocabularies are written by hand; the 17 goals and 169 targets are too many and too official
to retype, so this one-off build step derives them from three published files:

* ``un_sdg_kos_goals_targets_indicators.ttl``: the UN Statistics Division's SDG Knowledge Organization
  System (IRIs ``http://metadata.un.org/sdg/4.7``, English texts and short goal titles);
* ``opensdg_de_global_goals.yml`` and ``opensdg_de_global_targets.yml``: the German goal and target texts
  of the Open SDG translation project.

They are read from the ``data/vokabulare`` folder of the team's shared folder. Regenerate with::

    python -m bildungsnetz.tools.vocab_build [--shared ../shared] [--output ontology/vokabulare/sdg.ttl]

A test rebuilds the graph and checks that it is isomorphic to the committed file.
"""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from rdflib import RDF, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from bildungsnetz.namespace import BN, VOCAB
from bildungsnetz.resources import data_dir
from bildungsnetz.vocab import notation_key

__all__ = [
    "UN_SDG", "SDG_SCHEME", "build_sdg_vocabulary", "parse_simple_yaml", "to_turtle", "main",
]

log = logging.getLogger(__name__)

#: Namespace of the UN SDG KOS.
UN_SDG = Namespace("http://metadata.un.org/sdg/")
_SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
#: The scheme IRI of the team's SDG vocabulary.
SDG_SCHEME = VOCAB["sdg"]

_UN_FILE = "un_sdg_kos_goals_targets_indicators.ttl"
_GOALS_FILE = "opensdg_de_global_goals.yml"
_TARGETS_FILE = "opensdg_de_global_targets.yml"
_CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
_MODIFIED = "2026-11-23"
# Not rdflib's XSD namespace object: pytest's doctest collection probes module globals, and XSD warns.
_XSD = "http://www.w3.org/2001/XMLSchema#"

_KEY_LINE = re.compile(r"^([^\s#][^:]*):(?:\s+(.*))?$")
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
            "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0"}
_HEX_LENGTH = {"x": 2, "u": 4, "U": 8}


def parse_simple_yaml(text: str) -> dict[str, str]:
    """Read a flat YAML mapping of ``key: value`` lines whose values are strings.

    Enough YAML for the Open SDG translation files, without a YAML dependency for a one-off build
    step: plain, single-quoted and double-quoted scalars that may wrap onto indented continuation
    lines (folded into one line), with the escapes of double-quoted scalars. Anything else (block
    scalars, nested mappings, lists) raises ``ValueError`` instead of being misread.

    Parameters
    ----------
    text : str
        The file's content.

    Returns
    -------
    dict of str to str
        The mapping, in file order.

    Examples
    --------
    >>> parse_simple_yaml("4-short: Hochwertige Bildung\\n4-title: Inklusive Bildung\\n  für alle\\n")
    {'4-short': 'Hochwertige Bildung', '4-title': 'Inklusive Bildung für alle'}
    >>> parse_simple_yaml("a: 'It''s'\\nb: \\"x\\\\\\n  \\\\ y \\\\x84z\\\\x93\\"\\n")
    {'a': "It's", 'b': 'x y „z“'}
    """
    entries: list[tuple[str, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t":
            if not entries:
                raise ValueError(f"line {number}: continuation line before the first key")
            entries[-1][1].append(line)
            continue
        match = _KEY_LINE.match(line)
        if not match or not match.group(2):
            raise ValueError(f"line {number}: not a 'key: value' line: {line!r}")
        entries.append((match.group(1).strip(), [match.group(2)]))
    return {key: _scalar(lines, key) for key, lines in entries}


def _scalar(lines: list[str], key: str) -> str:
    first = lines[0].lstrip()
    raw = "\n".join([first, *lines[1:]]).rstrip()
    if first[0] in "|>[{&*!%@`":
        raise ValueError(f"{key}: unsupported YAML construct {first[0]!r}")
    if first[0] == "'":
        if not raw.endswith("'"):
            raise ValueError(f"{key}: unterminated single-quoted value")
        return _fold(raw[1:-1]).replace("''", "'")
    if first[0] == '"':
        if not raw.endswith('"'):
            raise ValueError(f"{key}: unterminated double-quoted value")
        return _fix_cp1252(_double_quoted(raw[1:-1], key))
    return _fold(raw)


def _fold(raw: str) -> str:
    """Fold a multi-line flow scalar: each line break and the indentation around it become one space."""
    return " ".join(part.strip() for part in raw.split("\n"))


def _double_quoted(raw: str, key: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "\\":
            code = raw[i + 1]
            if code == "\n":  # escaped line break: join without a space, drop the next line's indentation
                i += 2
                while i < len(raw) and raw[i] in " \t":
                    i += 1
                continue
            if code in _HEX_LENGTH:
                width = _HEX_LENGTH[code]
                out.append(chr(int(raw[i + 2 : i + 2 + width], 16)))
                i += 2 + width
                continue
            if code not in _ESCAPES:
                raise ValueError(f"{key}: unknown escape \\{code}")
            out.append(_ESCAPES[code])
            i += 2
        elif char == "\n":  # folded line break: one space
            while out and out[-1] in " \t":
                out.pop()
            out.append(" ")
            i += 1
            while i < len(raw) and raw[i] in " \t":
                i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _fix_cp1252(text: str) -> str:
    # The German 14.c text escapes its quotation marks as \x84 and \x93: Windows-1252 bytes written as
    # code points. C1 control characters never belong in a title, so read them as Windows-1252.
    return "".join(bytes([ord(c)]).decode("cp1252") if 0x80 <= ord(c) <= 0x9F else c for c in text)


def _clean(text: str) -> str:
    """Tidy a title: single spaces, a space after a comma before a word (the UN file has "By 2030,halve")."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r",(?=[^\s\d])", ", ", text)


def _un_text(un: Graph, node: URIRef, predicate: URIRef) -> str:
    texts = [str(o) for o in un.objects(node, predicate) if isinstance(o, Literal) and o.language == "en"]
    if not texts:
        raise ValueError(f"{node}: no English {predicate} in the UN SDG KOS")
    if len(texts) > 1:  # 12.3 carries a truncated duplicate ("By 2030,d"); the full text is the longest
        log.info("%s has %d English labels; using the longest", node, len(texts))
    return _clean(max(texts, key=len))


def _un_code(un: Graph, node: URIRef) -> str:
    for notation in un.objects(node, SKOS.notation):
        if isinstance(notation, Literal) and notation.datatype == _SDGO.SDGCodeCompact:
            return str(notation)
    raise ValueError(f"{node}: no compact SDG code in the UN SDG KOS")


def build_sdg_vocabulary(shared: Path) -> Graph:
    """Build the SDG vocabulary graph from the published files in the shared folder.

    Each goal ``bnv:sdg/4`` is a ``bn:SDG`` with the short German (Open SDG) and English (UN) title as
    ``skos:prefLabel`` and the full goal text as ``skos:definition``; each target ``bnv:sdg/4.7`` is a
    ``bn:SDGUnterziel`` with ``skos:broader`` its goal, a short label "Unterziel 4.7 (Hochwertige
    Bildung)" and the full target text as definition. Every concept has ``skos:notation`` (the UN code)
    and ``skos:exactMatch`` to its UN SDG KOS IRI.

    Parameters
    ----------
    shared : Path
        The team's shared folder; the inputs are read from ``shared/data/vokabulare``.

    Returns
    -------
    rdflib.Graph
        The vocabulary: one concept scheme, 17 goals, 169 targets.

    Raises
    ------
    ValueError
        If the inputs disagree (a target without German text, a goal without a short title, ...).
    """
    folder = Path(shared) / "data" / "vokabulare"
    un = Graph().parse(folder / _UN_FILE, format="turtle")
    goals_de = parse_simple_yaml((folder / _GOALS_FILE).read_text(encoding="utf-8"))
    targets_de = parse_simple_yaml((folder / _TARGETS_FILE).read_text(encoding="utf-8"))

    g = Graph()
    g.bind("bn", BN._NS)
    g.bind("skos", SKOS)
    g.bind("dcterms", DCTERMS)
    _add_scheme(g)

    goal_codes = sorted((_un_code(un, node) for node in un.subjects(RDF.type, _SDGO.Goal)), key=notation_key)
    if goal_codes != [str(n) for n in range(1, 18)]:
        raise ValueError(f"expected goals 1..17 in the UN SDG KOS, found {goal_codes}")
    short_en: dict[str, str] = {}
    for code in goal_codes:
        node = UN_SDG[code]
        short_en[code] = _un_text(un, node, SKOS.altLabel)
        short_de = _german(goals_de, f"{code}-short")
        concept = VOCAB[f"sdg/{code}"]
        _add_concept(g, concept, BN.SDG, code, node)
        g.add((concept, SKOS.prefLabel, Literal(short_de, lang="de")))
        g.add((concept, SKOS.prefLabel, Literal(short_en[code], lang="en")))
        g.add((concept, SKOS.definition, Literal(_german(goals_de, f"{code}-title"), lang="de")))
        g.add((concept, SKOS.definition, Literal(_un_text(un, node, SKOS.prefLabel), lang="en")))
        g.add((concept, SKOS.topConceptOf, SDG_SCHEME))
        g.add((SDG_SCHEME, SKOS.hasTopConcept, concept))

    for node in un.subjects(RDF.type, _SDGO.Target):
        code = _un_code(un, node)
        goal = code.split(".")[0]
        goal_de = _german(goals_de, f"{goal}-short")
        concept = VOCAB[f"sdg/{code}"]
        _add_concept(g, concept, BN.SDGUnterziel, code, node)
        g.add((concept, SKOS.broader, VOCAB[f"sdg/{goal}"]))
        g.add((concept, SKOS.prefLabel, Literal(f"Unterziel {code} ({goal_de})", lang="de")))
        g.add((concept, SKOS.prefLabel, Literal(f"Target {code} ({short_en[goal]})", lang="en")))
        # Open SDG keys target 4.7 as "4-7-title".
        text_de = _german(targets_de, f"{code.replace('.', '-')}-title")
        g.add((concept, SKOS.definition, Literal(text_de, lang="de")))
        g.add((concept, SKOS.definition, Literal(_un_text(un, node, SKOS.prefLabel), lang="en")))
    return g


def _german(texts: dict[str, str], key: str) -> str:
    if key not in texts:
        raise ValueError(f"no German text {key!r} in the Open SDG translations")
    return _clean(texts[key])


def _add_scheme(g: Graph) -> None:
    g.add((SDG_SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((SDG_SCHEME, DCTERMS.title, Literal("Ziele für nachhaltige Entwicklung (SDGs)", lang="de")))
    g.add((SDG_SCHEME, DCTERMS.title, Literal("Sustainable Development Goals (SDGs)", lang="en")))
    g.add((SDG_SCHEME, DCTERMS.description, Literal(
        "Die 17 Ziele und 169 Unterziele der Agenda 2030 der Vereinten Nationen. Englische Texte und IRIs "
        "aus dem SDG Knowledge Organization System der UN-Statistikabteilung, deutsche Texte aus den "
        "Übersetzungen des Projekts Open SDG.", lang="de")))
    g.add((SDG_SCHEME, DCTERMS.description, Literal(
        "The 17 goals and 169 targets of the United Nations 2030 Agenda. English texts and IRIs from the "
        "UN Statistics Division's SDG Knowledge Organization System, German texts from the Open SDG "
        "translations.", lang="en")))
    g.add((SDG_SCHEME, DCTERMS.source, URIRef("http://metadata.un.org/sdg")))
    g.add((SDG_SCHEME, DCTERMS.source, URIRef("https://github.com/open-sdg/sdg-translations")))
    g.add((SDG_SCHEME, DCTERMS.creator, Literal("bildungsnetz team")))
    g.add((SDG_SCHEME, DCTERMS.modified, Literal(_MODIFIED, datatype=URIRef(_XSD + "date"))))
    g.add((SDG_SCHEME, DCTERMS.license, _CC_BY))


def _add_concept(g: Graph, concept: URIRef, cls: URIRef, code: str, un_node: URIRef) -> None:
    g.add((concept, RDF.type, SKOS.Concept))
    g.add((concept, RDF.type, cls))
    g.add((concept, SKOS.inScheme, SDG_SCHEME))
    g.add((concept, SKOS.notation, Literal(code)))
    g.add((concept, SKOS.exactMatch, un_node))


# -- Turtle output -------------------------------------------------------------

_HEADER = """\
# SDG vocabulary: the 17 Sustainable Development Goals and their 169 targets.
#
# GENERATED FILE, do not edit by hand. Generated by src/bildungsnetz/tools/vocab_build.py from
#   - the UN Statistics Division's SDG Knowledge Organization System (http://metadata.un.org/sdg/):
#     IRIs, codes, English goal and target texts, English short goal titles;
#   - the German translations of the Open SDG project (github.com/open-sdg/sdg-translations,
#     translations/de/global_goals.yml and global_targets.yml): German texts and short goal titles.
# Regenerate with:  python -m bildungsnetz.tools.vocab_build --shared ../shared
# tests/test_vocab.py rebuilds the graph and checks that it equals this file.

"""

_PREFIXES = {
    "bn": str(BN._NS),
    "bnv": str(VOCAB),
    "sdg": str(VOCAB) + "sdg/",
    "unsdg": str(UN_SDG),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "xsd": _XSD,
}

# Predicates in the order a reader expects them; anything else follows, sorted.
_ORDER = [RDF.type, SKOS.inScheme, SKOS.topConceptOf, SKOS.broader, SKOS.notation, SKOS.prefLabel,
          SKOS.definition, SKOS.exactMatch, DCTERMS.title, DCTERMS.description, DCTERMS.source,
          DCTERMS.creator, DCTERMS.modified, DCTERMS.license, SKOS.hasTopConcept]


_LOCAL_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")


def _term(term: URIRef | Literal) -> str:
    if isinstance(term, Literal):
        if term.datatype is not None:
            return f"{Literal(str(term)).n3()}^^{_term(term.datatype)}"
        return term.n3()
    for prefix, base in sorted(_PREFIXES.items(), key=lambda item: -len(item[1])):
        if str(term).startswith(base) and _LOCAL_NAME.fullmatch(str(term)[len(base) :]):
            return f"{prefix}:{str(term)[len(base):]}"
    return term.n3()


def _object_key(term: URIRef | Literal) -> tuple:
    if isinstance(term, Literal):
        return (1, term.language or "", str(term))
    base, _, code = str(term).rpartition("/")
    return (0, base, notation_key(code) if re.fullmatch(r"\d+(\.\w+)?", code) else (), str(term))


def _block(g: Graph, subject: URIRef) -> Iterator[str]:
    """One subject with its predicates in reading order; long objects each on a line of their own."""
    predicates = sorted(set(g.predicates(subject)), key=lambda p: (_ORDER.index(p) if p in _ORDER else 99, p))
    for n, predicate in enumerate(predicates):
        objects = [_term(o) for o in sorted(g.objects(subject, predicate), key=_object_key)]
        name = "a" if predicate == RDF.type else _term(predicate)
        end = " ." if n == len(predicates) - 1 else " ;"
        lead = f"{_term(subject)} " if n == 0 else "    "
        one_line = f"{lead}{name} " + " , ".join(objects) + end
        if len(one_line) <= 110:
            yield one_line
        else:
            yield f"{lead}{name} " + " ,\n        ".join(objects) + end


def to_turtle(g: Graph) -> str:
    """Serialise the SDG vocabulary as stable, readable Turtle: scheme, then goals and targets in UN order.

    rdflib's serialiser orders subjects by IRI (``sdg/10`` before ``sdg/2``) and changes layout between
    versions; a file the team reviews in diffs needs a fixed order.
    """
    lines = [_HEADER.rstrip("\n"), ""]
    lines += [f"@prefix {prefix}: <{base}> ." for prefix, base in _PREFIXES.items()]
    lines += ["", "# -- Scheme ".ljust(80, "-"), "", *_block(g, SDG_SCHEME), ""]
    concepts = g.subjects(SKOS.inScheme, SDG_SCHEME)
    codes = sorted((str(concept).rpartition("/")[2] for concept in concepts), key=notation_key)
    for code in codes:
        if "." not in code:
            lines += [f"# -- Goal {code} ".ljust(80, "-"), ""]
        lines += [*_block(g, VOCAB[f"sdg/{code}"]), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: build the SDG vocabulary and write it as Turtle."""
    parser = argparse.ArgumentParser(prog="python -m bildungsnetz.tools.vocab_build",
                                     description=__doc__.splitlines()[0])
    repo = data_dir("ontology").parent
    parser.add_argument("--shared", type=Path, default=repo.parent / "shared",
                        help="the team's shared folder (default: ../shared beside the repository)")
    parser.add_argument("--output", type=Path, default=data_dir("ontology") / "vokabulare" / "sdg.ttl",
                        help="where to write the Turtle file (default: ontology/vokabulare/sdg.ttl)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    graph = build_sdg_vocabulary(args.shared)
    args.output.write_text(to_turtle(graph), encoding="utf-8")
    log.info("wrote %d triples to %s", len(graph), args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
