"""The matcher: an alias index over a city's actors, scored so that the distinctive word decides."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bildungsnetz.matching.normalise import GENERIC, SCHOOL_TYPES, fold, normalise, words

__all__ = ["AUTO_SCORE", "AUTO_MARGIN", "Candidate", "Match", "Result", "Matcher"]

#: A single candidate at or above this score (0–1) ...
AUTO_SCORE = 0.9
#: ... and this far ahead of the next one is linked without asking anybody.
AUTO_MARGIN = 0.15
# Two words of at least this rapidfuzz ratio (0–100) count as the same word, written differently (typos).
_WORD_RATIO = 84
# Generic words ("Grundschule", "Städt.") weigh at most this much, however rare they are in one city.
_GENERIC_WEIGHT = 0.25
# Words that say nothing about the kind of an institution either.
_STOPWORDS = frozenset("und der die das dem den des am an im in auf fur von zu zum zur f d u i ii".split())


@dataclass(frozen=True)
class Candidate:
    """One actor a name may mean: its IRI, id, names and what a person needs to decide.

    ``aliases`` are further names: the other name columns of a school list, confirmed aliases
    (``skos:altLabel``). ``ids`` are identifiers that match exactly (Schulnummer, ISIL, the actor's id).
    """

    iri: str
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    municipality: str = ""
    postcode: str = ""
    address: str = ""
    kind: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *(a for a in self.aliases if a and a != self.name))


@dataclass(frozen=True)
class Match:
    """A candidate with its score (0–1) and the words that matched (``query word → candidate word``)."""

    candidate: Candidate
    score: float
    words: tuple[str, ...] = ()
    via: str = "name"

    def to_dict(self) -> dict[str, object]:
        c = self.candidate
        return {
            "iri": c.iri, "id": c.id, "name": c.name, "score": round(self.score, 3), "words": list(self.words),
            "via": self.via, "address": c.address, "postcode": c.postcode, "municipality": c.municipality,
            "kind": c.kind,
        }  # fmt: skip


@dataclass(frozen=True)
class Result:
    """What the matcher says about one name: the candidates best first, and whether the first is accepted."""

    query: str
    matches: tuple[Match, ...] = ()
    accepted: bool = False

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    @property
    def status(self) -> str:
        """``automatisch`` (linked), ``pruefen`` (a person decides) or ``kein_treffer`` (no candidate)."""
        if self.accepted:
            return "automatisch"
        return "pruefen" if self.matches else "kein_treffer"


@dataclass
class _Entry:
    candidate: Candidate
    names: list[tuple[str, list[str]]] = field(default_factory=list)  # (normalised, words) per name


class Matcher:
    """Match free-text names against candidates: exact ids, confirmed aliases, then weighted fuzzy words.

    Parameters
    ----------
    candidates : iterable of Candidate
        The actors of one city (or several: :meth:`match` blocks by municipality).
    confirmed : mapping of str to str, optional
        Name as written → candidate IRI, from people's earlier decisions (these win outright).
    rejected : iterable of (str, str), optional
        (name as written, candidate IRI) pairs a person said do not belong together; never proposed again.

    Examples
    --------
    >>> m = Matcher([
    ...     Candidate("x:1", "129203", "Herderschule", aliases=("Städt. Gem. Grundschule Eving",),
    ...               municipality="Dortmund", kind="schule"),
    ...     Candidate("x:2", "129250", "Overberg-Grundschule", aliases=("Städt. Kath. Grundschule Mengede",),
    ...               municipality="Dortmund", kind="schule"),
    ... ])
    >>> r = m.match("Herder-Grundschule", municipality="Dortmund")
    >>> r.best.candidate.id, r.accepted, r.best.words
    ('129203', True, ('herder', 'grundschule'))
    >>> m.match("129250").best.via
    'id'
    """

    def __init__(
        self,
        candidates: Iterable[Candidate],
        *,
        confirmed: Mapping[str, str] | None = None,
        rejected: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.candidates = list(candidates)
        self.municipalities = sorted({c.municipality for c in self.candidates if c.municipality})
        self._strip = [fold(m) for m in self.municipalities]
        self._by_iri = {c.iri: c for c in self.candidates}
        self._by_id: dict[str, list[Candidate]] = defaultdict(list)
        self._entries: list[_Entry] = []
        self._postings: dict[str, set[int]] = defaultdict(set)
        self._exact: dict[str, set[int]] = defaultdict(set)  # normalised name → candidates
        df: Counter[str] = Counter()
        for number, c in enumerate(self.candidates):
            for key in {c.id, *c.ids, c.iri}:
                if key:
                    self._by_id[key.strip().casefold()].append(c)
            entry = _Entry(c)
            seen: set[str] = set()
            for name in c.names:
                ws = words(name, strip=self._strip)
                entry.names.append((" ".join(ws), ws))
                self._exact[" ".join(ws)].add(number)
                seen.update(ws)
            for w in seen:
                self._postings[w].add(number)
            df.update(seen)
            self._entries.append(entry)
        n = max(len(self.candidates), 1)
        self._weight = {w: self._word_weight(w, count, n) for w, count in df.items()}
        self._vocabulary = list(self._postings)
        self.confirmed = {self.key(k): v for k, v in (confirmed or {}).items() if v in self._by_iri}
        self.rejected = {(self.key(k), v) for k, v in rejected}

    def key(self, text: str) -> str:
        """The normalised form of a name under which decisions about it are kept (city names stripped)."""
        return normalise(text, strip=self._strip)

    def candidate(self, ref: str) -> Candidate | None:
        """The candidate of an id (``129203``, ``D-000001``) or IRI; ``None`` if none or several."""
        found = self._by_iri.get(ref) or self._by_id.get(str(ref).strip().casefold(), [])
        if isinstance(found, Candidate):
            return found
        return found[0] if len(found) == 1 else None

    @staticmethod
    def _word_weight(word: str, count: int, n: int) -> float:
        # inverse document frequency: a word on one name in a hundred weighs more than one on every second
        idf = math.log(1 + n / count)
        return min(idf, _GENERIC_WEIGHT) if word in GENERIC else idf

    def weight(self, word: str) -> float:
        """How much a (normalised) word tells: rare words much, generic ones little, unknown words fully."""
        return self._weight.get(word, math.log(1 + len(self.candidates)) if word not in GENERIC else _GENERIC_WEIGHT)

    def _similar(self, word: str) -> list[tuple[str, float]]:
        """Words of the index that may be ``word`` (itself; typos; at least four letters for fuzzy)."""
        found = [(word, 1.0)] if word in self._postings else []
        if len(word) >= 4 and word not in GENERIC:
            for other, ratio, _ in process.extract(
                word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=_WORD_RATIO, limit=8
            ):
                if other != word and len(other) >= 4:
                    found.append((other, ratio / 100))
        return found

    def _find(self, q: str, name: list[str]) -> tuple[int, float]:
        """Where the query word ``q`` is in ``name`` (index, similarity), the heaviest hit; (-1, 0) if nowhere."""
        best, best_i, best_sim = 0.0, -1, 0.0
        for i, w in enumerate(name):
            sim = 1.0 if q == w else (fuzz.ratio(q, w) / 100 if len(q) >= 4 and len(w) >= 4 else 0.0)
            if sim >= _WORD_RATIO / 100 and sim * self.weight(w) > best:
                best, best_i, best_sim = sim * self.weight(w), i, sim
        return best_i, best_sim

    def _score(self, query: list[str], entry: _Entry) -> tuple[float, tuple[str, ...]]:
        """How well a query fits a candidate, 0–1, and the words that matched.

        Distinctive words decide: the share of the query's distinctive weight found in the candidate's names
        (precision, counted twice: an office writes less than the official name, rarely more) and the share
        of the best-fitting name's distinctive weight found in the query (recall). Generic words (the kind of
        school, "Städt.") only tip the balance: a "Goethe-Grundschule" is not the "Goethe-Gymnasium".
        """
        distinct = [q for q in query if q not in GENERIC]
        if not distinct:
            return 0.0, ()
        union = [w for _, ws in entry.names for w in ws]
        matched: list[str] = []
        found = 0.0
        for q in distinct:
            i, sim = self._find(q, union)
            if i >= 0:
                found += sim * self.weight(union[i])
                matched.append(q if sim == 1.0 else f"{q}~{union[i]}")
        q_weight = sum(self.weight(q) for q in distinct)
        precision = min(found / q_weight, 1.0)
        if precision == 0:
            return 0.0, ()
        recall = 0.0
        for _, ws in entry.names:
            own = [w for w in ws if w not in GENERIC]
            weight = sum(self.weight(w) for w in own)
            if weight:
                hit = sum(self.weight(w) for w in own if self._find(w, distinct)[0] >= 0)
                recall = max(recall, hit / weight)
        kinds = [q for q in query if q in GENERIC and q not in _STOPWORDS]
        agree = [q for q in kinds if q in union]
        kind_share = len(agree) / len(kinds) if kinds else 1.0
        matched += agree
        score = 0.85 * (2 * precision + recall) / 3 + 0.15 * kind_share
        asked, known = SCHOOL_TYPES.intersection(query), SCHOOL_TYPES.intersection(union)
        if asked and known and not asked & known:  # "Lessing-Gymnasium" is not the "Lessingschule" (Grundschule)
            score *= 0.8
        return score, tuple(matched)

    def match(self, text: str, *, municipality: str | None = None, kind: str | None = None, limit: int = 5) -> Result:
        """The candidates for one name, best first, and whether the first may be linked without asking.

        Parameters
        ----------
        text : str
            The name (or id) as written.
        municipality : str, optional
            Only candidates of this municipality (blocking); ``None``: all.
        kind : str, optional
            Only candidates of this kind (``schule``, ``kita`` …).
        limit : int
            At most this many candidates.
        """
        text = " ".join(str(text or "").split())
        if not text:
            return Result(text)
        block = fold(municipality) if municipality else None

        def allowed(c: Candidate) -> bool:
            return (block is None or fold(c.municipality) == block) and (not kind or c.kind == kind)

        key = self.key(text)
        exact = [c for c in self._by_id.get(text.casefold(), []) if allowed(c)]
        if len(exact) == 1:
            return Result(text, (Match(exact[0], 1.0, (text,), "id"),), True)
        iri = self.confirmed.get(key)
        if iri is not None and allowed(self._by_iri[iri]):
            return Result(text, (Match(self._by_iri[iri], 1.0, tuple(key.split()), "bestaetigt"),), True)
        query = key.split()
        pool: set[int] = set()
        for q in query:
            if q in GENERIC:
                continue
            for other, _ in self._similar(q):
                pool |= self._postings[other]
        pool |= self._exact.get(key, set())
        if not pool:  # only generic words ("Grundschule"): nothing to tell the schools apart by
            return Result(text)
        matches: list[Match] = []
        for number in pool:
            entry = self._entries[number]
            c = entry.candidate
            if not allowed(c) or (key, c.iri) in self.rejected:
                continue
            if any(norm == key for norm, _ in entry.names):
                matches.append(Match(c, 1.0, tuple(query), "name"))
                continue
            score, matched = self._score(query, entry)
            if score > 0:
                matches.append(Match(c, score, matched, "name"))
        matches.sort(key=lambda m: (-m.score, m.candidate.name))
        matches = matches[:limit]
        return Result(text, tuple(matches), self._accept(matches))

    @staticmethod
    def _accept(matches: list[Match]) -> bool:
        if not matches or matches[0].score < AUTO_SCORE:
            return False
        return len(matches) == 1 or matches[0].score - matches[1].score >= AUTO_MARGIN
