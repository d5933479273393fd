"""Deterministic instance IRIs: the same source key always gives the same IRI, so a re-import hits it again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from rdflib import URIRef

__all__ = ["DEFAULT_BASE", "Iris", "key_segment", "is_schulnummer"]

DEFAULT_BASE = "https://w3id.org/bildungsnetz/id/"

_SCHULNUMMER = re.compile(r"^\d{6}$")


def is_schulnummer(key: str) -> bool:
    """True for a six-digit NRW Schulnummer.

    >>> is_schulnummer("100132"), is_schulnummer("K-17")
    (True, False)
    """
    return bool(_SCHULNUMMER.match(key.strip()))


def key_segment(key: str) -> str:
    """Turn a source key into one IRI path segment, keeping it readable and reversible.

    Surrounding blanks are dropped; everything outside the unreserved characters is percent-encoded.

    >>> key_segment(" Kita Sonnenschein/2 ")
    'Kita%20Sonnenschein%2F2'
    """
    key = key.strip()
    if not key:
        raise ValueError("empty key cannot become an IRI")
    return quote(key, safe="-._~")


@dataclass(frozen=True)
class Iris:
    """Mint instance IRIs under one base (``Settings.base_iri``).

    >>> iris = Iris()
    >>> str(iris.akteur("100132"))
    'https://w3id.org/bildungsnetz/id/schule/100132'
    >>> str(iris.gebiet("dortmund", "stadtbezirk", "8"))
    'https://w3id.org/bildungsnetz/id/gebiet/dortmund/stadtbezirk/8'
    """

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            object.__setattr__(self, "base", self.base + "/")

    def _iri(self, *segments: str) -> URIRef:
        return URIRef(self.base + "/".join(segments))

    def akteur(self, key: str) -> URIRef:
        """An actor: schools by Schulnummer (``schule/100132``), everything else by its import id."""
        key = key.strip()
        if is_schulnummer(key):
            return self._iri("schule", key)
        return self._iri("akteur", key_segment(key))

    def standort(self, akteur_key: str, n: int = 1) -> URIRef:
        """The ``n``-th site of an actor."""
        return self._iri("standort", key_segment(akteur_key), str(n))

    def adresse(self, akteur_key: str, n: int = 1) -> URIRef:
        """The postal address of an actor's ``n``-th site."""
        return self._iri("standort", key_segment(akteur_key), str(n), "adresse")

    def geometrie(self, akteur_key: str, n: int = 1) -> URIRef:
        """The point geometry of an actor's ``n``-th site."""
        return self._iri("standort", key_segment(akteur_key), str(n), "geometrie")

    def gemeinde(self, city: str) -> URIRef:
        """The municipality of a city profile."""
        return self._iri("gebiet", key_segment(city))

    def gebiet(self, city: str, ebene: str, code: str) -> URIRef:
        """A district of a city profile by level (``stadtbezirk``, ``stadtteil``) and code."""
        return self._iri("gebiet", key_segment(city), key_segment(ebene), key_segment(code))

    def gebiet_geometrie(self, gebiet: URIRef) -> URIRef:
        """The polygon of a district."""
        return URIRef(str(gebiet) + "/geometrie")

    def kooperation(self, key: str) -> URIRef:
        return self._iri("kooperation", key_segment(key))

    def netzwerk(self, key: str) -> URIRef:
        return self._iri("netzwerk", key_segment(key))

    def mitgliedschaft(self, netzwerk_key: str, akteur_key: str) -> URIRef:
        return self._iri("mitgliedschaft", key_segment(netzwerk_key), key_segment(akteur_key))

    def angebot(self, key: str) -> URIRef:
        return self._iri("angebot", key_segment(key))

    def sdg_zuordnung(self, angebot_key: str, sdg: str) -> URIRef:
        """The assignment of one offer to one SDG goal or target (``4`` or ``4.7``)."""
        return self._iri("angebot", key_segment(angebot_key), "sdg", key_segment(sdg))

    def foerderung(self, key: str) -> URIRef:
        return self._iri("foerderung", key_segment(key))

    def programm(self, key: str) -> URIRef:
        return self._iri("programm", key_segment(key))

    def foerdergeber(self, key: str) -> URIRef:
        return self._iri("foerdergeber", key_segment(key))

    def beobachtung(self, gebiet_key: str, indikator: str, jahr: str) -> URIRef:
        return self._iri("beobachtung", key_segment(gebiet_key), key_segment(indikator), key_segment(jahr))

    def indikator(self, code: str) -> URIRef:
        """A city's own indicator (table ``indikatordefinitionen``); the built-in ones live in the vocabulary."""
        return self._iri("indikator", key_segment(code))

    def kindercampus(self, key: str) -> URIRef:
        return self._iri("kindercampus", key_segment(key))

    def campusmanagement(self, campus_key: str) -> URIRef:
        """The campus manager of one Kindercampus (personal data: private graph only)."""
        return self._iri("kindercampus", key_segment(campus_key), "campusmanagement")

    def datensatz(self, name: str) -> URIRef:
        return self._iri("datensatz", key_segment(name))

    def kontakt(self, akteur_key: str, n: int) -> URIRef:
        return self._iri("kontakt", key_segment(akteur_key), str(n))

    def nutzer(self, name: str) -> URIRef:
        """A person or program that decided or imported something (PROV agent)."""
        return self._iri("nutzer", key_segment(name))

    def graph(self, name: str) -> URIRef:
        """A named graph: ``graph/ontologie``, ``graph/stadt/dortmund``, ``graph/quelle/<name>``."""
        return self._iri("graph", *(key_segment(part) for part in name.split("/")))

    def import_(self, source: str, stamp: str) -> URIRef:
        return self._iri("import", key_segment(source), key_segment(stamp))
