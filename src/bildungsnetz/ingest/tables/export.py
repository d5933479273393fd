"""The store back as the import tables (lossless: spreadsheet → store → spreadsheet gives the same cells)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox

from bildungsnetz.cities import CityProfile, District, fold_name, load_profile
from bildungsnetz.ingest import TABLES
from bildungsnetz.ingest.tables.cells import cell_text, parse_decimal
from bildungsnetz.ingest.tables.mapping import actor_key
from bildungsnetz.ingest.tables.read import expand_paths, read_tables
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, ORG, PROV, SCHEMA
from bildungsnetz.queries import get
from bildungsnetz.store import Store

__all__ = ["CSV_DELIMITER", "CSV_ENCODING", "Tables", "export_tables", "tables_from_files"]

Tables = dict[str, list[dict[str, str]]]

#: CSV files are written so that German Excel opens them right by double-click: semicolons (the list
#: separator of the German locale), UTF-8 with byte-order mark (without it Excel reads umlauts as
#: Windows-1252), CRLF, and a decimal comma in number columns.
CSV_DELIMITER = ";"
CSV_ENCODING = "utf-8-sig"
_JOIN = "; "
_POINT = re.compile(r"^\s*(?:<[^>]+>\s*)?POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$", re.IGNORECASE)
_NATURAL = re.compile(r"(\d+)")

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCT = "http://purl.org/dc/terms/"
_FOAF = "http://xmlns.com/foaf/0.1/"
_P = {
    "label": _SKOS + "prefLabel", "identifier": _DCT + "identifier", "title": _DCT + "title",
    "description": _DCT + "description", "source": _DCT + "source", "homepage": _FOAF + "homepage",
    "name": _FOAF + "name", "start": str(SCHEMA.startDate), "end": str(SCHEMA.endDate),
    "organization": str(ORG.organization), "member": str(ORG.member), "role": str(ORG.role),
    "email": str(SCHEMA.email), "telephone": str(SCHEMA.telephone), "date": _DCT + "date",
    "note": _SKOS + "note", "recorded": str(PROV.generatedAtTime), "by": str(PROV.wasAttributedTo),
}  # fmt: skip
_BN = {name: str(BN[name]) for name in (
    "akteursart", "schulform", "schulnummer", "traeger", "traegername", "partner", "kooperationsart",
    "handlungsfeld", "programm", "netzwerkart", "gebiet", "koordination", "anbieter", "zielgruppe",
    "bildungsphase", "empfaenger", "betragEUR", "zweck", "indikator", "jahr", "wert", "einheit", "funktion",
    "kontaktFuer", "plaetze", "kostenEUR", "campusSchule", "campusMitglied", "liegtIn", "hoeherIstBesser",
    "gebietsebene", "wertAngabe", "vermitteltesAngebot", "vermitteltAn", "vermittlungsstatus",
)}  # fmt: skip

# -- Reading the store ---------------------------------------------------------------------------------------


@cache
def _query(name: str) -> str:
    return get(name, folder="export").text


def _value(term: object) -> str:
    if term is None:
        return ""
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)) else str(term)


def _long(store: Store, name: str) -> dict[str, dict[str, list[str]]]:
    """Rows ``(subject, predicate, object)`` of an export query, as subject → predicate → sorted values."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in store.select(_query(name)):
        found[_value(s)][_value(p)].append(_value(o))
    for props in found.values():
        for values in props.values():
            values.sort()
    return found


def _code(iri: str) -> str:
    """The code of a concept or programme: the last segment of its IRI (= ``skos:notation``)."""
    return unquote(iri.rstrip("/").rsplit("/", 1)[-1])


def _natural(text: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part.casefold() for part in _NATURAL.split(text))


def _first(props: Mapping[str, list[str]], key: str) -> str:
    values = props.get(_P.get(key) or _BN[key])
    return values[0] if values else ""


def _all(props: Mapping[str, list[str]], key: str, convert=_code) -> list[str]:
    return [convert(v) for v in props.get(_P.get(key) or _BN[key], ())]


def _join(values: Iterable[str], *, sort: bool = True) -> str:
    unique = list(dict.fromkeys(v for v in values if v))
    return _JOIN.join(sorted(unique, key=_natural) if sort else unique)


def _decimal_text(text: str, *, places: int | None = None) -> str:
    number = parse_decimal(text)
    if number is None:
        return text
    if places is not None:
        return f"{number:.{places}f}"
    return format(number.normalize(), "f") if number == number.to_integral() else format(number, "f")


