"""The landscape: one derived graph that shows each described thing once, whatever number of sources describe it.

Each source keeps its statements in its own graphs (``graph/quelle/<name>``, ``graph/privat/<name>``). Reading
their union repeats a thing once per source and shows every source's spelling; the landscape
(``graph/landschaft``, contact persons in ``graph/privat/_landschaft``) holds, per subject, one value for each
single-valued property (chosen by the precedence in ``ontology/rangfolge.toml``) and the union of the rest.
Both stores keep it up to date in every write that touches a source, for the subjects that write touched.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox

from bildungsnetz.errors import UsageError
from bildungsnetz.iris import DEFAULT_BASE
from bildungsnetz.resources import data_dir, ontology_file, shapes_files

__all__ = ["Landscape", "Precedence", "SourceInfo", "VIEW", "PRIVATE_VIEW"]

#: The landscape's graphs under ``graph/``. ``_landschaft`` can never be a source's name (a source name starts
#: with a letter or digit), so the private view is no source, and the API's hiding of ``graph/privat/`` covers it.
VIEW, PRIVATE_VIEW = "landschaft", "privat/_landschaft"
_SH = "http://www.w3.org/ns/shacl#"
_PROV_ENDED = "http://www.w3.org/ns/prov#endedAtTime"
_PROV_USED = "http://www.w3.org/ns/prov#used"
_DCT_FORMAT = "http://purl.org/dc/terms/format"
#: Labels: one per language in the landscape, whatever the shapes say.
_LABELS = frozenset({"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel"})


@dataclass(frozen=True)
class SourceInfo:
    """What precedence knows of a source: the formats of its files and when its last import ended."""

    name: str
    formats: frozenset[str] = frozenset()
    ended: str = ""


@dataclass(frozen=True)
class Precedence:
    """Ranks of sources per property, and which properties are single-valued.

    >>> p = Precedence(default=("format:tabelle", "*"), groups=((frozenset({"n"}), ("quelle:amt*", "*")),),
    ...                single=frozenset({"n", "x"}))
    >>> sources = {"amtlich": SourceInfo("amtlich", frozenset({"rdf"}), "2024"),
    ...            "buero": SourceInfo("buero", frozenset({"tabelle"}), "2025")}
    >>> p.winner("n", ["buero", "amtlich"], sources), p.winner("x", ["buero", "amtlich"], sources)
    ('amtlich', 'buero')
    """

    default: tuple[str, ...] = ("*",)
    groups: tuple[tuple[frozenset[str], tuple[str, ...]], ...] = ()
    single: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path | None = None) -> Precedence:
        """The shipped precedence (``ontology/rangfolge.toml``), or the office's own file ``path``."""
        return _load(path or data_dir("ontology") / "rangfolge.toml")

    def rank(self, predicate: str, source: SourceInfo) -> int:
        """Position of ``source`` in the rank list for ``predicate`` (lower wins)."""
        order = next((ranks for props, ranks in self.groups if predicate in props), self.default)
        for i, pattern in enumerate(order):
            kind, _, value = pattern.partition(":")
            if pattern == "*" or (kind == "format" and value in source.formats) or (
                kind == "quelle" and fnmatch.fnmatchcase(source.name, value)
            ):
                return i
        return len(order)

    def winner(self, predicate: str, candidates: Iterable[str], sources: Mapping[str, SourceInfo]) -> str:
        """The source whose value the landscape shows: best rank, then the newer import, then the name."""

        def key(name: str) -> tuple:
            info = sources.get(name) or SourceInfo(name)
            return (-self.rank(predicate, info), info.ended, name)

        return max(candidates, key=key)


@cache
def _load(path: Path) -> Precedence:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(
            f"{path}: Rangfolge der Quellen nicht lesbar / precedence file unreadable: {exc}"
        ) from None
    prefixes = doc.get("praefixe", {})

    def expand(curie: str) -> str:
        prefix, sep, local = curie.partition(":")
        if sep and prefix in prefixes:
            return prefixes[prefix] + local
        if "://" in curie:
            return curie
        raise UsageError(
            f'{path}: Eigenschaft "{curie}": Präfix fehlt in [praefixe] / property "{curie}": prefix not in [praefixe]'
        )

    props = doc.get("eigenschaften", {})
    single = (_declared_single() | _LABELS | {expand(c) for c in props.get("einwertig", [])}) - {
        expand(c) for c in props.get("mehrwertig", [])
    }
    groups = tuple(
        (frozenset(expand(c) for c in g.get("eigenschaften", [])), tuple(g.get("rang", ["*"])))
        for g in doc.get("gruppe", [])
    )
    return Precedence(default=tuple(doc.get("standard", {}).get("rang", ["*"])), groups=groups,
                      single=frozenset(single))  # fmt: skip


