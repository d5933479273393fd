"""The synthetic demo city: a realistic, deterministic education landscape on a real city profile."""

from __future__ import annotations

import math
import random
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, GEO, ORG, PREFIXES, PROV, QB, SCHEMA, VOCAB

if TYPE_CHECKING:
    from bildungsnetz.cities import CityProfile

__all__ = ["DemoCity", "DemoSummary", "generate", "DEMO_SOURCE", "ANCHOR"]

#: Source name of the demo data (graph ``graph/quelle/demo``).
DEMO_SOURCE = "demo"
#: Reference date of the generator: periods are placed around it, so output never depends on today.
ANCHOR = date(2026, 6, 30)

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCT = "http://purl.org/dc/terms/"
_FOAF = "http://xmlns.com/foaf/0.1/"
_XSD = "http://www.w3.org/2001/XMLSchema#"


def _n(term: object) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def _v(scheme: str, code: str) -> ox.NamedNode:
    return ox.NamedNode(str(VOCAB[f"{scheme}/{code}"]))


def _date(d: date) -> ox.Literal:
    return ox.Literal(d.isoformat(), datatype=ox.NamedNode(_XSD + "date"))


def _dec(x: float, digits: int = 2) -> ox.Literal:
    return ox.Literal(f"{x:.{digits}f}", datatype=ox.NamedNode(_XSD + "decimal"))


def _int(x: int) -> ox.Literal:
    return ox.Literal(str(x), datatype=ox.NamedNode(_XSD + "integer"))


P_LABEL = ox.NamedNode(_SKOS + "prefLabel")
P_ID = ox.NamedNode(_DCT + "identifier")
P_TITLE = ox.NamedNode(_DCT + "title")
P_DESC = ox.NamedNode(_DCT + "description")
P_START = _n(SCHEMA.startDate)
P_END = _n(SCHEMA.endDate)

# Share of each actor kind among the local (non city-wide) actors of a Stadtteil.
KIND_MIX: dict[str, float] = {
    "kita": 0.27, "schule": 0.13, "verein": 0.16, "sportverein": 0.09, "unternehmen": 0.08,
    "jugendhilfe": 0.06, "jugendfreizeit": 0.05, "familienzentrum": 0.04, "kultur": 0.04,
    "beratung": 0.02, "bibliothek": 0.015, "stiftung": 0.01, "weiterbildung": 0.005,
}  # fmt: skip
# NRW Schulform codes of local schools and their shares.
SCHOOL_MIX: dict[str, float] = {
    "02": 0.55, "04": 0.04, "08": 0.08, "10": 0.07, "14": 0.03, "15": 0.09, "20": 0.10, "30": 0.03, "17": 0.01,
}  # fmt: skip
SCHOOL_NAMES = {
    "02": "Grundschule", "04": "Hauptschule", "08": "Förderschule", "10": "Realschule", "14": "Sekundarschule",
    "15": "Gesamtschule", "20": "Gymnasium", "30": "Berufskolleg", "17": "Freie Waldorfschule",
}  # fmt: skip
SECONDARY = {"04", "10", "14", "15", "20", "17"}
# Mean number of partnerships an actor of a kind starts (the other side adds to its degree too).
KIND_ACTIVITY = {
    "schule": 2.2, "kita": 1.0, "familienzentrum": 1.2, "jugendhilfe": 1.0, "jugendfreizeit": 1.0,
    "verein": 0.6, "sportverein": 0.5, "kultur": 0.8, "bibliothek": 0.8, "unternehmen": 0.4,
    "beratung": 0.8, "stiftung": 0.5, "weiterbildung": 1.0,
}  # fmt: skip
# Whom an actor of a kind looks for as partner: (partner kind or "schule:<codes>", weight).
PARTNER_PREFS: dict[str, list[tuple[str, float]]] = {
    "kita": [("schule:02", 0.55), ("familienzentrum", 0.15), ("jugendhilfe", 0.1), ("bibliothek", 0.1),
             ("sportverein", 0.1)],
    "schule:02": [("kita", 0.35), ("schule:04,10,14,15,20", 0.2), ("sportverein", 0.15), ("jugendhilfe", 0.15),
                  ("bibliothek", 0.05), ("kultur", 0.05), ("verein", 0.05)],
    "schule:sek": [("unternehmen", 0.3), ("schule:02", 0.1), ("jugendhilfe", 0.15), ("kultur", 0.1),
                   ("sportverein", 0.1), ("verein", 0.1), ("schule:30", 0.1), ("jugendfreizeit", 0.05)],
    "schule:30": [("unternehmen", 0.6), ("schule:04,10,14,15,20", 0.3), ("jugendhilfe", 0.1)],
    "schule:08": [("jugendhilfe", 0.4), ("schule:02", 0.3), ("sportverein", 0.15), ("beratung", 0.15)],
    "familienzentrum": [("kita", 0.6), ("beratung", 0.2), ("verein", 0.2)],
    "jugendhilfe": [("schule", 0.6), ("jugendfreizeit", 0.2), ("familienzentrum", 0.2)],
    "jugendfreizeit": [("schule", 0.5), ("jugendhilfe", 0.2), ("verein", 0.2), ("sportverein", 0.1)],
    "verein": [("schule", 0.5), ("kita", 0.2), ("verein", 0.15), ("jugendfreizeit", 0.15)],
    "sportverein": [("schule", 0.7), ("kita", 0.2), ("jugendfreizeit", 0.1)],
    "kultur": [("schule", 0.8), ("kita", 0.1), ("bibliothek", 0.1)],
    "bibliothek": [("schule", 0.6), ("kita", 0.4)],
    "unternehmen": [("schule:04,10,14,15,20,30", 1.0)],
    "beratung": [("schule", 0.7), ("familienzentrum", 0.3)],
    "stiftung": [("schule", 0.5), ("verein", 0.3), ("kita", 0.2)],
    "weiterbildung": [("verein", 0.5), ("schule", 0.3), ("familienzentrum", 0.2)],
}  # fmt: skip

CITYWIDE = [
    # (key, kind, name template, sector override)
    ("bildungsbuero", "verwaltung", "Regionales Bildungsbüro {stadt}"),
    ("fb-schule", "verwaltung", "Fachbereich Schule {stadt}"),
    ("jugendamt", "verwaltung", "Jugendamt {stadt}"),
    ("statistik", "verwaltung", "Statistikstelle {stadt}"),
    ("schulpsychologie", "beratung", "Schulpsychologische Beratungsstelle {stadt}"),
    ("vhs", "weiterbildung", "Volkshochschule {stadt}"),
    ("universitaet", "hochschule", "Universität {stadt}"),
    ("fachhochschule", "hochschule", "Fachhochschule {stadt}"),
    ("ihk", "kammer", "Industrie- und Handelskammer {stadt}"),
    ("hwk", "kammer", "Handwerkskammer {stadt}"),
    ("agentur", "arbeitsagentur", "Agentur für Arbeit {stadt}"),
    ("jobcenter", "arbeitsagentur", "Jobcenter {stadt}"),
    ("stadtbibliothek", "bibliothek", "Stadt- und Landesbibliothek {stadt}"),
    ("museum", "kultur", "Museum für Kunst und Kulturgeschichte {stadt}"),
    ("musikschule", "kultur", "Musikschule {stadt}"),
    ("theater", "kultur", "Kinder- und Jugendtheater {stadt}"),
    ("umweltzentrum", "verein", "Umweltzentrum {stadt} e.V."),
    ("stadtsportbund", "sportverein", "Stadtsportbund {stadt}"),
    ("buergerstiftung", "stiftung", "Bürgerstiftung {stadt}"),
    ("awo", "verein", "AWO Unterbezirk {stadt}"),
    ("caritas", "verein", "Caritasverband {stadt}"),
]
# Which city-wide actors local actors of a kind turn to.
CITYWIDE_PREFS = {
    "schule": ["schulpsychologie", "vhs", "ihk", "hwk", "agentur", "museum", "musikschule", "theater",
               "umweltzentrum", "stadtbibliothek", "universitaet", "fachhochschule", "bildungsbuero"],
    "kita": ["jugendamt", "stadtbibliothek", "awo", "caritas", "umweltzentrum"],
    "familienzentrum": ["jugendamt", "vhs", "awo", "caritas"],
    "jugendhilfe": ["jugendamt", "awo", "caritas"],
    "jugendfreizeit": ["jugendamt", "stadtsportbund", "theater"],
    "verein": ["buergerstiftung", "vhs", "umweltzentrum", "bildungsbuero"],
    "sportverein": ["stadtsportbund"],
    "kultur": ["museum", "bildungsbuero"],
    "bibliothek": ["stadtbibliothek"],
    "unternehmen": ["ihk", "hwk", "agentur"],
    "beratung": ["jugendamt", "schulpsychologie"],
    "stiftung": ["buergerstiftung"],
    "weiterbildung": ["vhs", "jobcenter"],
}  # fmt: skip
PROGRAMME_AMOUNTS = {
    "kindercampus": (5_000, 30_000), "kaoa": (2_000, 15_000), "binakom": (8_000, 60_000),
    "aufholen-nach-corona": (3_000, 25_000), "bildungspartner-nrw": (500, 5_000),
    "bildung-integriert": (60_000, 250_000), "kommunale-koordinierung-neuzugewanderte": (40_000, 120_000),
}  # fmt: skip


