"""The team's SKOS vocabularies and programmes: load them once, resolve user input to IRIs, look up labels."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from rdflib import RDF, SKOS, Graph, Literal, URIRef

from bildungsnetz.namespace import BN, VOCAB
from bildungsnetz.resources import vocabulary_files

__all__ = ["UnknownTerm", "Vocabulary", "fold", "get_vocabulary", "notation_key", "vocabulary_graph"]

#: Name under which programme look-ups report unknown values.
PROGRAMME_SCHEME = "programm"

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_/]+")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_SDG_CODE = re.compile(r"^(?:sdg|ziel|unterziel|goal|target)?\s?0*(\d{1,2})(?:\.0*(\d{1,2}|[a-z]))?$")
_MAX_LISTED_CODES = 25  # schemes up to this size list their codes when a value has no near miss
_SUGGESTION_CUTOFF = 0.75  # difflib ratio; below it, guesses confuse more than they help


def fold(text: str) -> str:
    """Fold a code or label for matching: case, umlauts (ä → ae, ß → ss), dashes and blanks.

    Hyphens, dashes, underscores, slashes and runs of blanks all become one space, so the code
    ``uebergang-schule-beruf`` and the label "Übergang Schule–Beruf" fold to the same key.

    >>> fold("  Übergang Schule–Beruf ")
    'uebergang schule beruf'
    >>> fold("uebergang-schule-beruf") == fold("Übergang Schule–Beruf")
    True
    >>> fold("Straße"), fold("Förderschule")
    ('strasse', 'foerderschule')
    """
    text = unicodedata.normalize("NFC", text).casefold().translate(_UMLAUTS)
    return _SEPARATORS.sub(" ", text).strip()


def notation_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key for notations: numeric parts as numbers, so ``4.10`` follows ``4.9`` and ``10`` follows ``9``.

    >>> sorted(["10", "4.a", "4", "4.10", "4.2", "0A", "02"], key=notation_key)
    ['02', '4', '4.2', '4.10', '4.a', '10', '0A']
    """
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in code.split("."))


@cache
def _cached_graph() -> Graph:
    graph = Graph()
    for path in vocabulary_files():
        graph.parse(path, format="turtle")
    return graph


def vocabulary_graph() -> Graph:
    """All vocabularies (``ontology/vokabulare/*.ttl``) and the programmes in one graph.

    The files are parsed once per process; each call returns a fresh copy, so callers may add to it.

    Returns
    -------
    rdflib.Graph
        The concept schemes, their concepts, the programmes and their funders.

    Examples
    --------
    >>> from rdflib import SKOS
    >>> g = vocabulary_graph()
    >>> (VOCAB["sektor/bildung"], SKOS.inScheme, VOCAB["sektor"]) in g
    True
    """
    source = _cached_graph()
    copy = Graph()
    for prefix, namespace in source.namespaces():
        copy.bind(prefix, namespace, override=True)
    copy += source
    return copy


class UnknownTerm(ValueError):
    """A value that is no code, label or synonym of a vocabulary.

    Parameters
    ----------
    scheme : str
        The vocabulary looked in (``kooperationsart``), or ``programm`` for programmes.
    value : str
        The value as the user gave it.
    suggestions : iterable of str
        Near misses, best first; empty when nothing came close.
    allowed : iterable of str
        The codes of a small vocabulary, listed in the message when there is no near miss.

    Examples
    --------
    >>> german, english = str(UnknownTerm("rolle", "Gst", ["Gast"])).split(" / ")
    >>> print(german)
    Unbekannter Wert "Gst" für rolle – meinten Sie "Gast"?
    >>> print(english)
    Unknown value "Gst" for rolle – did you mean "Gast"?
    """

    def __init__(self, scheme: str, value: str, suggestions: Iterable[str] = (), allowed: Iterable[str] = ()):
        self.scheme = scheme
        self.value = value
        self.suggestions = tuple(suggestions)
        self.allowed = tuple(allowed)
        super().__init__(scheme, value, self.suggestions, self.allowed)

    def __reduce__(self):  # keep the exception picklable across worker processes
        return (type(self), (self.scheme, self.value, self.suggestions, self.allowed))

    def __str__(self) -> str:
        de = f'Unbekannter Wert "{self.value}" für {self.scheme}'
        en = f'Unknown value "{self.value}" for {self.scheme}'
        if self.suggestions:
            quoted = [f'"{s}"' for s in self.suggestions]
            de += f" – meinten Sie {_join(quoted, 'oder')}?"
            en += f" – did you mean {_join(quoted, 'or')}?"
        elif self.allowed:
            de += f" – erlaubt sind: {', '.join(self.allowed)}"
            en += f" – allowed: {', '.join(self.allowed)}"
        return f"{de} / {en}"