class _Districts:
    """District IRIs of a city profile → the names the import columns use."""

    def __init__(self, profile: CityProfile, iris: Iris) -> None:
        self.by_iri: dict[str, District] = {}
        names: dict[tuple[str, str], int] = defaultdict(int)
        self.bezirke = {d.code: d for d in profile.stadtbezirke}
        for d in profile.districts:
            self.by_iri[str(iris.gebiet(profile.name, d.ebene, d.code))] = d
            names[(d.ebene, fold_name(d.name))] += 1
        self._names = names

    def shown(self, d: District) -> str:
        """The name, or the code where two districts of one level share the name."""
        return d.name if self._names[(d.ebene, fold_name(d.name))] == 1 else d.code

    def columns(self, iri: str) -> tuple[str, str]:
        """``(stadtbezirk, stadtteil)`` cells for the most specific district a site or network lies in."""
        d = self.by_iri.get(iri)
        if d is None:
            return "", ""
        if d.ebene == "stadtbezirk":
            return self.shown(d), ""
        parent = self.bezirke.get(d.parent or "")
        return (self.shown(parent) if parent else ""), self.shown(d)

    def gebiet(self, iri: str) -> str:
        """One cell naming a district of either level; the level is written where the name has both."""
        d = self.by_iri.get(iri)
        if d is None:
            return ""
        text = self.shown(d)
        other = "stadtteil" if d.ebene == "stadtbezirk" else "stadtbezirk"
        if self._names.get((other, fold_name(text))) or any(
            o.code == text for o in self.by_iri.values() if o.ebene == other
        ):
            return f"{'Stadtbezirk' if d.ebene == 'stadtbezirk' else 'Stadtteil'} {text}"
        return text