@cache
def _templates() -> dict:
    with (Path(__file__).parent / "vorlagen.toml").open("rb") as fh:
        return tomllib.load(fh)


@dataclass
class _Area:
    bezirk_code: str
    bezirk_name: str
    code: str
    name: str
    iri: ox.NamedNode
    weight: float
    center: tuple[float, float] | None
    polygon: object | None = None
    need: float = 0.5


@dataclass
class _Actor:
    key: str
    kind: str
    name: str
    area: _Area | None
    schulform: str | None = None
    citywide: bool = False
    isolated: bool = False
    degree: int = 0
    iri: ox.NamedNode | None = None

    @property
    def group(self) -> str:
        if self.kind != "schule":
            return self.kind
        if self.schulform in SECONDARY:
            return "schule:sek"
        return f"schule:{self.schulform}"


@dataclass
class DemoSummary:
    """What the generator made, for the CLI's summary tables."""

    city: str
    actors_by_kind_and_bezirk: dict[tuple[str, str], int] = field(default_factory=dict)
    actors: int = 0
    partnerships: int = 0
    partnerships_valid: int = 0
    networks: int = 0
    memberships: int = 0
    offers: int = 0
    sdg_confirmed: Counter = field(default_factory=Counter)
    sdg_suggested: int = 0
    grants: int = 0
    mediations: int = 0
    isolated: int = 0
    triples: int = 0


@dataclass
class DemoCity:
    """The generated data: triples per named graph, and its summary."""

    graphs: dict[str, list[ox.Triple]]
    summary: DemoSummary

    def quads(self) -> Iterator[ox.Quad]:
        """All data as quads (for writing TriG)."""
        for name, triples in self.graphs.items():
            graph = ox.NamedNode(name)
            for t in triples:
                yield ox.Quad(t.subject, t.predicate, t.object, graph)

    def write_trig(self, path: Path) -> None:
        """Write the dataset as TriG with the project's prefixes."""
        with Path(path).open("wb") as fh:
            ox.serialize(self.quads(), fh, ox.RdfFormat.TRIG, prefixes=PREFIXES)


