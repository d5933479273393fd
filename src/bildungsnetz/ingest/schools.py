"""Map the NRW ministry's school list (``schuldaten.csv``) to schools with a site, a point and a district."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox

from bildungsnetz.cities import CityProfile, DistrictLocator, utm32_to_wgs84
from bildungsnetz.errors import SchoolListError
from bildungsnetz.ingest import Origin, SourceFile, Staged
from bildungsnetz.iris import Iris, is_schulnummer
from bildungsnetz.namespace import BN, BNSH, GEO, ORG, PREFIXES, SCHEMA, VOCAB
from bildungsnetz.validate.report import Violation
from bildungsnetz.vocab import UnknownTerm, get_vocabulary

__all__ = [
    "COLUMNS",
    "REQUIRED",
    "SchoolListError",
    "join_name",
    "looks_like_school_list",
    "map_schools",
    "normalise_homepage",
]

#: The columns of the ministry's list, in the published order.
COLUMNS = (
    "Schulnummer", "Schulform", "Schulbezeichnung_1", "Schulbezeichnung_2", "Schulbezeichnung_3",
    "Kurzbezeichnung", "PLZ", "Ort", "Strasse", "Telefonvorwahl", "Telefon", "Faxvorwahl", "Fax", "E-Mail",
    "Homepage", "Rechtsform", "Traegernummer", "Gemeindeschluessel", "Schulbetriebsschluessel",
    "Schulbetriebsdatum", "EPSG", "UTMRechtswert", "UTMHochwert",
)  # fmt: skip
#: Columns without which a file is not a school list.
REQUIRED = ("Schulnummer", "Schulform", "Schulbezeichnung_1", "Gemeindeschluessel", "Schulbetriebsschluessel")

_TABLE = "schulliste"
_IN_OPERATION = "1"
# Schulbetriebsschluessel 2 (auslaufend) and 9 (geschlossen) carry the (planned) last day in
# Schulbetriebsdatum.
_DATED_END = {"2", "9"}
# EPSG:25832 is what the list uses; "null" occurs and means the same. EPSG:32632 (WGS84 / UTM 32N) differs
# from
# ETRS89 / UTM 32N by well under a metre, so it is read the same way.
_UTM32 = {"", "null", "25832", "32632"}
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_HOST = re.compile(r"^[^\s/@:]+\.[^\s/@:.]{2,}$")


# -- Terms -------------------------------------------------------------------------------------------------


def _n(iri: object) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


_RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_PREF_LABEL = ox.NamedNode(PREFIXES["skos"] + "prefLabel")
_IDENTIFIER = ox.NamedNode(PREFIXES["dcterms"] + "identifier")
_HOMEPAGE = ox.NamedNode(PREFIXES["foaf"] + "homepage")
_XSD_DATE = ox.NamedNode(PREFIXES["xsd"] + "date")
_WKT = _n(GEO.wktLiteral)
_SCHULE, _VERWALTUNG = _n(BN.Schule), _n(BN.Verwaltungseinheit)
_STANDORT, _POSTAL, _GEOMETRY = _n(BN.Standort), _n(SCHEMA.PostalAddress), _n(GEO.Geometry)
_P = {
    name: _n(iri)
    for name, iri in {
        "schulnummer": BN.schulnummer, "akteursart": BN.akteursart, "sektor": BN.sektor,
        "schulform": BN.schulform, "inBetriebBis": BN.inBetriebBis, "liegtIn": BN.liegtIn,
        "hasSite": ORG.hasSite, "siteOf": ORG.siteOf, "address": SCHEMA.address,
        "street": SCHEMA.streetAddress, "postcode": SCHEMA.postalCode, "locality": SCHEMA.addressLocality,
        "hasGeometry": GEO.hasGeometry, "asWKT": GEO.asWKT,
    }.items()
}  # fmt: skip
_SCHULVERWALTUNG = VOCAB["schulform/0A"]


# -- Errors ------------------------------------------------------------------------------------------------


# -- Small helpers -----------------------------------------------------------------------------------------


def join_name(*parts: str) -> str:
    """Join the ministry's name lines (``Schulbezeichnung_1..3``, 40 characters each) into one name.

    The lines are one name wrapped at a fixed width: a word split with a hyphen before a lower-case letter is
    joined (``Förder-`` + ``schule``), a hyphenated compound keeps its hyphen (``Montessori-`` +
    ``Gesamtschule``), everything else is joined with one blank.

    >>> join_name("Städt. Gemeinschaftsgrundschule", "Am Friedenspark", "- Primarstufe -")
    'Städt. Gemeinschaftsgrundschule Am Friedenspark - Primarstufe -'
    >>> join_name("Theodor-Fliedner-Schule, Städt. Förder-", "schule,FSP Lernen", "")
    'Theodor-Fliedner-Schule, Städt. Förderschule,FSP Lernen'
    >>> join_name("Private Ökumenische Montessori-", "Gesamtschule f. d. Sek.I u. II.")
    'Private Ökumenische Montessori-Gesamtschule f. d. Sek.I u. II.'
    """
    name = ""
    for part in (" ".join(p.split()) for p in parts):
        if not part:
            continue
        if len(name) > 1 and name.endswith("-") and name[-2].isalpha():
            name = name[:-1] + part if part[0].islower() else name + part
        else:
            name = f"{name} {part}" if name else part
    return name


def normalise_homepage(text: str) -> str | None:
    """A school's web address as an IRI: scheme added when missing (``http``), scheme and host in lower case.

    Returns ``None`` for text that is no web address.

    >>> normalise_homepage("www.Schule-Beispiel.de/"), normalise_homepage("HTTPS://x.de/Start")
    ('http://www.schule-beispiel.de/', 'https://x.de/Start')
    >>> normalise_homepage("keine"), normalise_homepage("")
    (None, None)
    """
    text = text.strip()
    if not text:
        return None
    if "://" not in text:
        text = "http://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not _HOST.match(parts.hostname or "") or " " in text:
        return None
    url = urlunsplit((scheme, parts.netloc.lower(), parts.path, parts.query, parts.fragment))
    try:
        ox.NamedNode(url)  # the IRI grammar is pyoxigraph's, the one the store applies
    except ValueError:
        return None
    return url


def _parse_date(text: str) -> date | None:
    m = _GERMAN_DATE.match(text.strip())
    try:
        return date(int(m[3]), int(m[2]), int(m[1])) if m else date.fromisoformat(text.strip())
    except ValueError:
        return None


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


# -- Reading -----------------------------------------------------------------------------------------------


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # the list as Excel saves it on a German Windows
    except UnicodeDecodeError as exc:
        raise SchoolListError(
            f"weder UTF-8 noch Windows-1252 (Byte {exc.start})",
            f"neither UTF-8 nor Windows-1252 (byte {exc.start})",
            file=path,
        ) from None


def _split_header(text: str) -> tuple[str, str, str]:
    """``(delimiter, header line, rest)``; a leading ``sep=;`` line (Excel's hint) names the delimiter."""
    first, _, rest = text.partition("\n")
    delimiter = ""
    if first.strip().lower().startswith("sep="):
        delimiter = first.strip()[4:5]
        first, _, rest = rest.partition("\n")
    if not delimiter:
        counts = {d: first.count(d) for d in ";,\t"}
        delimiter = max(counts, key=counts.__getitem__)
    return delimiter, first, rest


def _header(line: str, delimiter: str) -> list[str]:
    names = next(csv.reader([line], delimiter=delimiter), [])
    names = [n.strip().strip("\ufeff") for n in names]
    while names and not names[-1]:  # the published header ends with ';'
        names.pop()
    return names


def looks_like_school_list(path: str | os.PathLike[str]) -> bool:
    """True when the file's header is the one of the ministry's school list (with or without ``sep=;``).

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = f.write_text('sep=;\\n"Schulnummer";"Schulform";"Schulbezeichnung_1";"Gemeindeschluessel";'
    ...                  '"Schulbetriebsschluessel"\\n')
    >>> looks_like_school_list(f), looks_like_school_list(f.with_name("missing.csv"))
    (True, False)
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError:
        return False
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
    delimiter, line, _ = _split_header(text)
    try:
        names = set(_header(line, delimiter))
    except csv.Error:
        return False
    return all(col in names for col in REQUIRED)


def _read(path: Path) -> tuple[bytes, list[str], Iterable[list[str]]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SchoolListError(
            f"nicht lesbar ({exc.strerror})", f"cannot be read ({exc.strerror})", file=path
        ) from None
    delimiter, line, rest = _split_header(_decode(data, path))
    try:
        names = _header(line, delimiter)
    except csv.Error:
        names = []
    for col in REQUIRED:
        if col not in names:
            raise SchoolListError(
                "keine Schulliste des Schulministeriums NRW: Pflichtspalte fehlt "
                f"(erwartet: {', '.join(REQUIRED)})",
                f"not a school list of the NRW school ministry: required column missing "
                f"(expected: {', '.join(REQUIRED)})",
                file=path,
                row=1,
                column=col,
            )
    return data, names, csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter)


# -- Mapping -----------------------------------------------------------------------------------------------


class _Mapper:
    """State of one mapping run: caches per distinct value, counters for the notes."""

    def __init__(self, path: Path, profile: CityProfile, iris: Iris, staged: Staged) -> None:
        self.file = str(path)
        self.profile, self.iris, self.staged = profile, iris, staged
        self.vocab = get_vocabulary()
        self.locator = DistrictLocator(profile) if profile.has_polygons else None
        self.schulform: dict[str, ox.NamedNode | None] = {}
        self.districts: dict[tuple[float, float], ox.NamedNode | None] = {}
        self.counts: Counter[str] = Counter()
        kind_schule, kind_verwaltung = VOCAB["akteursart/schule"], VOCAB["akteursart/verwaltung"]
        self.kinds = {
            _SCHULE: (_n(kind_schule), _n(self.vocab.default_sector(kind_schule))),
            _VERWALTUNG: (_n(kind_verwaltung), _n(self.vocab.default_sector(kind_verwaltung))),
        }

    def problem(
        self,
        check: str,
        severity: str,
        de: str,
        en: str,
        *,
        focus: str,
        value: str,
        row: int,
        column: str,
        path: ox.NamedNode | None = None,
    ) -> None:
        self.staged.problems.append(Violation(
            focus=focus, path=path.value if path is not None else None, shape=str(BNSH[f"import-{check}"]),
            severity=severity, message_de=de, message_en=en, value=value, source_file=self.file, row=row,
            column=column,
        ))  # fmt: skip

    def resolve_schulform(self, code: str) -> ox.NamedNode | None:
        if code not in self.schulform:
            try:
                self.schulform[code] = _n(self.vocab.resolve("schulform", code))
            except UnknownTerm:
                self.schulform[code] = None
        return self.schulform[code]

    def district(self, lon: float, lat: float) -> ox.NamedNode | None:
        key = (lon, lat)
        if key not in self.districts:
            found = self.locator.locate(lon, lat) if self.locator else None
            node = None
            if found is not None:
                bezirk, teil = found
                node = _n(
                    self.iris.gebiet(self.profile.name, "stadtteil", teil)
                    if teil
                    else self.iris.gebiet(self.profile.name, "stadtbezirk", bezirk)
                )
            self.districts[key] = node
        return self.districts[key]

    def row(self, rownum: int, cell, nr: str, end: date | None) -> ox.NamedNode:
        """Map one row; returns the actor."""
        out = self.staged.data
        actor = _n(self.iris.akteur(nr))
        focus = actor.value
        code = cell("Schulform")
        schulform = self.resolve_schulform(code) if code else None
        if code and schulform is None:
            self.problem(
                "vokabular", "Warning",
                f'Unbekannte Schulform "{code}" in Spalte Schulform – '
                "die Schule wird ohne Schulform übernommen",
                f'Unknown school type "{code}" in column Schulform – '
                "the school is imported without a school type",
                focus=focus, value=code, row=rownum, column="Schulform", path=_P["schulform"],
            )  # fmt: skip
        # Schulform 0A lists ministry, Bezirksregierung and Schulamt: administrative units, not schools.
        cls = _VERWALTUNG if schulform is not None and schulform.value == str(_SCHULVERWALTUNG) else _SCHULE
        kind, sector = self.kinds[cls]
        name = join_name(cell("Schulbezeichnung_1"), cell("Schulbezeichnung_2"), cell("Schulbezeichnung_3"))
        name = name or " ".join(cell("Kurzbezeichnung").split())
        out += [
            ox.Triple(actor, _RDF_TYPE, cls),
            ox.Triple(actor, _IDENTIFIER, ox.Literal(nr)),
            ox.Triple(actor, _P["akteursart"], kind),
            ox.Triple(actor, _P["sektor"], sector),
        ]
        columns = {
            _IDENTIFIER.value: "Schulnummer",
            _RDF_TYPE.value: "Schulform",
            _P["akteursart"].value: "Schulform",
            _P["sektor"].value: "Schulform",
        }
        if name:
            out.append(ox.Triple(actor, _PREF_LABEL, ox.Literal(name)))
        columns[_PREF_LABEL.value] = "Schulbezeichnung_1"
        if cls == _SCHULE:  # bn:schulform and bn:schulnummer have the domain bn:Schule
            out.append(ox.Triple(actor, _P["schulnummer"], ox.Literal(nr)))
            columns[_P["schulnummer"].value] = "Schulnummer"
            if schulform is not None:
                out.append(ox.Triple(actor, _P["schulform"], schulform))
            columns[_P["schulform"].value] = "Schulform"
        else:
            self.counts["verwaltung"] += 1
        homepage_text = cell("Homepage")
        if homepage_text:
            homepage = normalise_homepage(homepage_text)
            if homepage is None:
                self.problem(
                    "url", "Warning",
                    f'"{homepage_text}" in Spalte Homepage ist keine Webadresse und wird ausgelassen',
                    f'"{homepage_text}" in column Homepage is not a web address and is left out',
                    focus=focus, value=homepage_text, row=rownum, column="Homepage", path=_HOMEPAGE,
                )  # fmt: skip
            else:
                out.append(ox.Triple(actor, _HOMEPAGE, ox.NamedNode(homepage)))
            columns[_HOMEPAGE.value] = "Homepage"
        if end is not None:
            out.append(ox.Triple(actor, _P["inBetriebBis"], ox.Literal(end.isoformat(), datatype=_XSD_DATE)))
            columns[_P["inBetriebBis"].value] = "Schulbetriebsschluessel"
        self.staged.origins[focus] = Origin(self.file, _TABLE, rownum, columns)
        self.site(rownum, cell, nr, actor, name)
        return actor

    def site(self, rownum: int, cell, nr: str, actor: ox.NamedNode, name: str) -> None:
        out, iris = self.staged.data, self.iris
        site = _n(iris.standort(nr, 1))
        out += [
            ox.Triple(actor, _P["hasSite"], site),
            ox.Triple(site, _RDF_TYPE, _STANDORT),
            ox.Triple(site, _P["siteOf"], actor),
        ]
        if name:
            out.append(ox.Triple(site, _PREF_LABEL, ox.Literal(f"{name}, Hauptstandort")))
        site_columns = {_PREF_LABEL.value: "Schulbezeichnung_1", _P["siteOf"].value: "Schulnummer"}

        fields = [
            (p, col, " ".join(cell(col).split()))
            for p, col in (("street", "Strasse"), ("postcode", "PLZ"), ("locality", "Ort"))
        ]
        if any(value for _, _, value in fields):
            address = _n(iris.adresse(nr, 1))
            out += [ox.Triple(site, _P["address"], address), ox.Triple(address, _RDF_TYPE, _POSTAL)]
            out += [ox.Triple(address, _P[p], ox.Literal(value)) for p, _, value in fields if value]
            self.staged.origins[address.value] = Origin(
                self.file, _TABLE, rownum, {_P[p].value: col for p, col, _ in fields}
            )
            site_columns[_P["address"].value] = "Strasse"

        point = self.point(rownum, cell, site.value)
        if point is not None:
            lon, lat = point
            geometry = _n(iris.geometrie(nr, 1))
            out += [
                ox.Triple(site, _P["hasGeometry"], geometry),
                ox.Triple(geometry, _RDF_TYPE, _GEOMETRY),
                ox.Triple(geometry, _P["asWKT"], ox.Literal(f"POINT({lon:.6f} {lat:.6f})", datatype=_WKT)),
            ]
            self.staged.origins[geometry.value] = Origin(
                self.file, _TABLE, rownum, {_P["asWKT"].value: "UTMRechtswert"}
            )
            district = self.district(round(lon, 7), round(lat, 7))
            if district is not None:
                out.append(ox.Triple(site, _P["liegtIn"], district))
            elif self.locator is not None:
                self.counts["ausserhalb"] += 1
                self.problem(
                    "gebiet", "Warning",
                    f"Die Koordinaten liegen in keinem Gebiet des Stadtprofils '{self.profile.name}'; "
                    "der Standort bleibt ohne Gebiet",
                    f"The coordinates lie in no district of city profile '{self.profile.name}'; "
                    "the site is left without a district",
                    focus=site.value, value=f"{lon:.6f} {lat:.6f}", row=rownum, column="UTMRechtswert",
                    path=_P["liegtIn"],
                )  # fmt: skip
            site_columns[_P["hasGeometry"].value] = "UTMRechtswert"
        site_columns[_P["liegtIn"].value] = "UTMRechtswert"
        if point is None or self.locator is None:
            self.counts["ohne_gebiet"] += 1
        self.staged.origins[site.value] = Origin(self.file, _TABLE, rownum, site_columns)

    def point(self, rownum: int, cell, focus: str) -> tuple[float, float] | None:
        east_text, north_text = cell("UTMRechtswert"), cell("UTMHochwert")
        if east_text.lower() in ("", "null") or north_text.lower() in ("", "null"):
            self.counts["ohne_koordinaten"] += 1
            return None
        epsg = cell("EPSG").lower().removeprefix("epsg:").strip()
        if epsg not in _UTM32:
            self.counts["ohne_koordinaten"] += 1
            self.problem(
                "koordinate", "Warning",
                f'Koordinatensystem "{cell("EPSG")}" wird nicht unterstützt (erwartet EPSG:25832); '
                "der Standort bleibt ohne Punkt",
                f'coordinate system "{cell("EPSG")}" is not supported (expected EPSG:25832); '
                "the site is left without a point",
                focus=focus, value=cell("EPSG"), row=rownum, column="EPSG", path=_P["hasGeometry"],
            )  # fmt: skip
            return None
        for text, column in ((east_text, "UTMRechtswert"), (north_text, "UTMHochwert")):
            if _number(text) is None:
                self.counts["ohne_koordinaten"] += 1
                self.problem(
                    "zahl",
                    "Warning",
                    f'"{text}" in Spalte {column} ist keine Zahl; der Standort bleibt ohne Punkt',
                    f'"{text}" in column {column} is not a number; the site is left without a point',
                    focus=focus, value=text, row=rownum, column=column, path=_P["hasGeometry"],
                )  # fmt: skip
                return None
        try:
            return utm32_to_wgs84(_number(east_text), _number(north_text))
        except ValueError:
            self.counts["ohne_koordinaten"] += 1
            self.problem(
                "koordinate", "Warning",
                f"({east_text}, {north_text}) ist keine UTM-32N-Koordinate; der Standort bleibt ohne Punkt",
                f"({east_text}, {north_text}) is not a UTM 32N coordinate; the site is left without a point",
                focus=focus, value=f"{east_text} {north_text}", row=rownum, column="UTMRechtswert",
                path=_P["hasGeometry"],
            )  # fmt: skip
            return None


def _previous_actors(previous: Iterable[ox.Triple | ox.Quad]) -> tuple[dict, set]:
    """Index the source graph's current content by subject; find the actors (schools, Schulverwaltung)."""
    by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = {}
    actors = set()
    for t in previous:
        triple = t if isinstance(t, ox.Triple) else ox.Triple(t.subject, t.predicate, t.object)
        by_subject.setdefault(triple.subject, []).append(triple)
        if triple.predicate == _RDF_TYPE and triple.object in (_SCHULE, _VERWALTUNG):
            actors.add(triple.subject)
    return by_subject, actors


def _carry_over(actor, by_subject: dict, actors: set) -> list[ox.Triple]:
    """The actor's previous triples and those of what hangs off it (site, address, geometry), unchanged."""
    seen, todo, out = {actor}, [actor], []
    while todo:
        for triple in by_subject.get(todo.pop(), ()):
            out.append(triple)
            obj = triple.object
            if obj in by_subject and obj not in seen and obj not in actors:
                seen.add(obj)
                todo.append(obj)
    return out


def _end_dates(triples: Iterable[ox.Triple]) -> list[date]:
    found = []
    for t in triples:
        if t.predicate == _P["inBetriebBis"] and isinstance(t.object, ox.Literal):
            parsed = _parse_date(t.object.value)
            if parsed is not None:
                found.append(parsed)
    return found


def map_schools(
    path: str | os.PathLike[str],
    *,
    profile: CityProfile,
    iris: Iris,
    source: str,
    previous: Iterable[ox.Triple | ox.Quad] = (),
    today: date,
    include_closed: bool = False,
) -> Staged:
    """Map the schools of one municipality from the ministry's school list.

    Rows are those whose ``Gemeindeschluessel`` is the profile's AGS and, unless ``include_closed``, whose
    ``Schulbetriebsschluessel`` is 1 (in operation). Each becomes an actor at ``Iris.akteur(Schulnummer)``
    (``bn:Schule``; rows of Schulform 0A, the school administration, ``bn:Verwaltungseinheit``) with a site
    ``Iris.standort(nr, 1)``, its address and, from the UTM coordinates, a WGS84 point. Where the profile has
    polygons the site ``bn:liegtIn`` the Stadtteil (or Stadtbezirk) containing the point.

    Schools of ``previous`` (the source graph as it is now) that the new list no longer has in operation are
    kept: their previous triples unchanged, plus ``bn:inBetriebBis`` (``today``; for Schulbetriebsschluessel
    2 or 9 the list's Schulbetriebsdatum; an earlier date already recorded wins).

    Parameters
    ----------
    path : path-like
        ``schuldaten.csv`` as published (``sep=;`` line, ``;``, quoted) or a per-city extract; UTF-8 or
        Windows-1252.
    profile : CityProfile
        The city; must have an AGS.
    iris : Iris
        Instance IRIs.
    source : str
        Name of the source (its graph is ``graph/quelle/<source>``); used in notes.
    previous : iterable of pyoxigraph.Triple or Quad
        Current content of the source's graph.
    today : date
        The end date for schools gone from the list.
    include_closed : bool
        Also map rows not in operation (they get ``bn:inBetriebBis``).

    Returns
    -------
    Staged
        Triples, origins (subject → row and columns), notes and row-level problems.

    Raises
    ------
    SchoolListError
        When the profile has no AGS, the file is no school list, or no row has the profile's AGS.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from bildungsnetz.cities import CityProfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "schuldaten.csv"
    >>> _ = f.write_text("sep=;\\n" + ";".join(COLUMNS) + ";\\n" + ";".join(f'"{v}"' for v in (
    ...     "100132", "02", "Grundschule am", "Beispielpark", "", "", "44263", "Dortmund", "Beispielstr. 1",
    ...     "", "", "", "", "", "www.gs-beispielpark.example", "1", "10297", "05913000", "1", "01.08.1970",
    ...     "EPSG:25832", "395200", "5705400")) + "\\n", encoding="utf-8")
    >>> p = CityProfile("musterstadt", "Musterstadt", "05913000", ())
    >>> staged = map_schools(f, profile=p, iris=Iris(), source="schulen", today=date(2025, 1, 1))
    >>> staged.rows, len({t.subject for t in staged.data})
    (1, 4)
    >>> sorted(t.object.value for t in staged.data if t.predicate == _PREF_LABEL)
    ['Grundschule am Beispielpark', 'Grundschule am Beispielpark, Hauptstandort']
    """
    path = Path(path)
    if not profile.ags:
        raise SchoolListError(
            f"Stadtprofil '{profile.name}' hat keinen Gemeindeschlüssel (AGS); ohne ihn lässt sich die "
            "Schulliste nicht filtern – bitte mit 'city add … --ags' ergänzen",
            f"city profile '{profile.name}' has no municipality key (AGS); "
            "without it the school list cannot be "
            "filtered – please add one with 'city add … --ags'",
            file=path, parameter="city",
        )  # fmt: skip
    ags = profile.ags
    data, names, reader = _read(path)
    index = {name: i for i, name in reversed(list(enumerate(names)))}
    staged = Staged()
    mapper = _Mapper(path, profile, iris, staged)
    by_subject, prev_actors = _previous_actors(previous)

    def col(name: str) -> int | None:
        return index.get(name)

    i_nr, i_ags, i_status = col("Schulnummer"), col("Gemeindeschluessel"), col("Schulbetriebsschluessel")
    width = len(names)
    mapped: set[ox.NamedNode] = set()
    other_ags: Counter[str] = Counter()
    matched = 0
    rownum = 1
    try:
        for rownum, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            staged.rows += 1
            row_ags = cells[i_ags].strip() if len(cells) > i_ags else ""
            if row_ags.isdigit() and len(row_ags) == 7:  # a spreadsheet dropped the leading zero
                row_ags = "0" + row_ags
            if row_ags != ags:
                other_ags[row_ags] += 1
                continue
            matched += 1
            if len(cells) < width:
                mapper.problem(
                    "spalte", "Violation",
                    f"Zeile hat {len(cells)} statt {width} Felder und wird übersprungen",
                    f"row has {len(cells)} instead of {width} fields and is skipped",
                    focus="", value=";".join(cells)[:80], row=rownum, column=names[len(cells)],
                )  # fmt: skip
                continue

            def cell(name: str, _cells=cells) -> str:
                i = index.get(name)
                return _cells[i].strip() if i is not None else ""

            nr = cells[i_nr].strip()
            if not is_schulnummer(nr):
                mapper.problem(
                    "schulnummer", "Violation",
                    f'"{nr}" ist keine sechsstellige Schulnummer; die Zeile wird übersprungen',
                    f'"{nr}" is not a six-digit school number; the row is skipped',
                    focus="", value=nr, row=rownum, column="Schulnummer",
                )  # fmt: skip
                continue
            actor = _n(iris.akteur(nr))
            if actor in mapped:
                mapper.problem(
                    "schulnummer", "Violation",
                    f"Schulnummer {nr} kommt mehrfach vor; nur die erste Zeile wird übernommen",
                    f"school number {nr} occurs more than once; only the first row is imported",
                    focus=actor.value, value=nr, row=rownum, column="Schulnummer",
                )  # fmt: skip
                continue
            status = cells[i_status].strip()
            end = None
            if status != _IN_OPERATION:
                if not include_closed and actor not in prev_actors:
                    mapper.counts["geschlossen"] += 1
                    continue
                listed = _parse_date(cell("Schulbetriebsdatum")) if status in _DATED_END else None
                end = min([listed or today, *_end_dates(by_subject.get(actor, ()))])
                mapper.counts["beendet"] += 1
            mapped.add(mapper.row(rownum, cell, nr, end))
    except csv.Error as exc:
        raise SchoolListError(f"CSV-Fehler: {exc}", f"CSV error: {exc}", file=path, row=rownum) from None

    if not matched:
        found = ", ".join(f"{k or '—'} ({n})" for k, n in other_ags.most_common(3))
        raise SchoolListError(
            f"keine Zeile mit Gemeindeschlüssel {ags} (Stadtprofil '{profile.name}'); "
            f"die Datei enthält {found}",
            f"no row with municipality key {ags} (city profile '{profile.name}'); the file has {found}",
            file=path, column="Gemeindeschluessel",
        )  # fmt: skip
    if not mapped and prev_actors:
        # Refuse rather than mark every school as closed because the wrong city or file was given.
        raise SchoolListError(
            f"keine Schule mit Gemeindeschlüssel {ags} in Betrieb; die bisher importierten "
            f"{len(prev_actors)} Schulen würden alle als geschlossen markiert – falsche Datei oder Stadt?",
            f"no school with municipality key {ags} in operation; "
            f"all {len(prev_actors)} schools imported before "
            "would be marked closed – wrong file or city?",
            file=path, column="Gemeindeschluessel",
        )  # fmt: skip

    gone = sorted((a for a in prev_actors if a not in mapped), key=lambda a: a.value)
    end_literal = ox.Literal(today.isoformat(), datatype=_XSD_DATE)
    for actor in gone:
        triples = _carry_over(actor, by_subject, prev_actors)
        staged.data += triples
        if not _end_dates(t for t in triples if t.subject == actor):
            staged.data.append(ox.Triple(actor, _P["inBetriebBis"], end_literal))

    _notes(staged, mapper, profile, source, ags, len(mapped), len(gone), today, include_closed)
    staged.files.append(SourceFile(path, hashlib.sha256(data).hexdigest(), _TABLE, staged.rows))
    return staged


def _notes(
    staged: Staged,
    mapper: _Mapper,
    profile: CityProfile,
    source: str,
    ags: str,
    mapped: int,
    gone: int,
    today: date,
    include_closed: bool,
) -> None:
    counts = mapper.counts
    closed = (
        f"; {counts['geschlossen']} nicht in Betrieb übersprungen" if counts["geschlossen"] else "",
        f"; {counts['geschlossen']} not in operation skipped" if counts["geschlossen"] else "",
    )
    staged.notes.append(
        f"Schulliste: {mapped} von {staged.rows} Zeilen übernommen (Gemeindeschlüssel {ags}, "
        f"{'alle' if include_closed else 'nur in Betrieb'}{closed[0]}) / "
        f"school list: {mapped} of {staged.rows} rows taken (municipality key {ags}, "
        f"{'all' if include_closed else 'in operation only'}{closed[1]})"
    )
    if counts["verwaltung"]:
        staged.notes.append(
            f"{counts['verwaltung']} Einträge der Schulverwaltung (Schulform 0A: Schulamt, Bezirksregierung, "
            "Ministerium) als Verwaltungseinheit übernommen, nicht als Schule / "
            f"{counts['verwaltung']} school-administration entries (Schulform 0A) imported as administrative "
            "units, not as schools"
        )
    if mapper.locator is None and counts["ohne_gebiet"]:
        staged.notes.append(
            f"{counts['ohne_gebiet']} Schulen ohne Gebiet: "
            f"das Stadtprofil '{profile.name}' hat keine Polygone, "
            "daher keine Zuordnung nach Koordinaten – Polygone mit 'city add … --polygons' ergänzen oder "
            "Stadtteil in einer Akteurstabelle angeben / "
            f"{counts['ohne_gebiet']} schools without a district: "
            f"city profile '{profile.name}' has no polygons, "
            "so no assignment by coordinates – add polygons with 'city add … --polygons' or give the "
            "Stadtteil in an actor table"
        )
    if counts["ohne_koordinaten"]:
        staged.notes.append(
            f"{counts['ohne_koordinaten']} Schulen ohne verwertbare Koordinaten: kein Punkt auf der Karte"
            f"{', kein Gebiet' if mapper.locator is not None else ''} / "
            f"{counts['ohne_koordinaten']} schools without usable coordinates: no point on the map"
            f"{', no district' if mapper.locator is not None else ''}"
        )
    if counts["beendet"]:
        staged.notes.append(
            f"{counts['beendet']} Schulen laut Liste nicht (mehr) in Betrieb: "
            "mit bn:inBetriebBis übernommen / "
            f"{counts['beendet']} schools not (or no longer) in operation according to the list: "
            "imported with "
            "bn:inBetriebBis"
        )
    if gone:
        staged.notes.append(
            f"{gone} bisher in Quelle '{source}' importierte Schulen fehlen in der neuen Liste: ihre Angaben "
            f"bleiben erhalten, mit bn:inBetriebBis {today.isoformat()} (früheres Datum bleibt) / "
            f"{gone} schools imported before into source '{source}' are missing from the new list: "
            "kept as they "
            f"were, with bn:inBetriebBis {today.isoformat()} (an earlier date is kept)"
        )