def export_tables(
    store: Store,
    *,
    city: str,
    iris: Iris,
    include_private: bool = False,
    profile: CityProfile | None = None,
) -> Tables:
    """Read the store back into the import tables, with the same columns as the import.

    Vocabulary columns hold codes, several values are joined with ``"; "`` (sorted), dates are ISO
    (``2024-08-01``), districts are named as in the city profile (the code where a name is not unique on
    its level). An actor's ``id`` is its Schulnummer, else its ``dcterms:identifier``, else the key of its
    IRI; the partners of a partnership are ordered by id, the first in ``akteur_a``. Only confirmed SDG
    assignments are exported (as the target where one is given, else the goal). Rows are sorted by id.

    Parameters
    ----------
    store : Store
        Read through SPARQL (``queries/export/*.rq``), over all graphs.
    city : str
        City profile that names the districts.
    iris : Iris
        The IRI scheme the data was minted with (for keys of IRIs without ``dcterms:identifier``).
    include_private : bool
        Also export ``kontakte`` (personal data from the private graphs).
    profile : CityProfile, optional
        The loaded profile of ``city``.

    Returns
    -------
    dict
        Table name → rows; every table of :data:`~bildungsnetz.ingest.TABLES` (``kontakte`` only with
        ``include_private``), each row a dict over all columns of its table.

    Notes
    -----
    Where the actors' sites lie in the districts of several cities (a Kreis or a region in one store), only
    ``city``'s part is exported: actors with a site in it, and what belongs to them (see :class:`_CityPart`).
    """
    profile = profile or load_profile(city)
    districts = _Districts(profile, iris)
    tables: Tables = {}

    actors = _long(store, "akteure")
    actor_ids: dict[str, str] = {}
    for iri, props in actors.items():
        actor_ids[iri] = _first(props, "schulnummer") or _first(props, "identifier") or actor_key(iri, iris)

    def actor_id(iri: str) -> str:
        return actor_ids.get(iri) or actor_key(iri, iris)

    sites: dict[str, tuple] = {}
    part = _CityPart(str(iris.gemeinde(profile.name)))
    for row in store.select(_query("standorte")):
        akteur, standort = _value(row[0]), _value(row[1])
        part.site(akteur, _value(row[5]))
        current = sites.get(akteur)
        values = tuple(_value(v) for v in row)
        if current is None or _natural(standort) < _natural(current[1]):  # first site (…/1) wins
            sites[akteur] = values
        elif standort == current[1]:  # same site, more rows (several values): keep the fullest, smallest
            sites[akteur] = min(current, values, key=lambda r: (-sum(bool(v) for v in r), r))
    rows = []
    for iri, props in actors.items():
        if not part.actor(iri):
            continue
        site = sites.get(iri, ("",) * 7)
        _, _, strasse, plz, ort, gebiet, wkt = site
        bezirk, teil = districts.columns(gebiet)
        lat = lon = ""
        if m := _POINT.match(wkt):
            lon, lat = _decimal_text(m[1]), _decimal_text(m[2])
        traeger = [actor_id(t) for t in props.get(_BN["traeger"], ())]
        rows.append({
            "id": actor_ids[iri], "name": _first(props, "label"), "typ": _join(_all(props, "akteursart")),
            "schulform": _join(_all(props, "schulform")),
            "traeger": _join(traeger) or _first(props, "traegername"),
            "strasse": strasse, "plz": plz, "ort": ort, "stadtbezirk": bezirk, "stadtteil": teil,
            "lat": lat, "lon": lon, "website": _first(props, "homepage"),
        })  # fmt: skip
    tables["akteure"] = _sorted(rows, "id")

    rows = []
    for iri, props in _long(store, "kooperationen").items():
        if not part.any_actor(props.get(_BN["partner"], ())):
            continue
        partners = sorted({actor_id(p) for p in props.get(_BN["partner"], ())}, key=_natural)
        rows.append({
            "id": _first(props, "identifier") or _code(iri),
            "akteur_a": partners[0] if partners else "", "akteur_b": _join(partners[1:]),
            "art": _join(_all(props, "kooperationsart")),
            "handlungsfeld": _join(_all(props, "handlungsfeld")),
            "programm": _join(_all(props, "programm")), "beginn": _first(props, "start"),
            "ende": _first(props, "end"), "beschreibung": _first(props, "description"),
        })  # fmt: skip
    tables["kooperationen"] = _sorted(rows, "id")

    network_ids: dict[str, str] = {}
    rows = []
    for iri, props in _long(store, "netzwerke").items():
        network_ids[iri] = _first(props, "identifier") or _code(iri)
        gebiete = props.get(_BN["gebiet"], [""])
        if not (part.area(gebiete[0]) or part.any_actor(props.get(_BN["koordination"], ()))):
            continue
        part.networks.add(iri)
        bezirk, teil = districts.columns(gebiete[0])
        rows.append({
            "id": network_ids[iri], "name": _first(props, "label"), "art": _join(_all(props, "netzwerkart")),
            "stadtbezirk": bezirk, "stadtteil": teil,
            "koordination": _join(actor_id(a) for a in props.get(_BN["koordination"], ())),
            "beginn": _first(props, "start"), "ende": _first(props, "end"),
        })  # fmt: skip
    tables["netzwerke"] = _sorted(rows, "id")

    rows = []
    for _, props in _long(store, "mitgliedschaften").items():
        network = _first(props, "organization")
        if not (part.all or (network in part.networks and part.actor(_first(props, "member")))):
            continue
        rows.append({
            "netzwerk": network_ids.get(network) or _code(network),
            "akteur": actor_id(_first(props, "member")), "rolle": _join(_all(props, "role")),
            "beginn": _first(props, "start"), "ende": _first(props, "end"),
        })  # fmt: skip
    tables["mitgliedschaften"] = sorted(rows, key=lambda r: (_natural(r["netzwerk"]), _natural(r["akteur"])))

    sdgs: dict[str, set[str]] = defaultdict(set)
    for s, goal, target in store.select(_query("angebote-sdg")):
        sdgs[_value(s)].add(_code(_value(target)) if target is not None else _code(_value(goal)))
    rows = []
    for iri, props in _long(store, "angebote").items():
        gebiete = props.get(_BN["gebiet"], ())
        if not (part.any_actor(props.get(_BN["anbieter"], ())) or any(part.area(g) for g in gebiete)):
            continue
        part.offers.add(iri)
        teile = [districts.columns(g)[1] for g in gebiete]
        rows.append({
            "id": _first(props, "identifier") or _code(iri), "titel": _first(props, "title"),
            "beschreibung": _first(props, "description"),
            "anbieter": _join(actor_id(a) for a in props.get(_BN["anbieter"], ())),
            "zielgruppe": _join(_all(props, "zielgruppe")),
            "bildungsphase": _join(_all(props, "bildungsphase")),
            "handlungsfeld": _join(_all(props, "handlungsfeld")), "sdg": _join(sdgs.get(iri, ())),
            "stadtteil": _join(teile), "beginn": _first(props, "start"), "ende": _first(props, "end"),
            "plaetze": _first(props, "plaetze"),
            "kosten_eur": _decimal_text(_first(props, "kostenEUR"), places=2) if _first(props, "kostenEUR") else "",
        })  # fmt: skip
    tables["angebote"] = _sorted(rows, "id")

    managers = _long(store, "kindercampus-management") if include_private else {}
    rows = []
    campus_ids: dict[str, str] = {}
    for iri, props in _long(store, "kindercampus").items():
        campus_ids[iri] = _first(props, "identifier") or _code(iri)
        if not part.area(_first(props, "liegtIn")):
            continue
        teil = districts.columns(_first(props, "liegtIn"))[1]
        manager = managers.get(iri, {})
        rows.append({
            "id": campus_ids[iri], "name": _first(props, "label"),
            "schule": _join(actor_id(a) for a in props.get(_BN["campusSchule"], ())), "stadtteil": teil,
            "mitglieder": _join(actor_id(a) for a in props.get(_BN["campusMitglied"], ())),
            "programm": _join(_all(props, "programm")), "campusmanagement": _first(manager, "name"),
            "email": _first(manager, "email"), "telefon": _first(manager, "telephone"),
        })  # fmt: skip
    tables["kindercampus"] = _sorted(rows, "id")

    places: dict[tuple[str, str], set[str]] = defaultdict(set)
    for offer, place, weekday in store.select(_query("angebotsorte")):
        if not part.offer(_value(offer)):
            continue
        place_iri = _value(place)
        shown = campus_ids.get(place_iri) or _site_owner(place_iri, iris)
        days = places[(_code(_value(offer)), shown)]
        if weekday is not None:
            days.add(_value(weekday))
    order = {d: i for i, d in enumerate(("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"))}
    tables["angebotsorte"] = sorted(
        ({"angebot": o, "ort": p, "wochentage": _JOIN.join(sorted(d, key=lambda x: order.get(x, 9)))}
         for (o, p), d in places.items()),
        key=lambda r: (_natural(r["angebot"]), _natural(r["ort"])),
    )

    offer_ids = {iri: _first(props, "identifier") or _code(iri) for iri, props in _long(store, "angebote").items()}
    rows = []
    for iri, props in _long(store, "vermittlungen").items():
        offer = _first(props, "vermitteltesAngebot")
        if not (part.offer(offer) or part.any_actor(props.get(_BN["vermitteltAn"], ()))):
            continue
        rows.append({
            "id": _first(props, "identifier") or _code(iri), "angebot": offer_ids.get(offer) or _code(offer),
            "einrichtung": _join(actor_id(a) for a in props.get(_BN["vermitteltAn"], ())),
            "datum": _first(props, "date"), "status": _join(_all(props, "vermittlungsstatus")),
            "notiz": _first(props, "note"), "erfasst": _first(props, "recorded"),
            "nutzer": _code(_first(props, "by")) if include_private and _first(props, "by") else "",
        })  # fmt: skip
    tables["vermittlungen"] = _sorted(rows, "id")

    rows = []
    for iri, props in _long(store, "foerderungen").items():
        if not part.any_actor(props.get(_BN["empfaenger"], ())):
            continue
        amount = _first(props, "betragEUR")
        rows.append({
            "id": _first(props, "identifier") or _code(iri), "programm": _join(_all(props, "programm")),
            "empfaenger": _join(actor_id(a) for a in props.get(_BN["empfaenger"], ())),
            "betrag_eur": _decimal_text(amount, places=2) if amount else "",
            "beginn": _first(props, "start"), "ende": _first(props, "end"), "zweck": _first(props, "zweck"),
        })  # fmt: skip
    tables["foerderungen"] = _sorted(rows, "id")

    rows = []
    definitions: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in store.select(_query("indikatordefinitionen")):
        key = _value(p)
        if key == _P["label"] and getattr(o, "language", None) == "en":
            key = "name_en"  # the English label has its own column
        definitions[_value(s)][key].append(_value(o))
    for iri, props in definitions.items():
        polarity = _first(props, "hoeherIstBesser")
        rows.append({
            "code": _first(props, "identifier") or _code(iri), "name": _first(props, "label"),
            "name_en": (props.get("name_en") or [""])[0],
            "einheit": _first(props, "einheit"),
            "polaritaet": {"true": "höher ist besser", "false": "höher ist schlechter"}.get(polarity, ""),
            "ebene": _first(props, "gebietsebene"), "beschreibung": _first(props, "description"),
        })  # fmt: skip
    tables["indikatordefinitionen"] = _sorted(rows, "code")

    rows = []
    for _, props in _long(store, "indikatoren").items():
        if not part.area(_first(props, "gebiet")):
            continue
        wert = _first(props, "wert")
        shown = _first(props, "wertAngabe") or (_decimal_text(wert) if wert else "")
        rows.append({
            "gebiet": districts.gebiet(_first(props, "gebiet")), "indikator": _join(_all(props, "indikator")),
            "jahr": _first(props, "jahr"), "wert": shown,
            "einheit": _first(props, "einheit"), "quelle": _first(props, "source"),
        })  # fmt: skip
    tables["indikatoren"] = sorted(
        rows, key=lambda r: (_natural(r["gebiet"]), r["indikator"], r["jahr"])
    )

    if include_private:
        found = []
        for iri, props in _long(store, "kontakte").items():
            if not part.actor(_first(props, "kontaktFuer")):
                continue
            found.append((actor_id(_first(props, "kontaktFuer")), _natural(iri), {
                "akteur": actor_id(_first(props, "kontaktFuer")), "name": _first(props, "name"),
                "funktion": _first(props, "funktion"), "email": _first(props, "email"),
                "telefon": _first(props, "telephone"),
            }))  # fmt: skip
        found.sort(key=lambda f: (_natural(f[0]), f[1]))
        tables["kontakte"] = [row for *_, row in found]
    return tables