@cache
def _declared_single() -> frozenset[str]:
    """Paths the shapes allow once (``sh:maxCount 1``) and the ontology's functional properties."""
    store = ox.Store()
    for f in [*shapes_files(), ontology_file()]:
        store.load(path=str(f), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
    rows = store.query(
        f"SELECT DISTINCT ?p WHERE {{ {{ ?s <{_SH}path> ?p ; <{_SH}maxCount> 1 }} UNION "
        "{ ?p a <http://www.w3.org/2002/07/owl#FunctionalProperty> } FILTER(isIRI(?p)) }"
    )
    return frozenset(row[0].value for row in rows)


@dataclass
class Landscape:
    """Names the view's graphs under ``graph_prefix`` and computes its content from the sources' quads.

    >>> land = Landscape("https://example.org/graph/", Precedence(single=frozenset({"https://example.org/name"})))
    >>> a, name = ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/name")
    >>> quads = [ox.Quad(a, name, ox.Literal(v), ox.NamedNode("https://example.org/graph/quelle/" + s))
    ...          for v, s in (("Kita Sonne", "liste"), ("KiTa Sonne", "buero"))]
    >>> public, private = land.merge(quads, {"buero": SourceInfo("buero", ended="2025-02-01")})
    >>> [t.object.value for t in public], private
    (['KiTa Sonne'], [])
    >>> land.dataset(["https://example.org/graph/quelle/liste", "https://example.org/graph/ontologie",
    ...               "https://example.org/graph/landschaft"])
    ['https://example.org/graph/ontologie', 'https://example.org/graph/landschaft']
    """

    graph_prefix: str = DEFAULT_BASE + "graph/"
    precedence: Precedence = field(default_factory=Precedence.load)

    @property
    def view(self) -> str:
        """The public landscape graph."""
        return self.graph_prefix + VIEW

    @property
    def private_view(self) -> str:
        """The landscape's contact persons (role intern only)."""
        return self.graph_prefix + PRIVATE_VIEW

    def source_part(self, graph: str) -> tuple[str, str] | None:
        """``(part, source)`` for a graph of a source (part ``quelle``, ``privat`` or ``meta``), else None."""
        if not graph.startswith(self.graph_prefix) or graph in (self.view, self.private_view):
            return None
        part, sep, name = graph[len(self.graph_prefix) :].partition("/")
        if not sep or part not in ("quelle", "privat", "meta") or "/" in name or not name[:1].isalnum():
            return None
        return part, unquote(name)

    def is_source_data(self, graph: str) -> bool:
        """A source's statements (``quelle/`` or ``privat/``): read through the view, not directly."""
        found = self.source_part(graph)
        return found is not None and found[0] != "meta"

    def dataset(self, named: Iterable[str], *, complete: bool = False) -> list[str]:
        """The default graph of every read: all graphs except the sources' statements (the view stands in).

        ``complete``: the view holds a copy of every other graph a read sees too (:meth:`passes_through`; the
        embedded store keeps it so), and the default graph is the view's two graphs alone. A default graph of
        n graphs costs Oxigraph n index lookups per pattern: nine graphs made a read of every actor's label
        three times slower than one graph. A store written before the view existed and not yet rebuilt has
        sources but no view: it is read as the union, as before, rather than shown empty (``bildungsnetz graphs
        --rebuild-view`` mends it).
        """
        names = [g for g in named if not self.is_survey_answer(g)]
        if self.view not in names and self.private_view not in names:
            return names
        if complete:
            return [g for g in names if g in (self.view, self.private_view)]
        return [g for g in names if not self.is_source_data(g)]

    def passes_through(self, graph: str) -> bool:
        """A graph that reads see as it is (ontology, vocabularies, city profiles, import records, survey
        rounds…): neither a source's statements, nor the view, nor one institution's survey answers.

        >>> land = Landscape("https://example.org/graph/")
        >>> [land.passes_through("https://example.org/graph/" + g) for g in
        ...  ("ontologie", "meta/schulen", "quelle/schulen", "privat/schulen", "landschaft", "privat/befragung/r")]
        [True, True, False, False, False, True]
        """
        return (
            graph not in (self.view, self.private_view)
            and not self.is_source_data(graph)
            and not self.is_survey_answer(graph)
        )

    def is_private(self, graph: str) -> bool:
        """Under ``graph/privat/``: copied into the private part of the view."""
        return graph.startswith(self.graph_prefix + "privat/")

    def is_survey_answer(self, graph: str) -> bool:
        """One institution's answers in a survey round (``befragung/<round>/antwort/<key>``, public or private).

        A round has a pair of these per invited institution: hundreds of graphs, and a default graph listing
        each of them makes every join of every read scan them all. So they are left out of the default graph;
        the survey's queries read them with ``GRAPH ?g`` (queries/survey/).

        >>> land = Landscape("https://example.org/graph/")
        >>> land.is_survey_answer("https://example.org/graph/privat/befragung/2026/antwort/k1")
        True
        >>> land.is_survey_answer("https://example.org/graph/befragung/2026")
        False
        """
        if not graph.startswith(self.graph_prefix):
            return False
        rest = graph[len(self.graph_prefix) :].removeprefix("privat/")
        return rest.startswith("befragung/") and "/antwort/" in rest

    def needs_build(self, named: Iterable[str]) -> bool:
        """Sources, but no view: a store from before the view, to be built once."""
        names = list(named)
        return self.view not in names and self.private_view not in names and any(map(self.is_source_data, names))

    def sources(self, meta_quads: Iterable[ox.Quad]) -> dict[str, SourceInfo]:
        """Formats and last import time of each source, from its ``meta/<source>`` graph."""
        formats: dict[str, set[str]] = defaultdict(set)
        ended: dict[str, str] = defaultdict(str)
        used: dict[ox.Term, str] = {}
        rows = list(meta_quads)
        for q in rows:
            found = self.source_part(q.graph_name.value) if isinstance(q.graph_name, ox.NamedNode) else None
            if found is None:
                continue
            name = found[1]
            if q.predicate.value == _PROV_ENDED:
                ended[name] = max(ended[name], q.object.value)
            elif q.predicate.value == _PROV_USED:
                used[q.object] = name
        for q in rows:
            if q.predicate.value == _DCT_FORMAT and q.subject in used:
                formats[used[q.subject]].add(q.object.value)
        return {n: SourceInfo(n, frozenset(formats[n]), ended[n]) for n in set(formats) | set(ended)}

    def moves_precedence(self, meta: Iterable[ox.Triple]) -> bool:
        """Whether changing these triples of a ``meta/<source>`` graph may change what :meth:`sources` says
        (import time, formats), and so which source wins where several describe a thing.

        >>> Landscape("https://example.org/graph/").moves_precedence(
        ...     [ox.Triple(ox.NamedNode("https://example.org/i"), ox.NamedNode(_PROV_ENDED), ox.Literal("2026"))])
        True
        """
        return any(t.predicate.value in (_PROV_ENDED, _PROV_USED, _DCT_FORMAT) for t in meta)

    def turns_precedence(
        self, graph: str, meta: Iterable[ox.Quad], removed: Iterable[ox.Triple], added: Iterable[ox.Triple]
    ) -> bool:
        """Whether changing the ``meta/<source>`` graph ``graph`` by ``removed``/``added`` can change which source
        wins anywhere. ``meta``: the quads of every source's meta graph as they are before the change.

        Within one rank the newer import wins, so a source's import time moving from one instant to another
        turns a comparison only with a source whose import time lies between the two (or has none); a change of
        its formats may change its rank. Otherwise no subject's winner changes, and the subjects the source shares
        with other sources need no recomputing (undo and re-import of a source imported after all the others).

        >>> land = Landscape("https://example.org/graph/")
        >>> g, act = "https://example.org/graph/meta/woche", ox.NamedNode("https://example.org/import")
        >>> def ended(graph, when):
        ...     return ox.Quad(act, ox.NamedNode(_PROV_ENDED), ox.Literal(when), ox.NamedNode(graph))
        >>> meta = [ended(g, "2026-03-01"), ended("https://example.org/graph/meta/liste", "2025-01-01")]
        >>> land.turns_precedence(g, meta, [meta[0].triple], [ended(g, "2026-02-01").triple])
        False
        >>> land.turns_precedence(g, meta, [meta[0].triple], [ended(g, "2024-02-01").triple])
        True
        """
        found = self.source_part(graph)
        if found is None or found[0] != "meta":
            return False
        quads = list(meta)
        gone = set(removed)
        own = [q for q in quads if q.graph_name.value == graph]
        after = [q for q in own if q.triple not in gone]
        after += [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in added]
        name = found[1]
        old = self.sources(own).get(name) or SourceInfo(name)
        new = self.sources(after).get(name) or SourceInfo(name)
        if old.formats != new.formats:
            return True
        low, high = sorted((old.ended, new.ended))
        if low == high:
            return False
        others = self.sources(q for q in quads if q.graph_name.value != graph)
        return not low or any(low <= info.ended <= high for other, info in others.items() if other != name)

    def merge(
        self, quads: Iterable[ox.Quad], sources: Mapping[str, SourceInfo], *, copy_others: bool = False
    ) -> tuple[list[ox.Triple], list[ox.Triple]]:
        """The view's triples (public, private) for the subjects of ``quads``; quads outside sources are ignored,
        or with ``copy_others`` copied as they are where they :meth:`pass through <passes_through>`."""
        # (private?, subject, predicate, language) -> source -> values, in the order read
        table: dict[tuple, dict[str, dict[ox.Term, None]]] = defaultdict(lambda: defaultdict(dict))
        single = self.precedence.single
        parts: dict[ox.Term, tuple[str, str] | None] = {}  # per graph: source_part is too dear to ask per quad
        copied: dict[ox.Term, bool | None] = {}  # per graph: None, or whether it is private
        public: list[ox.Triple] = []
        private: list[ox.Triple] = []
        for q in quads:
            g = q.graph_name
            if g not in parts:
                parts[g] = self.source_part(g.value) if isinstance(g, ox.NamedNode) else None
                passes = copy_others and isinstance(g, ox.NamedNode) and self.passes_through(g.value)
                copied[g] = self.is_private(g.value) if passes else None
            found = parts[g]
            if copied[g] is not None:
                (private if copied[g] else public).append(q.triple)
                continue
            if found is None or found[0] == "meta":
                continue
            p = q.predicate.value
            # One label per language; a literal without a language tag counts as German (the data's language).
            if p not in single:
                lang = None
            else:
                lang = (q.object.language or "de") if isinstance(q.object, ox.Literal) else ""
            table[(found[0] == "privat", q.subject, q.predicate, lang)][found[1]][q.object] = None
        for (is_private, s, p, lang), per_source in table.items():
            if lang is not None and len(per_source) > 1:
                chosen = [per_source[self.precedence.winner(p.value, per_source, sources)]]
            else:
                chosen = list(per_source.values())
            out = private if is_private else public
            out.extend(ox.Triple(s, p, o) for o in dict.fromkeys(o for values in chosen for o in values))
        return public, private

    def alternatives(self, quads: Iterable[ox.Quad], sources: Mapping[str, SourceInfo]) -> list[tuple]:
        """Where sources disagree on a single-valued property of the public data: ``(subject, predicate,
        language, {source: [values]}, winner)`` (the conflicts report)."""
        table: dict[tuple, dict[str, dict[ox.Term, None]]] = defaultdict(lambda: defaultdict(dict))
        for q in quads:
            found = self.source_part(q.graph_name.value) if isinstance(q.graph_name, ox.NamedNode) else None
            if found is None or found[0] != "quelle" or q.predicate.value not in self.precedence.single:
                continue
            lang = (q.object.language or "de") if isinstance(q.object, ox.Literal) else ""
            table[(q.subject, q.predicate, lang)][found[1]][q.object] = None
        out = []
        for (s, p, lang), per_source in table.items():
            values = {name: sorted(v, key=str) for name, v in per_source.items()}
            if len({tuple(v) for v in values.values()}) > 1:
                out.append((s, p, lang, values, self.precedence.winner(p.value, per_source, sources)))
        return out