def _join(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


class _Index:
    """Folded key → IRI for one scheme, with the text each key came from (for suggestions)."""

    def __init__(self) -> None:
        self.keys: dict[str, URIRef] = {}
        self.shown: dict[str, str] = {}
        self.ambiguous: dict[str, set[URIRef]] = {}
        self.iris: set[str] = set()
        self._suggested: dict[str, tuple[str, ...]] = {}

    def add(self, text: str, iri: URIRef) -> None:
        key = fold(text)
        if not key:
            return
        if key in self.ambiguous:
            self.ambiguous[key].add(iri)
        elif key in self.keys and self.keys[key] != iri:
            # Two concepts claim one word: accept neither rather than guess; tests keep this empty.
            self.ambiguous[key] = {self.keys.pop(key), iri}
        elif key not in self.keys:
            self.keys[key] = iri
            self.shown.setdefault(key, text)

    def get(self, value: str) -> URIRef | None:
        iri = self.keys.get(fold(value))
        if iri is None and value.strip() in self.iris:
            return URIRef(value.strip())
        return iri

    def suggest(self, value: str) -> tuple[str, ...]:
        key = fold(value)
        if key not in self._suggested:
            if len(self._suggested) > 10_000:  # bound the memo for long imports full of typos
                self._suggested.clear()
            seen: set[URIRef] = set()
            found: list[str] = []
            for match in difflib.get_close_matches(key, list(self.shown), n=6, cutoff=_SUGGESTION_CUTOFF):
                iri = self.keys.get(match)
                if iri is not None and iri not in seen:
                    seen.add(iri)
                    found.append(self.shown[match])
            self._suggested[key] = tuple(found[:3])
        return self._suggested[key]


class Vocabulary:
    """Resolve importer input against the vocabularies and programmes.

    All look-ups are dictionary hits on indexes built once in the constructor; the importer can call
    :meth:`resolve` for every cell of a large table. Use :func:`get_vocabulary` for the shared instance.

    Parameters
    ----------
    graph : rdflib.Graph
        Concept schemes and programmes, usually :func:`vocabulary_graph`.

    Examples
    --------
    >>> voc = get_vocabulary()
    >>> voc.resolve("akteursart", "VHS") == VOCAB["akteursart/weiterbildung"]
    True
    >>> voc.resolve("sdg", "SDG 13") == VOCAB["sdg/13"]
    True
    >>> voc.label(VOCAB["schulform/02"]), voc.label(VOCAB["schulform/02"], lang="en")
    ('Grundschule', 'Primary school')
    """

    def __init__(self, graph: Graph) -> None:
        self._index: dict[str, _Index] = {}
        self._concepts: dict[str, list[tuple[URIRef, str, str]]] = {}
        self._labels: dict[URIRef, dict[str, str]] = {}
        self._notation: dict[URIRef, str] = {}
        self._klasse: dict[URIRef, URIRef] = {}
        self._sektor: dict[URIRef, URIRef] = {}

        for subject, label in graph.subject_objects(SKOS.prefLabel):
            if isinstance(subject, URIRef) and isinstance(label, Literal):
                self._labels.setdefault(subject, {}).setdefault(label.language or "", str(label))
        for subject, notation in graph.subject_objects(SKOS.notation):
            if isinstance(subject, URIRef):
                self._notation[subject] = str(notation)

        for scheme in graph.subjects(RDF.type, SKOS.ConceptScheme):
            if not str(scheme).startswith(str(VOCAB)):
                continue
            name = str(scheme)[len(str(VOCAB)) :]
            members = [c for c in graph.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef)]
            self._index[name] = self._build_index(graph, members)
            members.sort(key=lambda c: notation_key(self._notation.get(c, "")))
            self._concepts[name] = [(c, self._notation.get(c, ""), self._label_or_none(c, "de") or "")
                                    for c in members]

        programmes = [p for p in graph.subjects(RDF.type, BN.Programm) if isinstance(p, URIRef)]
        self._programmes = self._build_index(graph, programmes)

        for kind, cls in graph.subject_objects(BN.klasse):
            self._klasse[kind] = cls
        for kind, sector in graph.subject_objects(BN.standardSektor):
            self._sektor[kind] = sector

    def _build_index(self, graph: Graph, members: list[URIRef]) -> _Index:
        index = _Index()
        # Order decides which text a suggestion shows: the German name first, the bare code last.
        for predicate, lang in ((SKOS.prefLabel, "de"), (SKOS.prefLabel, None), (SKOS.altLabel, None),
                                (SKOS.hiddenLabel, None), (SKOS.notation, None)):
            for concept in members:
                for text in graph.objects(concept, predicate):
                    if lang is None or (isinstance(text, Literal) and text.language == lang):
                        index.add(str(text), concept)
        for concept in members:
            index.iris.add(str(concept))
            code = self._notation.get(concept, "")
            if code.isdigit() and code.startswith("0") and fold(code.lstrip("0")) not in index.keys:
                # Spreadsheets turn the school-type code "02" into the number 2.
                index.add(code.lstrip("0"), concept)
        return index

    # -- Look-ups --------------------------------------------------------------

    @property
    def schemes(self) -> list[str]:
        """Names of the concept schemes, sorted (``akteursart``, ``bildungsphase``, ...)."""
        return sorted(self._index)

    @property
    def ambiguous(self) -> dict[str, dict[str, set[URIRef]]]:
        """Folded labels claimed by more than one concept of a scheme (these resolve to nothing)."""
        found = {name: index.ambiguous for name, index in self._index.items() if index.ambiguous}
        if self._programmes.ambiguous:
            found[PROGRAMME_SCHEME] = self._programmes.ambiguous
        return found

    def resolve(self, scheme: str, value: str) -> URIRef:
        """The concept of ``scheme`` that ``value`` names.

        ``value`` may be the code (``skos:notation``), the full IRI, or any ``skos:prefLabel`` or
        ``skos:altLabel`` in any language; case, umlaut spelling (ä/ae, ß/ss), dashes and surrounding
        blanks do not matter. For ``sdg`` also "13", "13.3", "SDG 13", "Ziel 13", "Goal 4.7".

        Parameters
        ----------
        scheme : str
            Scheme name, e.g. ``kooperationsart``.
        value : str
            The user's input, e.g. a spreadsheet cell.

        Returns
        -------
        rdflib.URIRef
            The concept IRI.

        Raises
        ------
        UnknownTerm
            If nothing matches; it carries near-miss suggestions.
        KeyError
            If ``scheme`` is not a vocabulary.

        Examples
        --------
        >>> voc = get_vocabulary()
        >>> str(voc.resolve("handlungsfeld", " Uebergangsmanagement "))
        'https://w3id.org/bildungsnetz/vocab/handlungsfeld/uebergangsmanagement'
        >>> voc.resolve("schulform", "2") == voc.resolve("schulform", "Grundschule")
        True
        """
        index = self._scheme_index(scheme)
        iri = index.get(value)
        if iri is None and scheme == "sdg":
            match = _SDG_CODE.match(fold(value))
            if match:
                goal, target = match.groups()
                iri = index.get(f"{int(goal)}.{target}" if target else str(int(goal)))
        if iri is None:
            codes = [code for _, code, _ in self._concepts[scheme]]
            if len(codes) > _MAX_LISTED_CODES:
                codes = [f"{codes[0]} … {codes[-1]}"]
            raise UnknownTerm(scheme, value, index.suggest(value), codes)
        return iri

    def programme(self, value: str) -> URIRef:
        """The programme (``bn:Programm``) that ``value`` names by code, name, synonym or IRI.

        Examples
        --------
        >>> str(get_vocabulary().programme("KAoA"))
        'https://w3id.org/bildungsnetz/id/programm/kaoa'
        """
        iri = self._programmes.get(value)
        if iri is None:
            raise UnknownTerm(PROGRAMME_SCHEME, value, self._programmes.suggest(value))
        return iri

    def label(self, iri: URIRef, lang: str = "de") -> str:
        """The ``skos:prefLabel`` of a concept, scheme, programme or funder in ``lang``.

        Falls back to German, then English, then any language.

        Raises
        ------
        KeyError
            If the IRI has no label in the vocabularies.
        """
        label = self._label_or_none(iri, lang)
        if label is None:
            raise KeyError(f"Kein Begriff der Vokabulare / not a vocabulary term: {iri}")
        return label

    def _label_or_none(self, iri: URIRef, lang: str) -> str | None:
        labels = self._labels.get(URIRef(iri))
        if not labels:
            return None
        for candidate in (lang, "de", "en"):
            if candidate in labels:
                return labels[candidate]
        return next(iter(labels.values()))

    def concepts(self, scheme: str) -> list[tuple[URIRef, str, str]]:
        """The concepts of a scheme as ``(iri, code, German label)``, in notation order.

        Examples
        --------
        >>> get_vocabulary().concepts("zuordnungsstatus")[0][1:]
        ('abgelehnt', 'Abgelehnt')
        """
        self._scheme_index(scheme)
        return list(self._concepts[scheme])

    def actor_class(self, kind: URIRef) -> URIRef:
        """The ontology class (``bn:klasse``) of actors of an Akteursart.

        >>> get_vocabulary().actor_class(VOCAB["akteursart/kita"]) == BN.Kita
        True
        """
        try:
            return self._klasse[URIRef(kind)]
        except KeyError:
            raise KeyError(f"Keine Akteursart / not an actor kind: {kind}") from None

    def default_sector(self, kind: URIRef) -> URIRef:
        """The usual sector (``bn:standardSektor``) of actors of an Akteursart.

        >>> str(get_vocabulary().default_sector(VOCAB["akteursart/bibliothek"]))
        'https://w3id.org/bildungsnetz/vocab/sektor/kultur'
        """
        try:
            return self._sektor[URIRef(kind)]
        except KeyError:
            raise KeyError(f"Keine Akteursart / not an actor kind: {kind}") from None

    def _scheme_index(self, scheme: str) -> _Index:
        try:
            return self._index[scheme]
        except KeyError:
            known = ", ".join(self.schemes)
            raise KeyError(f"Unbekanntes Vokabular {scheme!r}, bekannt: {known} / "
                           f"unknown vocabulary {scheme!r}, known: {known}") from None


@cache
def get_vocabulary() -> Vocabulary:
    """The process-wide :class:`Vocabulary` over the shipped files, built on first use."""
    return Vocabulary(_cached_graph())