class _CityPart:
    """Which rows belong to one city where the store holds the districts of several.

    An actor belongs to the city when one of its sites lies in it (its municipality or an area below it); a
    partnership, grant or contact person with one of the city's actors; a network that lies in the city or is
    coordinated by one of its actors (its memberships only with the city's actors); an offer of one of its
    actors or taking place in it; a mediation of such an offer or to one of its actors; a Kindercampus and an
    indicator value in it. Where the sites lie in one city only (or none lie anywhere), everything belongs:
    then an actor without a site is exported too.

    >>> part = _CityPart("x/gebiet/koeln")
    >>> part.site("a", "x/gebiet/koeln/stadtteil/1"); part.site("b", "x/gebiet/bonn/stadtteil/1")
    >>> part.actor("a"), part.actor("b"), part.any_actor(["b", "a"]), part.area("x/gebiet/koelnx/1")
    (True, False, True, False)
    """

    def __init__(self, gemeinde: str) -> None:
        self.gemeinde = gemeinde
        self._base = gemeinde.rsplit("/", 1)[0] + "/"  # …/id/gebiet/: the next segment names the city
        self._homes: dict[str, set[str]] = defaultdict(set)
        self._cities: set[str] = set()
        self.networks: set[str] = set()
        self.offers: set[str] = set()

    def site(self, actor: str, area: str) -> None:
        """Note that ``actor`` has a site in ``area`` (``""``: a site without an area)."""
        if area:
            self._homes[actor].add(area)
            if area.startswith(self._base):
                self._cities.add(area[len(self._base) :].split("/", 1)[0])

    @property
    def all(self) -> bool:
        """Whether everything belongs (the sites lie in one city at most)."""
        return len(self._cities) <= 1

    def area(self, iri: str) -> bool:
        """Whether the area ``iri`` is the city's municipality or lies below it."""
        return self.all or iri == self.gemeinde or iri.startswith(self.gemeinde + "/")

    def actor(self, iri: str) -> bool:
        """Whether the actor ``iri`` has a site in the city."""
        return self.all or any(self.area(a) for a in self._homes.get(iri, ()))

    def any_actor(self, iris: Iterable[str]) -> bool:
        """Whether one of ``iris`` is the city's actor."""
        return self.all or any(self.actor(i) for i in iris)

    def offer(self, iri: str) -> bool:
        """Whether the offer ``iri`` was exported (call after the offers)."""
        return self.all or iri in self.offers


def _site_owner(site: str, iris: Iris) -> str:
    """The import id of the actor whose site (``standort/<id>/<n>``) an offer takes place at."""
    prefix = iris.base + "standort/"
    return unquote(site[len(prefix):].rsplit("/", 1)[0]) if site.startswith(prefix) else _code(site)


def _sorted(rows: list[dict[str, str]], key: str) -> list[dict[str, str]]:
    return sorted(rows, key=lambda r: _natural(r[key]))

# -- Reading tables as text ----------------------------------------------------------------------------------


def tables_from_files(paths: Iterable[str | Path]) -> Tables:
    """The import tables of CSV files or workbooks as text, every cell as the importer sees it.

    Dates become ISO text, numbers lose a spurious ``.0``; no other change (codes stay as written). Useful to
    compare an export with its source and to turn CSV files into a workbook (:func:`write_example`).
    """
    tables: Tables = {}
    for path in expand_paths(paths):
        for raw in read_tables(path):
            rows = tables.setdefault(raw.table, [])
            for _, cells in raw.rows:
                row = dict.fromkeys(TABLES[raw.table], "")
                for column, cell in zip(raw.columns, cells, strict=True):
                    row[column] = cell_text(cell)
                rows.append(row)
    return tables