class _Builder:
    def __init__(self, *, profile, n_actors: int, seed: int, iris: Iris, reference_date: date) -> None:
        self.rng = random.Random(seed)
        #: The matcher's suggestions per (title, text): the demo's offers share a few texts.
        self._suggestions: dict[tuple[str, str], list] = {}
        self.iris = iris
        self.profile = profile
        self.n_actors = n_actors
        self.ref_date = reference_date
        self.t = _templates()
        self.data: list[ox.Triple] = []
        self.private: list[ox.Triple] = []
        self.actors: list[_Actor] = []
        self.by_key: dict[str, _Actor] = {}
        self.names: Counter = Counter()
        self.summary = DemoSummary(city=profile.label)
        self._funded: list[tuple[str, list[_Actor]]] = []
        self._offers: list[tuple[ox.NamedNode, str, _Actor]] = []
        self.areas = self._areas()

    # -- helpers ---------------------------------------------------------------
    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        self.data.append(ox.Triple(s, p, o))

    def unique_name(self, name: str) -> str:
        self.names[name] += 1
        return name if self.names[name] == 1 else f"{name} ({self.names[name]})"

    def pick(self, options: dict[str, float]) -> str:
        keys = list(options)
        return self.rng.choices(keys, weights=[options[k] for k in keys])[0]

    def _areas(self) -> list[_Area]:
        from bildungsnetz.cities import profile_layout  # the city layer knows the geometry

        areas = []
        layout = profile_layout(self.profile)
        centers = self._synthetic_centers(layout) if not self.profile.has_polygons else {}
        for item in layout:
            iri = _n(self.iris.gebiet(self.profile.name, "stadtteil", item.code))
            areas.append(
                _Area(
                    bezirk_code=item.bezirk_code,
                    bezirk_name=item.bezirk_name,
                    code=item.code,
                    name=item.name,
                    iri=iri,
                    weight=item.weight,
                    center=item.center or centers.get(item.code),
                    polygon=item.polygon,
                    need=self.rng.betavariate(2, 3),
                )
            )
        return areas

    def _synthetic_centers(self, layout) -> dict[str, tuple[float, float]]:
        # Without polygons the sites are placed on rings around the profile's city centre: Stadtbezirke on a
        # circle, their Stadtteile around each Stadtbezirk. Synthetic, like everything here, but it keeps
        # neighbouring districts near each other on a map.
        if self.profile.center is None:
            return {}
        lon0, lat0 = self.profile.center
        scale = 1 / math.cos(math.radians(lat0))
        bezirke = list(dict.fromkeys(item.bezirk_code for item in layout))
        out = {}
        for i, b in enumerate(bezirke):
            angle = 2 * math.pi * i / max(1, len(bezirke))
            bx, by = lon0 + 0.055 * scale * math.cos(angle), lat0 + 0.055 * math.sin(angle)
            teile = [item for item in layout if item.bezirk_code == b]
            for j, item in enumerate(teile):
                a2 = 2 * math.pi * j / max(1, len(teile))
                r = 0.0 if len(teile) == 1 else 0.014
                out[item.code] = (bx + r * scale * math.cos(a2), by + r * math.sin(a2))
        return out

    def point_in(self, area: _Area) -> tuple[float, float] | None:
        if area.polygon is not None:
            minx, miny, maxx, maxy = area.polygon.bounds
            from shapely.geometry import Point

            for _ in range(50):
                p = (self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy))
                if area.polygon.contains(Point(p)):
                    return p
            rp = area.polygon.representative_point()
            return (rp.x, rp.y)
        if area.center is None:
            return None
        lon, lat = area.center
        return (lon + self.rng.gauss(0, 0.004), lat + self.rng.gauss(0, 0.0028))

    # -- actors ----------------------------------------------------------------
    def make_actors(self) -> None:
        stadt = self.profile.label
        central = max(self.areas[: max(1, len(self.areas) // 10)], key=lambda a: a.weight)
        for key, kind, template in CITYWIDE:
            if len(self.actors) >= self.n_actors:
                break
            self._new_actor(
                key,
                kind,
                template.format(stadt=stadt),
                self.rng.choice(self.areas[:3] or [central]),
                citywide=True,
            )
        local = self.n_actors - len(self.actors)
        weights = [a.weight for a in self.areas]
        total = sum(weights)
        # Largest-remainder apportionment keeps counts deterministic and proportional to population.
        quotas = [local * w / total for w in weights]
        counts = [int(q) for q in quotas]
        rest = sorted(range(len(quotas)), key=lambda i: quotas[i] - counts[i], reverse=True)
        for i in rest[: local - sum(counts)]:
            counts[i] += 1
        n = 0
        for area, count in zip(self.areas, counts, strict=True):
            for _ in range(count):
                n += 1
                kind = self.pick(KIND_MIX)
                schulform = self.pick(SCHOOL_MIX) if kind == "schule" else None
                actor = self._new_actor(
                    f"D-{n:06d}", kind, self._local_name(kind, schulform, area), area, schulform=schulform
                )
                # Isolated institutions are likelier where need is high: that is where the network is thin.
                actor.isolated = self.rng.random() < 0.02 + 0.06 * area.need
        self.summary.actors = len(self.actors)

    def _local_name(self, kind: str, schulform: str | None, area: _Area) -> str:
        t, r, ort = self.t["namen"], self.rng, area.name
        if kind == "schule":
            base = SCHOOL_NAMES[schulform or "02"]
            style = r.random()
            if schulform == "02":
                name = f"{base} {r.choice(t['orte'])}" if style < 0.5 else f"{r.choice(t['personen'])}-{base}"
                return self.unique_name(f"{name} ({ort})" if style < 0.5 else name)
            if style < 0.5:
                return self.unique_name(f"{r.choice(t['personen'])}-{base}")
            return self.unique_name(f"{base} {ort}")
        if kind == "kita":
            return self.unique_name(f"{r.choice(t['traeger'])} Kita {r.choice(t['kita'])}")
        if kind == "familienzentrum":
            return self.unique_name(f"Familienzentrum {ort}")
        if kind == "jugendhilfe":
            options = [
                "Erziehungsberatung",
                "Schulsozialarbeit",
                "Ambulante Hilfen",
                "Jugendhilfedienst",
                "OGS-Träger",
            ]
            return self.unique_name(f"{r.choice(options)} {ort}")
        if kind == "jugendfreizeit":
            return self.unique_name(
                f"{r.choice(['Jugendtreff', 'Jugendfreizeitstätte', 'Kinder- und Jugendhaus'])} {ort}"
            )
        if kind == "verein":
            return self.unique_name(r.choice(t["vereine"]).format(ort=ort))
        if kind == "sportverein":
            return self.unique_name(r.choice(t["sportvereine"]).format(ort=ort, jahr=r.randint(1880, 1990)))
        if kind == "unternehmen":
            form = r.choice(["GmbH", "GmbH & Co. KG", "AG", "e.K."])
            return self.unique_name(f"{r.choice(t['firmen_nachnamen'])} {r.choice(t['firmen'])} {form}")
        if kind == "kultur":
            return self.unique_name(
                f"{r.choice(['Soziokulturelles Zentrum', 'Kulturhaus', 'Heimatmuseum', 'Atelier'])} {ort}"
            )
        if kind == "bibliothek":
            return self.unique_name(f"Stadtteilbibliothek {ort}")
        if kind == "beratung":
            return self.unique_name(
                f"{r.choice(['Familienberatungsstelle', 'Jugendberatung', 'Suchtberatung'])} {ort}"
            )
        if kind == "stiftung":
            return self.unique_name(f"{r.choice(t['firmen_nachnamen'])}-Stiftung {ort}")
        if kind == "weiterbildung":
            return self.unique_name(f"Bildungswerk {ort}")
        return self.unique_name(f"{kind} {ort}")

    def _new_actor(
        self,
        key: str,
        kind: str,
        name: str,
        area: _Area,
        *,
        schulform: str | None = None,
        citywide: bool = False,
    ) -> _Actor:
        actor = _Actor(key=key, kind=kind, name=name, area=area, schulform=schulform, citywide=citywide)
        actor.iri = _n(self.iris.akteur(key))
        self.actors.append(actor)
        self.by_key[key] = actor
        return actor

    def write_actors(self) -> None:
        from bildungsnetz.vocab import get_vocabulary  # class and default sector per kind come from the vocabulary

        vocab = get_vocabulary()
        kind_info = {}
        for a in self.actors:
            if a.kind not in kind_info:
                kind_iri = VOCAB[f"akteursart/{a.kind}"]
                kind_info[a.kind] = (vocab.actor_class(kind_iri), vocab.default_sector(kind_iri))
        t = self.t["namen"]
        for a in self.actors:
            cls, sector = kind_info[a.kind]
            s = a.iri
            self.add(s, _RDF_TYPE, _n(cls))
            self.add(s, P_LABEL, ox.Literal(a.name))
            self.add(s, P_ID, ox.Literal(a.key))
            self.add(s, _n(BN.akteursart), _v("akteursart", a.kind))
            self.add(s, _n(BN.sektor), ox.NamedNode(str(sector)))
            if a.schulform:
                self.add(s, _n(BN.schulform), _v("schulform", a.schulform))
                self.add(s, _n(BN.traegername), ox.Literal(f"Stadt {self.profile.label}"))
            elif a.kind == "kita" and self.rng.random() < 0.8:
                self.add(s, _n(BN.traegername), ox.Literal(a.name.split(" Kita ")[0]))
            if self.rng.random() < 0.6:
                slug = "".join(ch for ch in a.name.lower() if ch.isalnum())[:30]
                self.add(s, _n("http://xmlns.com/foaf/0.1/homepage"), ox.NamedNode(f"https://{slug}.example"))
            n_sites = 2 if a.kind == "schule" and self.rng.random() < 0.08 else 1
            for i in range(1, n_sites + 1):
                self._site(a, i, t)
            self.summary.actors_by_kind_and_bezirk[(a.kind, a.area.bezirk_name)] = (
                self.summary.actors_by_kind_and_bezirk.get((a.kind, a.area.bezirk_name), 0) + 1
            )

    def _site(self, a: _Actor, i: int, t: dict) -> None:
        site = _n(self.iris.standort(a.key, i))
        self.add(a.iri, _n(ORG.hasSite), site)
        self.add(site, _RDF_TYPE, _n(BN.Standort))
        self.add(site, _n(ORG.siteOf), a.iri)
        if i > 1:
            self.add(site, P_LABEL, ox.Literal(f"{a.name}, Teilstandort"))
        self.add(site, _n(BN.liegtIn), a.area.iri)
        adr = _n(self.iris.adresse(a.key, i))
        self.add(site, _n(SCHEMA.address), adr)
        self.add(adr, _RDF_TYPE, _n(SCHEMA.PostalAddress))
        self.add(
            adr,
            _n(SCHEMA.streetAddress),
            ox.Literal(f"{self.rng.choice(t['strassen'])} {self.rng.randint(1, 180)}"),
        )
        self.add(adr, _n(SCHEMA.addressLocality), ox.Literal(self.profile.label))
        point = self.point_in(a.area)
        if point is not None:
            geom = _n(self.iris.geometrie(a.key, i))
            self.add(site, _n(GEO.hasGeometry), geom)
            self.add(geom, _RDF_TYPE, _n(GEO.Geometry))
            self.add(
                geom,
                _n(GEO.asWKT),
                ox.Literal(f"POINT({point[0]:.5f} {point[1]:.5f})", datatype=_n(GEO.wktLiteral)),
            )

    # -- partnerships --------------------------------------------------------
    def _candidates(self) -> dict[tuple[str, str], list[_Actor]]:
        index: dict[tuple[str, str], list[_Actor]] = defaultdict(list)
        for a in self.actors:
            if a.citywide or a.isolated:
                continue
            for scope in (a.area.code, "B" + a.area.bezirk_code, "*"):
                index[(scope, a.kind)].append(a)
                if a.kind == "schule":
                    index[(scope, f"schule:{a.schulform}")].append(a)
        return index

    def _match(self, want: str, index, scopes: list[str]) -> list[_Actor]:
        for scope in scopes:
            found = index.get((scope, want))
            if found is None and ":" in want:
                codes = want.split(":", 1)[1].split(",")
                found = index[(scope, want)] = [
                    a for c in codes for a in index.get((scope, f"schule:{c}"), [])
                ]
            if found:
                # A bounded sample keeps large cities linear; preferential attachment then picks within it.
                return found if len(found) <= 60 else self.rng.sample(found, 60)
        return []

    def make_partnerships(self) -> None:
        index = self._candidates()
        pairs: list[tuple[list[_Actor], str]] = []
        seen: set[tuple[str, str]] = set()
        citywide = {a.key: a for a in self.actors if a.citywide}
        for a in self.actors:
            if a.citywide or a.isolated:
                continue
            prefs = PARTNER_PREFS.get(a.group) or PARTNER_PREFS.get(a.kind, [])
            if not prefs:
                continue
            # Thin networks where need is high: the gap the Bildungsbüro is looking for.
            mean = KIND_ACTIVITY.get(a.kind, 0.5) * (1.25 - 0.6 * a.area.need)
            # Only the planted isolates stand alone: every other actor starts at least one partnership
            # unless others already chose it.
            k = max(self._poisson(mean), 1 if a.degree == 0 else 0)
            for _ in range(k):
                r = self.rng.random()
                if r < 0.12 and CITYWIDE_PREFS.get(a.kind):
                    b = citywide.get(self.rng.choice(CITYWIDE_PREFS[a.kind]))
                else:
                    want = self.rng.choices([p for p, _ in prefs], weights=[w for _, w in prefs])[0]
                    if want == "schule":
                        want = "schule:02,04,08,10,14,15,20,30"
                    if r < 0.72:
                        scopes = [a.area.code, "B" + a.area.bezirk_code, "*"]
                    elif r < 0.95:
                        scopes = ["B" + a.area.bezirk_code, "*"]
                    else:
                        scopes = ["*"]
                    found = [c for c in self._match(want, index, scopes) if c is not a]
                    # Preferential attachment: well-connected actors attract more partners.
                    b = self.rng.choices(found, weights=[1 + c.degree for c in found])[0] if found else None
                if b is None or b is a:
                    continue
                pair = tuple(sorted((a.key, b.key)))
                if pair in seen and self.rng.random() < 0.85:
                    continue
                seen.add(pair)
                a.degree += 1
                b.degree += 1
                partners = [a, b]
                if self.rng.random() < 0.06:
                    extra = self._match("verein", index, ["B" + a.area.bezirk_code, "*"])
                    if extra:
                        c = self.rng.choice(extra)
                        if c not in partners:
                            partners.append(c)
                            c.degree += 1
                pairs.append((partners, self._tie_kind(a, b)))
        # City-wide brokers tie to each other.
        cw = list(citywide.values())
        for i, a in enumerate(cw):
            for b in cw[i + 1 :]:
                if self.rng.random() < 0.25:
                    pairs.append(([a, b], "verwaltung"))
        for n, (partners, kind) in enumerate(pairs, start=1):
            self._write_partnership(f"DK-{n:06d}", partners, kind)
        self.summary.partnerships = len(pairs)

    def _poisson(self, mean: float) -> int:
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    @staticmethod
    def _tie_kind(a: _Actor, b: _Actor) -> str:
        kinds = {a.group, b.group, a.kind, b.kind}
        if "kita" in kinds and "schule:02" in kinds:
            return "kita-gs"
        if "schule:02" in kinds and "schule:sek" in kinds:
            return "gs-sek"
        if kinds & {"unternehmen", "kammer", "arbeitsagentur", "schule:30"} and kinds & {
            "schule:sek",
            "schule:30",
        }:
            return "beruf"
        if kinds & {"kultur", "bibliothek"}:
            return "kultur"
        if "sportverein" in kinds:
            return "sport"
        if kinds & {"jugendhilfe", "jugendfreizeit", "beratung"}:
            return "teilhabe"
        if "familienzentrum" in kinds:
            return "frueh"
        if "stiftung" in kinds:
            return "foerder"
        return "projekt"

    def _period(self, *, project: bool) -> tuple[date, date | None]:
        year = self.rng.choices(range(2012, 2028), weights=[1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 5, 2])[
            0
        ]
        start = date(year, self.rng.choice([1, 2, 8, 9]), 1)
        if project or self.rng.random() < 0.35:
            end_year = year + self.rng.randint(1, 4)
            end = date(end_year, 7 if start.month >= 8 else 12, 31)
            return start, end
        return start, None

    def _write_partnership(self, key: str, partners: list[_Actor], tie: str) -> None:
        r = self.rng
        art, feld, programm = {
            "kita-gs": (
                "kooperationsvereinbarung",
                "uebergangsmanagement",
                "kindercampus" if r.random() < 0.3 else None,
            ),
            "gs-sek": ("kooperationsvereinbarung", "uebergangsmanagement", None),
            "beruf": (
                "bildungspartnerschaft",
                "uebergang-schule-beruf",
                "kaoa" if r.random() < 0.6 else None,
            ),
            "kultur": (
                "bildungspartnerschaft",
                "kulturelle-bildung",
                "bildungspartner-nrw" if r.random() < 0.5 else None,
            ),
            "sport": ("kooperationsvereinbarung", "sport", None),
            "teilhabe": (
                r.choice(["kooperationsvereinbarung", "traegerschaft"]),
                "bildungsteilhabe",
                "aufholen-nach-corona" if r.random() < 0.2 else None,
            ),
            "frueh": ("kooperationsvereinbarung", "fruehkindliche-bildung", None),
            "foerder": ("foerderbeziehung", r.choice(["bildungsteilhabe", "zukunftsbildung"]), None),
            "verwaltung": (
                "kooperationsvereinbarung",
                r.choice(["bildungsteilhabe", "uebergang-schule-beruf", "zukunftsbildung"]),
                "bildung-integriert",
            ),
            "projekt": (
                "projektpartnerschaft",
                r.choice(
                    ["sprachbildung", "neuzugewanderte", "demokratiebildung", "zukunftsbildung", "mint"]
                ),
                "binakom" if r.random() < 0.25 else None,
            ),
        }[tie]
        if r.random() < 0.1 and tie not in ("verwaltung",):
            art = "informell"
        s = _n(self.iris.kooperation(key))
        self.add(s, _RDF_TYPE, _n(BN.Kooperation))
        self.add(s, P_ID, ox.Literal(key))
        for p in partners:
            self.add(s, _n(BN.partner), p.iri)
        self.add(s, _n(BN.kooperationsart), _v("kooperationsart", art))
        self.add(s, _n(BN.handlungsfeld), _v("handlungsfeld", feld))
        if programm:
            self.add(s, _n(BN.programm), _n(self.iris.programm(programm)))
            self._funded.append((programm, partners))
        start, end = self._period(project=art == "projektpartnerschaft")
        self.add(s, P_START, _date(start))
        if end:
            self.add(s, P_END, _date(end))
        if start <= self.ref_date and (end is None or end >= self.ref_date):
            self.summary.partnerships_valid += 1
        names = " und ".join(p.name for p in partners[:2])
        self.add(s, P_DESC, ox.Literal(f"Kooperation von {names}.", language="de"))

    # -- networks ------------------------------------------------------------
    def make_networks(self) -> None:
        by_bezirk: dict[str, list[_Actor]] = defaultdict(list)
        names: dict[str, str] = {}
        for a in self.actors:
            if not a.citywide and not a.isolated:
                by_bezirk[a.area.bezirk_code].append(a)
                names[a.area.bezirk_code] = a.area.bezirk_name
        cw = {a.key: a for a in self.actors if a.citywide}
        buero = cw.get("bildungsbuero")
        n = 0
        for code in sorted(by_bezirk, key=lambda c: (len(c), c)):
            members = by_bezirk[code]
            n += 1
            coord = buero if buero and self.rng.random() < 0.5 else self.rng.choice(members)
            chosen = [a for a in members if self.rng.random() < 0.22 + (0.2 if a.kind == "schule" else 0)]
            self._network(
                f"BN-{code}",
                f"Bildungsnetzwerk {names[code]}",
                "bildungsnetzwerk",
                coord,
                [coord, *chosen],
                gebiet=_n(self.iris.gebiet(self.profile.name, "stadtbezirk", code)),
            )
            uebergang = [a for a in members if a.kind == "kita" or a.schulform == "02"]
            if len(uebergang) >= 4:
                n += 1
                picked = [a for a in uebergang if self.rng.random() < 0.45]
                if picked:
                    self._network(
                        f"AK-{code}",
                        f"Arbeitskreis Übergang Kita–Grundschule {names[code]}",
                        "arbeitskreis",
                        picked[0],
                        picked,
                        gebiet=_n(self.iris.gebiet(self.profile.name, "stadtbezirk", code)),
                    )
        everyone = [a for a in self.actors if not a.isolated and not a.citywide]
        schools = [a for a in everyone if a.kind == "schule"]
        secondary = [a for a in schools if a.schulform in SECONDARY | {"30"}]
        city = _n(self.iris.gemeinde(self.profile.name))
        if buero:
            cwl = list(cw.values())
            self._network(
                "BK",
                f"Bildungskonferenz {self.profile.label}",
                "bildungskonferenz",
                buero,
                cwl + self.rng.sample(schools, min(len(schools), 12)),
                gebiet=city,
            )
            self._network(
                "LK",
                "Lenkungskreis Regionales Bildungsbüro",
                "lenkungskreis",
                buero,
                [a for a in cwl if a.kind in ("verwaltung", "beratung", "weiterbildung")],
                gebiet=city,
            )
            beirat = [a for a in cwl if a.kind in ("kammer", "arbeitsagentur")]
            self._network(
                "BUE",
                "Beirat Übergang Schule–Arbeitswelt",
                "beirat-uebergang",
                cw.get("agentur", buero),
                beirat + self.rng.sample(secondary, min(len(secondary), 10)),
                gebiet=city,
            )
            self._network(
                "KAOA",
                f"KAoA-Kooperationsverbund {self.profile.label}",
                "kooperationsverbund",
                buero,
                beirat + self.rng.sample(secondary, min(len(secondary), 25)),
                gebiet=city,
            )
            n += 4
        self.summary.networks = n

    def _network(
        self,
        key: str,
        name: str,
        kind: str,
        coordinator: _Actor,
        members: list[_Actor],
        *,
        gebiet: ox.NamedNode,
    ) -> None:
        s = _n(self.iris.netzwerk(key))
        self.add(s, _RDF_TYPE, _n(BN.Netzwerk))
        self.add(s, P_LABEL, ox.Literal(name))
        self.add(s, P_ID, ox.Literal(key))
        self.add(s, _n(BN.netzwerkart), _v("netzwerkart", kind))
        self.add(s, _n(BN.gebiet), gebiet)
        self.add(s, _n(BN.koordination), coordinator.iri)
        founded = date(self.rng.randint(2010, 2021), 1, 1)
        self.add(s, P_START, _date(founded))
        seen = set()
        for m in members:
            if m.key in seen:
                continue
            seen.add(m.key)
            ms = _n(self.iris.mitgliedschaft(key, m.key))
            self.add(ms, _RDF_TYPE, _n(ORG.Membership))
            self.add(ms, _n(ORG.organization), s)
            self.add(ms, _n(ORG.member), m.iri)
            role = "koordination" if m is coordinator else ("vorsitz" if len(seen) == 2 else "mitglied")
            self.add(ms, _n(ORG.role), _v("rolle", role))
            start = date(self.rng.randint(founded.year, 2025), 1, 1)
            self.add(ms, P_START, _date(start))
            if self.rng.random() < 0.1:
                self.add(ms, P_END, _date(date(min(start.year + self.rng.randint(1, 4), 2026), 12, 31)))
            self.summary.memberships += 1

    # -- offers ----------------------------------------------------------------
    def make_offers(self) -> None:
        themes = self.t["themen"]
        per_kind = {"schule": 0.5, "kultur": 2.0, "bibliothek": 2.0, "verein": 1.0, "sportverein": 0.8,
                    "jugendfreizeit": 1.3, "weiterbildung": 6.0, "familienzentrum": 1.2, "kita": 0.35,
                    "unternehmen": 0.3, "hochschule": 3.0, "kammer": 2.0, "arbeitsagentur": 2.0,
                    "jugendhilfe": 0.5, "beratung": 0.5}  # fmt: skip
        n = 0
        for a in self.actors:
            mean = per_kind.get(a.kind, 0.0) * (3 if a.citywide else 1)
            fitting = [t for t in themes if a.kind in t["anbieter"]]
            if not fitting:
                continue
            for _ in range(self._poisson(mean)):
                n += 1
                theme = self.rng.choices(fitting, weights=[t["gewicht"] for t in fitting])[0]
                self._offer(f"DA-{n:06d}", a, theme)
        self.summary.offers = n

    def _offer(self, key: str, provider: _Actor, theme: dict) -> None:
        r = self.rng
        s = _n(self.iris.angebot(key))
        self._offers.append((s, key, provider))
        self.add(s, _RDF_TYPE, _n(BN.Angebot))
        self.add(s, P_ID, ox.Literal(key))
        title = r.choice(theme["titel"])
        self.add(s, P_TITLE, ox.Literal(title, language="de"))
        self.add(s, P_DESC, ox.Literal(theme["text"], language="de"))
        self.add(s, _n(BN.anbieter), provider.iri)
        for zg in r.sample(theme["zielgruppe"], k=r.randint(1, len(theme["zielgruppe"]))):
            self.add(s, _n(BN.zielgruppe), _v("zielgruppe", zg))
        self.add(s, _n(BN.bildungsphase), _v("bildungsphase", r.choice(theme["bildungsphase"])))
        self.add(s, _n(BN.handlungsfeld), _v("handlungsfeld", theme["handlungsfeld"]))
        self.add(s, _n(BN.gebiet), provider.area.iri)
        if theme["sdg"] and r.random() < 0.3:
            self.add(s, _n(BN.programm), _n(self.iris.programm("binakom")))
        start, end = self._period(project=r.random() < 0.5)
        self.add(s, P_START, _date(start))
        if end:
            self.add(s, P_END, _date(end))
        sdgs = list(theme["sdg"])
        if not sdgs:
            return
        # Two thirds of BNE offers were reviewed by BiNaKom (confirmed); the rest await review as suggestions.
        reviewed = r.random() < 0.67
        when = ox.Literal(
            f"{min(start.year, 2026)}-{r.randint(1, 12):02d}-15T10:00:00Z",
            datatype=ox.NamedNode(_XSD + "dateTime"),
        )
        if not reviewed:
            # The suggestions are the real matcher's, with its scores and evidence words. The draws of the random
            # scores they replaced are still made, so that a seed gives the same city as before.
            for _ in sdgs[: r.randint(1, len(sdgs))]:
                r.random()
            self._suggest(key, s, title, theme["text"], when)
            return
        for i, goal in enumerate(sdgs[: r.randint(1, len(sdgs))]):
            z = _n(self.iris.sdg_zuordnung(key, goal))
            self.add(s, _n(BN.sdgZuordnung), z)
            self.add(z, _RDF_TYPE, _n(BN.SDGZuordnung))
            self.add(z, _n(BN.sdg), _v("sdg", goal))
            if i == 0 and theme.get("unterziel", "").split(".")[0] == goal:
                self.add(z, _n(BN.sdgUnterziel), _v("sdg", theme["unterziel"]))
            if reviewed:
                status = "bestaetigt" if r.random() < 0.95 else "abgelehnt"
                self.add(z, _n(BN.methode), ox.Literal("manuell"))
                self.add(z, _n(PROV.wasAttributedTo), _n(self.iris.nutzer("binakom-redaktion")))
                if status == "bestaetigt":
                    self.summary.sdg_confirmed[int(goal)] += 1
            else:
                status = "vorgeschlagen"
                self.add(z, _n(BN.methode), ox.Literal("demo"))
                self.add(z, _n(BN.score), _dec(r.uniform(0.35, 0.95)))
                self.add(z, _n(PROV.wasAttributedTo), _n(self.iris.nutzer("bildungsnetz")))
                self.summary.sdg_suggested += 1
            self.add(z, _n(BN.status), _v("zuordnungsstatus", status))
            self.add(z, _n(PROV.generatedAtTime), when)

    def _suggest(self, key: str, offer: ox.NamedNode, title: str, text: str, when: ox.Literal) -> None:
        """The matcher's suggestions for an offer's text, stored as the suggester stores them."""
        from bildungsnetz.sdg.matcher import get_matcher  # noqa: PLC0415 - loads the keyword model once

        matcher = get_matcher()
        found = self._suggestions.get((title, text))
        if found is None:
            found = self._suggestions[(title, text)] = matcher.suggest(text, title=title)
        for suggestion in found:
            z = _n(self.iris.sdg_zuordnung(key, str(suggestion.sdg)))
            self.add(offer, _n(BN.sdgZuordnung), z)
            self.add(z, _RDF_TYPE, _n(BN.SDGZuordnung))
            self.add(z, _n(BN.sdg), _v("sdg", str(suggestion.sdg)))
            if suggestion.target:
                self.add(z, _n(BN.sdgUnterziel), _v("sdg", suggestion.target))
            self.add(z, _n(BN.methode), ox.Literal(matcher.model.method))
            self.add(z, _n(BN.score), _dec(suggestion.score))
            for word in suggestion.evidence:
                self.add(z, _n(BN.evidenz), ox.Literal(word))
            self.add(z, _n(PROV.wasAttributedTo), _n(self.iris.nutzer("bildungsnetz")))
            self.add(z, _n(BN.status), _v("zuordnungsstatus", "vorgeschlagen"))
            self.add(z, _n(PROV.generatedAtTime), when)
            self.summary.sdg_suggested += 1

    # -- funding, indicators, contacts -----------------------------------------
    def make_grants(self) -> None:
        n = 0
        for programme, partners in self._funded:
            if self.rng.random() > 0.35:
                continue
            n += 1
            lo, hi = PROGRAMME_AMOUNTS.get(programme, (1_000, 10_000))
            recipient = self.rng.choice(partners)
            s = _n(self.iris.foerderung(f"DF-{n:06d}"))
            self.add(s, _RDF_TYPE, _n(BN.Foerderung))
            self.add(s, P_ID, ox.Literal(f"DF-{n:06d}"))
            self.add(s, _n(BN.programm), _n(self.iris.programm(programme)))
            self.add(s, _n(BN.empfaenger), recipient.iri)
            self.add(s, _n(BN.betragEUR), _dec(round(self.rng.uniform(lo, hi), -2)))
            year = self.rng.randint(2020, 2026)
            self.add(s, P_START, _date(date(year, 1, 1)))
            self.add(s, P_END, _date(date(year, 12, 31)))
            self.add(s, _n(BN.zweck), ox.Literal(f"Förderung im Programm {programme} für {recipient.name}"))
        self.summary.grants = n

    def make_indicators(self) -> None:
        dataset = _n(self.iris.datensatz("indikatoren"))
        self.add(dataset, _RDF_TYPE, _n(QB.DataSet))
        self.add(dataset, _n(QB.structure), _n(BN.indikatorStruktur))
        self.add(
            dataset, P_LABEL, ox.Literal("Indikatoren je Stadtteil und Jahr (synthetisch)", language="de")
        )
        for area in self.areas:
            for year in (2022, 2023, 2024):
                drift = (year - 2023) * self.rng.uniform(-0.6, 0.6)
                values = {
                    "sgb2-quote": (4 + 32 * area.need + drift, "Prozent"),
                    "sprachfoerderbedarf": (12 + 40 * area.need + self.rng.uniform(-3, 3), "Prozent"),
                    "kinder-u6-anteil": (4.5 + 3 * area.need + self.rng.uniform(-0.5, 0.5), "Prozent"),
                }
                for ind, (value, unit) in values.items():
                    o = _n(self.iris.beobachtung(f"{self.profile.name}-{area.code}", ind, str(year)))
                    self.add(o, _RDF_TYPE, _n(QB.Observation))
                    self.add(o, _n(QB.dataSet), dataset)
                    self.add(o, _n(BN.gebiet), area.iri)
                    self.add(o, _n(BN.indikator), _v("indikator", ind))
                    self.add(o, _n(BN.jahr), ox.Literal(str(year), datatype=ox.NamedNode(_XSD + "gYear")))
                    self.add(o, _n(BN.wert), _dec(max(0.0, value), 1))
                    self.add(o, _n(BN.einheit), ox.Literal(unit))
                    self.add(o, ox.NamedNode(_DCT + "source"), ox.Literal("synthetisch (bildungsnetz demo)"))

    def make_contacts(self) -> None:
        t = self.t["namen"]
        functions = {"schule": "Schulleitung", "kita": "Kita-Leitung", "verwaltung": "Koordination"}
        for a in self.actors:
            if self.rng.random() > 0.3:
                continue
            p = _n(self.iris.kontakt(a.key, 1))
            first, last = self.rng.choice(t["vornamen"]), self.rng.choice(t["nachnamen"])
            self.private += [
                ox.Triple(p, _RDF_TYPE, _n(BN.Kontaktperson)),
                ox.Triple(p, ox.NamedNode(_FOAF + "name"), ox.Literal(f"{first} {last}")),
                ox.Triple(p, _n(BN.funktion), ox.Literal(functions.get(a.kind, "Ansprechperson"))),
                ox.Triple(
                    p, _n(SCHEMA.email), ox.Literal(f"{first.lower()}.{last.lower()}@{a.key.lower()}.example")
                ),
                ox.Triple(p, _n(SCHEMA.telephone), ox.Literal(f"+49 000 {self.rng.randint(100000, 999999)}")),
                ox.Triple(p, _n(BN.kontaktFuer), a.iri),
            ]

    # -- offer catalogue and mediations (source vermittlungen) ------------------
    def make_catalogue(self) -> dict[str, list[ox.Triple]]:
        """Places and cost of the offers, and mediations of some of them to schools and Kitas of their Stadtbezirk.

        A random generator of its own: the rest of the city stays exactly as before these were added.
        """
        r = random.Random(f"{self.rng.random()}-vermittlungen")
        for s, _, _ in self._offers:
            if r.random() < 0.8:
                self.add(s, _n(BN.plaetze), _int(r.choice([8, 10, 12, 15, 20, 25, 30])))
            if r.random() < 0.85:
                self.add(s, _n(BN.kostenEUR), _dec(0 if r.random() < 0.6 else r.choice([25, 50, 80, 120, 250])))
        takers = [a for a in self.actors if a.kind in ("schule", "kita") and a.area is not None]
        data: list[ox.Triple] = []
        private: list[ox.Triple] = []
        if not takers or not self._offers:
            return {}
        statuses = {"angefragt": 0.2, "vermittelt": 0.25, "durchgefuehrt": 0.45, "abgelehnt": 0.1}
        count = min(60, max(8, len(self._offers) // 4))
        for n in range(1, count + 1):
            s, _, provider = r.choice(self._offers)
            near = [a for a in takers if provider.area is not None and a.area.bezirk_code == provider.area.bezirk_code]
            to = r.choice(near or takers)
            node = _n(f"{self.iris.base}vermittlung/V-{n}")
            day = self.ref_date - timedelta(days=r.randint(5, 400))
            data += [
                ox.Triple(node, _RDF_TYPE, _n(BN.Vermittlung)),
                ox.Triple(node, P_ID, ox.Literal(f"V-{n}")),
                ox.Triple(node, _n(BN.vermitteltesAngebot), s),
                ox.Triple(node, _n(BN.vermitteltAn), to.iri),
                ox.Triple(node, _n(BN.vermittlungsstatus), _v("vermittlungsstatus", self.pick_with(r, statuses))),
                ox.Triple(node, ox.NamedNode(PREFIXES["dcterms"] + "date"), _date(day)),
                ox.Triple(node, _n(PROV.generatedAtTime), ox.Literal(f"{day.isoformat()}T10:00:00Z",
                                                                      datatype=ox.NamedNode(_XSD + "dateTime"))),
            ]  # fmt: skip
            private.append(ox.Triple(node, _n(PROV.wasAttributedTo), _n(self.iris.nutzer("servicestelle-demo"))))
        self.summary.mediations = count
        public, hidden = self.iris.graph("quelle/vermittlungen"), self.iris.graph("privat/vermittlungen")
        meta = []
        for g, private_graph in ((public, "false"), (hidden, "true")):
            meta += [
                ox.Triple(_n(g), _RDF_TYPE, _n(BN.Quellgraph)),
                ox.Triple(_n(g), _n(BN.quelle), ox.Literal("vermittlungen")),
                ox.Triple(_n(g), _n(BN.synthetisch), ox.Literal("true", datatype=ox.NamedNode(_XSD + "boolean"))),
                ox.Triple(_n(g), _n(BN.privat), ox.Literal(private_graph, datatype=ox.NamedNode(_XSD + "boolean"))),
                ox.Triple(_n(g), P_LABEL, ox.Literal("Vermittlungen der Demo-Stadt", language="de")),
            ]
        return {str(public): data, str(hidden): private, str(self.iris.graph("meta/vermittlungen")): meta}

    @staticmethod
    def pick_with(r: random.Random, options: dict[str, float]) -> str:
        return r.choices(list(options), weights=list(options.values()))[0]

    # -- Kindercampus and an own indicator (Wirkungsmonitoring) -------------------
    #: The two model campuses of the seed texts: (Stadtteil, campus name, school name as the seed gives it).
    CAMPUSES = (("Hörde", "KC-HOERDE", "Kindercampus Hörde"), ("Westerfilde", "KC-WESTERFILDE",
                                                                 "Kindercampus Westerfilde"))
    #: Offers on a campus: (title, provider kinds, field of action, target groups, stage, weekdays)
    CAMPUS_OFFERS = (
        ("Sprachförderung im Tandem Kita–Grundschule", ("kita", "schule"), "sprachbildung",
         ("kinder-u6", "kinder"), "fruehkindlich", ("Di", "Do")),
        ("Elterncafé am Campus", ("familienzentrum", "verein", "kita"), "bildungsteilhabe",
         ("eltern", "familien"), "fruehkindlich", ("Mi",)),
        ("Schnupperstunden für Vorschulkinder", ("schule", "kita"), "uebergangsmanagement",
         ("kinder-u6",), "fruehkindlich", ("Mo", "Fr")),
        ("Bewegte Pause und Sport-AG", ("sportverein", "verein", "jugendfreizeit"), "sport",
         ("kinder",), "primar", ("Mo", "Mi")),
        ("Lernwerkstatt am Nachmittag", ("jugendfreizeit", "jugendhilfe", "verein", "schule"), "bildungsteilhabe",
         ("kinder", "familien-schwierige-lebenslagen"), "primar", ("Di", "Do")),
    )  # fmt: skip

    def make_campuses(self) -> None:
        """The two model campuses (Hörde, Westerfilde) around a primary school of their Stadtteil.

        Drawn from an own random stream, after everything else, so the rest of the demo city stays as it was.
        """
        rng = random.Random(f"kindercampus-{self.n_actors}-{self.rng.random()}")
        by_name = {a.name: a for a in self.areas}
        n = 0
        for teil, key, label in self.CAMPUSES:
            area = by_name.get(teil)
            if area is None:
                continue  # another city profile: the model campuses are Dortmund's
            near = [a for a in self.actors if a.area is not None and a.area.code == area.code]
            bezirk = [a for a in self.actors if a.area is not None and a.area.bezirk_code == area.bezirk_code]
            schools = [a for a in near + bezirk if a.kind == "schule" and a.schulform == "02"]
            schools = schools or [a for a in self.actors if a.kind == "schule" and a.schulform == "02"]
            if not schools:
                continue
            school = schools[0]
            members = [school]
            for kinds in (("kita",), ("kita",), ("jugendfreizeit", "jugendhilfe"), ("familienzentrum", "verein"),
                          ("sportverein", "verein")):  # fmt: skip
                found = [a for a in near + bezirk if a.kind in kinds and a not in members]
                if found:
                    members.append(found[0])
            s = _n(self.iris.kindercampus(key))
            self.add(s, _RDF_TYPE, _n(BN.Kindercampus))
            self.add(s, P_ID, ox.Literal(key))
            self.add(s, P_LABEL, ox.Literal(label))
            self.add(s, _n(BN.campusSchule), school.iri)
            self.add(s, _n(BN.liegtIn), area.iri)
            self.add(s, _n(BN.programm), _n(self.iris.programm("kindercampus")))
            for m in members:
                self.add(s, _n(BN.campusMitglied), m.iri)
            manager = _n(self.iris.campusmanagement(key))
            first, last = rng.choice(self.t["namen"]["vornamen"]), rng.choice(self.t["namen"]["nachnamen"])
            self.private += [
                ox.Triple(s, _n(BN.campusmanagement), manager),
                ox.Triple(manager, _RDF_TYPE, _n(BN.Kontaktperson)),
                ox.Triple(manager, ox.NamedNode(_FOAF + "name"), ox.Literal(f"{first} {last}")),
                ox.Triple(manager, _n(BN.funktion), ox.Literal("Campusmanagement")),
                ox.Triple(manager, _n(SCHEMA.email), ox.Literal(f"campus@{key.lower()}.example")),
                ox.Triple(manager, _n(BN.kontaktFuer), school.iri),
            ]
            for title, kinds, field_, groups, stage, days in self.CAMPUS_OFFERS:
                provider = next((m for m in members if m.kind in kinds), school)
                n += 1
                o = _n(self.iris.angebot(f"{key}-{n:02d}"))
                self.add(o, _RDF_TYPE, _n(BN.Angebot))
                self.add(o, P_ID, ox.Literal(f"{key}-{n:02d}"))
                self.add(o, P_TITLE, ox.Literal(title, language="de"))
                self.add(o, _n(BN.anbieter), provider.iri)
                for g in groups:
                    self.add(o, _n(BN.zielgruppe), _v("zielgruppe", g))
                self.add(o, _n(BN.bildungsphase), _v("bildungsphase", stage))
                self.add(o, _n(BN.handlungsfeld), _v("handlungsfeld", field_))
                self.add(o, _n(BN.gebiet), area.iri)
                self.add(o, _n(BN.programm), _n(self.iris.programm("kindercampus")))
                self.add(o, P_START, _date(date(2024, 8, 1) + timedelta(days=rng.randint(0, 300))))
                self.add(o, _n(BN.findetStattAn), s)
                for d in days:
                    self.add(o, _n(BN.wochentag), ox.Literal(d))
        self.summary.offers += n  # the demo's summary counts the offers on the campuses too

    def _own_indicator(self, code: str, de: str, en: str, unit: str, description: str) -> ox.NamedNode:
        """A city's own indicator per Stadtteil (higher is need, not better), described as the sheet would."""
        s = _n(self.iris.indikator(code))
        self.add(s, _RDF_TYPE, _n(BN.Indikator))
        self.add(s, _RDF_TYPE, ox.NamedNode(_SKOS + "Concept"))
        self.add(s, P_ID, ox.Literal(code))
        self.add(s, P_LABEL, ox.Literal(de, language="de"))
        self.add(s, P_LABEL, ox.Literal(en, language="en"))
        self.add(s, _n(BN.einheit), ox.Literal(unit))
        self.add(s, _n(BN.hoeherIstBesser), ox.Literal("false", datatype=ox.NamedNode(_XSD + "boolean")))
        self.add(s, _n(BN.gebietsebene), ox.Literal("stadtteil"))
        self.add(s, P_DESC, ox.Literal(description))
        return s

    def _observation(self, area: _Area, s: ox.NamedNode, code: str, year: int, unit: str) -> ox.NamedNode:
        """The observation of an own indicator in an area and year, without its value."""
        o = _n(self.iris.beobachtung(f"{self.profile.name}-{area.code}", code, str(year)))
        self.add(o, _RDF_TYPE, _n(QB.Observation))
        self.add(o, _n(QB.dataSet), _n(self.iris.datensatz("indikatoren")))
        self.add(o, _n(BN.gebiet), area.iri)
        self.add(o, _n(BN.indikator), s)
        self.add(o, _n(BN.jahr), ox.Literal(str(year), datatype=ox.NamedNode(_XSD + "gYear")))
        self.add(o, _n(BN.einheit), ox.Literal(unit))
        return o

    def make_children_indicator(self) -> None:
        """The number of children under 18 per Stadtteil and year (invented), under the code need versus network
        takes for offers per 1,000 children when nobody chose one (:data:`analysis.gaps.CHILDREN_CODE`)."""
        from bildungsnetz.analysis.gaps import CHILDREN_CODE

        s = self._own_indicator(CHILDREN_CODE, "Kinder unter 18", "children under 18", "Anzahl",
                                "Zahl der Kinder unter 18 Jahren (synthetisch, erfunden)")
        known = sorted(a.weight for a in self.areas if a.weight >= 500)
        typical = known[len(known) // 2] if known else 8000.0  # a profile without populations: a middling one
        for area in self.areas:
            people = area.weight if area.weight >= 500 else typical
            share = 0.14 + 0.06 * area.need  # more children where the need is higher, as in most cities
            for year in (2022, 2023, 2024):
                o = self._observation(area, s, CHILDREN_CODE, year, "Anzahl")
                count = round(people * share * (1 + 0.01 * (year - 2023)))
                self.add(o, _n(BN.wert), _dec(count, 0))

    def make_own_indicator(self) -> None:
        """'Kinderarmut' as a city's own indicator per Stadtteil, small Stadtteile suppressed ("*")."""
        rng = random.Random(f"kinderarmut-{self.n_actors}")
        s = self._own_indicator("kinderarmut", "Kinderarmut", "child poverty", "Prozent",
                                "Anteil der Kinder unter 15 Jahren in Bedarfsgemeinschaften (synthetisch)")
        boolean = ox.NamedNode(_XSD + "boolean")
        threshold = sorted(a.weight for a in self.areas)[len(self.areas) // 6] if self.areas else 0
        for area in self.areas:
            small = area.weight <= threshold  # few children: the statistics office suppresses the value
            for year in (2022, 2023, 2024):
                o = self._observation(area, s, "kinderarmut", year, "Prozent")
                if small and year == 2024:
                    self.add(o, _n(BN.wertUnterdrueckt), ox.Literal("true", datatype=boolean))
                    self.add(o, _n(BN.wertAngabe), ox.Literal("*"))
                else:
                    value = 6 + 40 * area.need + (year - 2023) * rng.uniform(-1.5, 1.5)
                    self.add(o, _n(BN.wert), _dec(max(0.5, value), 1))

    def build(self) -> tuple[DemoCity, list[ox.Triple]]:
        self.make_actors()
        self.write_actors()
        self.make_partnerships()
        self.make_networks()
        self.make_offers()
        self.make_grants()
        self.make_indicators()
        self.make_contacts()
        mediations = self.make_catalogue()

        self.make_campuses()
        self.make_own_indicator()
        self.make_children_indicator()
        self.summary.isolated = sum(1 for a in self.actors if a.isolated)
        data_graph = str(self.iris.graph(f"quelle/{DEMO_SOURCE}"))
        private_graph = str(self.iris.graph(f"privat/{DEMO_SOURCE}"))
        meta = self._meta(data_graph, private_graph)
        self.summary.triples = len(self.data) + len(self.private) + len(meta)
        return DemoCity(
            graphs={data_graph: self.data, private_graph: self.private, **mediations},
            summary=self.summary,
        ), meta

    def _meta(self, data_graph: str, private_graph: str) -> list[ox.Triple]:
        out = []
        for g, private in ((data_graph, False), (private_graph, True)):
            s = ox.NamedNode(g)
            out += [
                ox.Triple(s, _RDF_TYPE, _n(BN.Quellgraph)),
                ox.Triple(s, _n(BN.quelle), ox.Literal(DEMO_SOURCE)),
                ox.Triple(s, _n(BN.synthetisch), ox.Literal("true", datatype=ox.NamedNode(_XSD + "boolean"))),
                ox.Triple(
                    s,
                    _n(BN.privat),
                    ox.Literal("true" if private else "false", datatype=ox.NamedNode(_XSD + "boolean")),
                ),
                ox.Triple(
                    s,
                    P_LABEL,
                    ox.Literal(
                        f"Synthetische Demo-Stadt auf dem Gebiet von {self.profile.label} ({len(self.actors)} Akteure)",
                        language="de",
                    ),
                ),
                ox.Triple(s, _n(BN.anzahlTripel), _int(len(self.private if private else self.data))),
            ]
        return out


def generate(
    *,
    city: str | CityProfile = "dortmund",
    actors: int = 2000,
    seed: int = 1,
    iris: Iris | None = None,
    reference_date: date = ANCHOR,
) -> DemoCity:
    """Generate the demo city.

    Parameters
    ----------
    city
        A loaded city profile (or the name of a shipped one); its real district structure carries the
        synthetic actors.
    actors
        Number of actors, 100 to 200,000.
    seed
        Same seed, same city: the output is deterministic.
    iris
        IRI factory (base IRI from the settings).
    reference_date
        Date the summary counts valid partnerships at.

    Returns
    -------
    DemoCity
        Triples of the data graph, the private graph (contact persons) and ``graph/meta``.
    """
    from bildungsnetz.cities import CityProfile, load_profile

    if not 100 <= actors <= 200_000:
        raise ValueError(
            f"--actors {actors}: erlaubt sind 100 bis 200.000 Akteure / allowed are 100 to 200,000 actors"
        )
    iris = iris or Iris()
    profile = city if isinstance(city, CityProfile) else load_profile(city)
    builder = _Builder(profile=profile, n_actors=actors, seed=seed, iris=iris, reference_date=reference_date)
    demo, meta = builder.build()
    demo.graphs[str(iris.graph(f"meta/{DEMO_SOURCE}"))] = meta
    return demo
