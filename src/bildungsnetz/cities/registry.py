"""The one loader of city profiles: shipped profiles, the folder of added cities, the store's cities."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bildungsnetz import resources
from bildungsnetz.cities.gebiete import _write_gebiete_csv, read_gebiete_csv, read_planungsraeume_csv
from bildungsnetz.cities.model import (
    _GERMANY,
    CityNotFoundError,
    CityProfile,
    CityProfileError,
    District,
    _did_you_mean,
    _hint,
    fold_name,
    slugify,
)
from bildungsnetz.cities.polygons import _write_polygons, read_polygons
from bildungsnetz.iris import Iris

if TYPE_CHECKING:
    from bildungsnetz.cities.model import District
    from bildungsnetz.settings import Settings

__all__ = ["CityRegistry", "add_city", "list_profiles", "load_profile"]


# -- Profiles on disk --------------------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def _write_profil_toml(profile: CityProfile, path: Path) -> None:
    lines = [
        "# bildungsnetz-Stadtprofil / city profile (written by `bildungsnetz city add`)",
        f"name = {_toml_string(profile.name)}",
        f"label = {_toml_string(profile.label)}",
    ]
    if profile.ags:
        lines.append(f"ags = {_toml_string(profile.ags)}")
    if profile.provenance:
        lines.append(f"quellen = {_toml_string(profile.provenance)}")
    items = "".join(f"\n    {_toml_string(g)}," for g in profile.gaps)
    lines.append(f"luecken = [{items}\n]" if items else "luecken = []")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _load_profile_dir(folder: Path, *, name: str | None = None) -> CityProfile:
    """Load a profile folder; ``name`` is the expected profile name (default: the folder's name)."""
    expected = name or folder.name
    toml_path = folder / "profil.toml"
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CityProfileError(
            f"kein gültiges TOML ({exc})", f"not valid TOML ({exc})", file=toml_path
        ) from None
    except OSError as exc:
        raise CityProfileError(
            f"kann nicht gelesen werden ({exc.strerror})", f"cannot be read ({exc.strerror})", file=toml_path
        ) from None
    name = str(meta.get("name") or expected)
    if name != expected or slugify(name) != name:
        raise CityProfileError(
            f"Name '{name}' muss gleich dem Ordnernamen '{expected}' und klein geschrieben sein",
            f"name '{name}' must equal the folder name '{expected}' and be a lower-case slug",
            file=toml_path,
            column="name",
        )
    ags = meta.get("ags")
    if ags is not None and not re.fullmatch(r"\d{8}", str(ags)):
        raise CityProfileError(
            "AGS muss aus 8 Ziffern bestehen (als Text)",
            "AGS must be 8 digits (as text)",
            file=toml_path,
            column="ags",
        )
    districts = read_gebiete_csv(folder / "gebiete.csv")
    poly_files = sorted((folder / "polygone").glob("*.geojson"))
    if poly_files:
        report = read_polygons(poly_files, districts)
        if report.unmatched:
            raise report.unmatched[0].error()
        districts = report.apply(districts)
    gaps = meta.get("luecken", [])
    return CityProfile(
        name=name,
        label=str(meta.get("label") or name),
        ags=str(ags) if ags is not None else None,
        districts=districts,
        source=folder,
        provenance=str(meta.get("quellen", "")).strip(),
        gaps=tuple(str(g) for g in (gaps if isinstance(gaps, list) else [gaps])),
        center=_center(meta.get("zentrum"), toml_path),
        tiles=_tiles(meta.get("kacheln"), districts, toml_path),
        neighbours=_neighbour_pairs(meta.get("nachbarn"), districts, toml_path),
        planning_areas=read_planungsraeume_csv(planning, districts)
        if (planning := folder / "planungsraeume.csv").exists() else (),
    )


def _bezirk_codes(districts: Iterable[District]) -> set[str]:
    return {d.code for d in districts if d.ebene == "stadtbezirk"}


def _tiles(value: object, districts: tuple[District, ...], path: Path) -> tuple[tuple[str, int, int], ...]:
    """``[kacheln]``: Stadtbezirk code = [column, row], one tile for each Stadtbezirk, no two on one place."""
    if value is None:
        return ()
    known = _bezirk_codes(districts)
    tiles: list[tuple[str, int, int]] = []
    if isinstance(value, dict):
        for code, place in value.items():
            if not (
                str(code) in known
                and isinstance(place, list)
                and len(place) == 2
                and all(isinstance(v, int) and 0 <= v < 50 for v in place)
            ):
                tiles = []
                break
            tiles.append((str(code), place[0], place[1]))
    if {t[0] for t in tiles} != known or len({(c, r) for _, c, r in tiles}) != len(tiles):
        raise CityProfileError(
            "[kacheln] braucht je Stadtbezirk der gebiete.csv: Code = [Spalte, Zeile] (ganze Zahlen 0–49), "
            "keine zwei Kacheln auf einem Platz",
            "[kacheln] needs, per Stadtbezirk of gebiete.csv: code = [column, row] (whole numbers 0–49), "
            "no two tiles on one place",
            file=path,
            column="kacheln",
        )
    return tuple(tiles)


def _neighbour_pairs(value: object, districts: tuple[District, ...], path: Path) -> tuple[tuple[str, str], ...]:
    """``nachbarn``: a list of pairs of Stadtbezirk codes with a common boundary."""
    if value is None:
        return ()
    known = _bezirk_codes(districts)
    ok = isinstance(value, list) and all(
        isinstance(p, list) and len(p) == 2 and all(str(c) in known for c in p) and str(p[0]) != str(p[1])
        for p in value
    )
    if not ok:
        raise CityProfileError(
            "'nachbarn' muss eine Liste von Paaren verschiedener Stadtbezirkscodes der gebiete.csv sein, "
            'z. B. [["1", "2"], ["2", "3"]]',
            "'nachbarn' must be a list of pairs of different Stadtbezirk codes of gebiete.csv, "
            'e.g. [["1", "2"], ["2", "3"]]',
            file=path,
            column="nachbarn",
        )
    return tuple(sorted({tuple(sorted((str(a), str(b)), key=lambda c: (len(c), c))) for a, b in value}))


def _center(value: object, path: Path) -> tuple[float, float] | None:
    if value is None:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) for v in value)
        and -180 <= value[0] <= 180
        and -90 <= value[1] <= 90
    ):
        return (float(value[0]), float(value[1]))
    raise CityProfileError(
        "'zentrum' muss [Länge, Breite] in WGS84 sein",
        "'zentrum' must be [lon, lat] in WGS84",
        file=path,
        column="zentrum",
    )


def _profile_folders(extra_dirs: Iterable[str | os.PathLike[str] | None]) -> dict[str, Path]:
    """Profile name → folder; user folders come first and shadow shipped profiles of the same name."""
    found: dict[str, Path] = {}
    for base in [*(Path(d) for d in extra_dirs if d is not None), resources.cities_dir()]:
        if not base.is_dir():
            continue
        for folder in sorted(base.iterdir()):
            if folder.name.startswith(".") or not (folder / "profil.toml").is_file():
                continue
            found.setdefault(folder.name, folder)
    return found


def list_profiles(extra_dirs: Iterable[str | os.PathLike[str] | None] = ()) -> list[CityProfile]:
    """All city profiles: the shipped ones and those in ``extra_dirs`` (which win on equal names).

    ``None`` entries are skipped, so ``extra_dirs=[settings.cities_dir]`` works when it is unset.

    >>> [p.name for p in list_profiles()][:2]
    ['dortmund', 'duesseldorf']
    """
    return [_load_profile_dir(folder) for _, folder in sorted(_profile_folders(extra_dirs).items())]


def load_profile(name: str, *, extra_dirs: Iterable[str | os.PathLike[str] | None] = ()) -> CityProfile:
    """Load one city profile by name; ``"Düsseldorf"``, ``"duesseldorf"`` and ``"DUESSELDORF"`` are the same.

    Raises
    ------
    CityNotFoundError
        When no profile has that name (with the closest names as suggestion).

    >>> p = load_profile("Dortmund")
    >>> p.ags, len(p.stadtbezirke), len(p.stadtteile), p.district("stadtteil", "00").name
    ('05913000', 12, 62, 'City')
    """
    folders = _profile_folders(extra_dirs)
    slug = slugify(name)
    if slug not in folders:
        de_hint, en_hint = _hint(_did_you_mean(name, {fold_name(k): k for k in folders}))
        raise CityNotFoundError(
            f"kein Stadtprofil '{name}'{de_hint} Vorhanden: {', '.join(sorted(folders)) or '—'}",
            f"no city profile '{name}'{en_hint} Available: {', '.join(sorted(folders)) or '—'}",
            parameter="city",
        )
    return _load_profile_dir(folders[slug])


def add_city(
    name: str,
    gebiete_csv: str | os.PathLike[str],
    polygons: Iterable[str | os.PathLike[str]] = (),
    *,
    target_dir: str | os.PathLike[str],
    label: str | None = None,
    ags: str | None = None,
) -> CityProfile:
    """Check a district table and polygons and write them as profile ``target_dir/<slug>/``.

    The profile folder gets ``profil.toml``, ``gebiete.csv`` and, when polygons are given,
    ``polygone/stadtbezirke.geojson`` / ``polygone/stadtteile.geojson`` (properties ``code``, ``name``,
    ``ebene`` only). An existing profile of that name is replaced as a whole (written to a temporary folder
    first, then renamed); its label and AGS are kept unless new ones are given. Nothing is written on error.

    Parameters
    ----------
    name : str
        City name; its slug (``Köln`` → ``koeln``) names the profile.
    gebiete_csv : path-like
        District table, see :func:`read_gebiete_csv`.
    polygons : iterable of path-like
        GeoJSON files, see :func:`read_polygons`. Every feature must match a district.
    target_dir : path-like
        Folder of user profiles (``Settings.cities_dir``).
    label, ags : str, optional
        Display name (default: ``name``) and eight-digit Amtlicher Gemeindeschlüssel. With an AGS, every
        coordinate must lie in Germany.

    Returns
    -------
    CityProfile
        As loaded back from the written folder.

    Raises
    ------
    CityProfileError
        Bilingual, naming the file, row/feature and column/property or the parameter.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "g.csv").write_text("ebene,code,name,stadtbezirk_code\\nstadtbezirk,1,Nord,\\n")
    >>> p = add_city("Neustadt a.d. Weinstraße", tmp / "g.csv", target_dir=tmp / "profiles", ags="07316000")
    >>> p.name, p.label, sorted(f.name for f in p.source.iterdir())
    ('neustadt-a-d-weinstrasse', 'Neustadt a.d. Weinstraße', ['gebiete.csv', 'profil.toml'])
    """
    slug = slugify(name)
    if not slug:
        raise CityProfileError("Name ist leer", "name is empty", parameter="name")
    if ags is not None and not re.fullmatch(r"\d{8}", ags.strip()):
        raise CityProfileError(
            f"'{ags}' ist kein achtstelliger Gemeindeschlüssel",
            f"'{ags}' is not an eight-digit municipality key",
            parameter="ags",
        )
    target = Path(target_dir)
    final = target / slug
    if final.exists() and not (final / "profil.toml").is_file():
        raise CityProfileError(
            f"Ordner {final} gibt es schon, er ist aber kein Stadtprofil",
            f"folder {final} exists but is not a city profile",
            parameter="target_dir",
        )
    previous = _load_profile_meta(final)
    ags = ags.strip() if ags is not None else previous.get("ags")
    label = label or previous.get("label") or name.strip()

    districts = read_gebiete_csv(gebiete_csv)
    polygon_paths = [Path(p) for p in polygons]
    report = read_polygons(polygon_paths, districts, bounds=_GERMANY if ags else None)
    if report.unmatched:
        first = report.unmatched[0].error()
        more = len(report.unmatched) - 1
        if more:
            raise CityProfileError(
                f"{first.de} (und {more} weitere Features)",
                f"{first.en} (and {more} more features)",
                file=first.file,
                feature=first.feature,
            )
        raise first
    districts = report.apply(districts)
    without = [d for d in report.missing if polygon_paths]
    gaps = (
        (
            f"{len(without)} von {len(districts)} Gebieten ohne Polygon / {len(without)} of {len(districts)} "
            f"districts without polygon: " + ", ".join(f"{d.code} {d.name}" for d in without),
        )
        if without
        else ()
    )
    provenance = "; ".join(
        [f"Gebiete: {Path(gebiete_csv).name}"]
        + ([f"Polygone: {', '.join(p.name for p in polygon_paths)}"] if polygon_paths else [])
    )
    profile = CityProfile(slug, label, ags, districts, provenance=provenance, gaps=gaps)

    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}.new-", dir=target))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; the profile is an ordinary folder
        _write_profil_toml(profile, staging / "profil.toml")
        _write_gebiete_csv(profile.districts, staging / "gebiete.csv")
        _write_polygons(profile, staging / "polygone")
        # Load what was written before it becomes visible: the profile must read back as it was checked.
        written = _load_profile_dir(staging, name=slug)
        if final.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{slug}.old-", dir=target))
            retired.rmdir()
            final.rename(retired)
            try:
                staging.rename(final)
            except OSError:
                retired.rename(final)
                raise
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return replace(written, source=final)


def _load_profile_meta(folder: Path) -> dict:
    try:
        return tomllib.loads((folder / "profil.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}



# -- The registry ------------------------------------------------------------------------------------------


class CityRegistry:
    """Every city a command, route or page may name, and the one place that loads their profiles.

    Three sources, searched in this order: the folders of added cities (``city add`` writes into
    ``user_dir``), the profiles shipped in ``ontology/staedte/``, and the cities whose district graph
    (``stadt/<name>``) the store holds. The last makes a remote store and the web agree with the machine
    that imported the data, even where that machine's profile folder is not at hand.

    Build it with :meth:`from_settings` (cached per settings object and store); load profiles with
    :meth:`load` and pass the loaded :class:`~bildungsnetz.cities.model.CityProfile` down, never the name.

    Parameters
    ----------
    folders : sequence of path-like
        Folders of added cities; they shadow shipped profiles of the same name.
    user_dir : path-like, optional
        Where :meth:`add` writes (default: the first of ``folders``).
    store : Store, optional
        A store whose ``stadt/<name>`` graphs count as cities too.
    iris : Iris, optional
        The IRIs of that store's graphs.
    default : str
        The city used when none is named (``Settings.city``).
    default_is_explicit : bool
        False when ``default`` is only the built-in default: then a store that holds exactly one city
        answers for it, so that a store holding only Köln is not read with Dortmund's districts.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "g.csv").write_text("ebene,code,name,stadtbezirk_code\\nstadtbezirk,1,Nord\\n")
    >>> cities = CityRegistry([tmp / "staedte"])
    >>> cities.add("Neustadt", tmp / "g.csv").name
    'neustadt'
    >>> cities.load("NEUSTADT").stadtbezirke[0].name, "neustadt" in cities.names()
    ('Nord', True)
    >>> try:
    ...     cities.load("Nustadt")
    ... except CityNotFoundError as exc:
    ...     print(str(exc).split(" / ")[1].split(" Available")[0])
    parameter 'city': no city profile 'Nustadt' – did you mean 'neustadt'?
    """

    def __init__(
        self,
        folders: Iterable[str | os.PathLike[str]] = (),
        *,
        user_dir: str | os.PathLike[str] | None = None,
        store: Any = None,
        iris: Iris | None = None,
        default: str = "dortmund",
        default_is_explicit: bool = True,
    ) -> None:
        self.default_is_explicit = default_is_explicit
        self.folders = tuple(Path(f) for f in folders)
        self.user_dir = Path(user_dir) if user_dir is not None else (self.folders[0] if self.folders else None)
        self.store = store
        self.iris = iris or Iris()
        self.default = default
        self._loaded: dict[str, tuple[object, CityProfile]] = {}

    @classmethod
    def from_settings(cls, settings: Settings, *, store: Any = None) -> CityRegistry:
        """The registry of ``settings``: ``cities_dir`` (default ``staedte/`` beside the store) and the shipped
        profiles, plus the cities held by ``store``. Cached per settings object and store.

        >>> from bildungsnetz.settings import Settings
        >>> s = Settings(store="/tmp/nowhere", city="dortmund", cities_dir=None)
        >>> CityRegistry.from_settings(s) is CityRegistry.from_settings(s), CityRegistry.from_settings(s).user_dir
        (True, PosixPath('/tmp/nowhere/staedte'))
        """
        key = (id(settings), id(store))
        hit = _REGISTRIES.get(key)
        if hit is not None and hit[0] is settings and hit[1] is store:
            return hit[2]
        user_dir = settings.cities_dir or settings.store / "staedte"
        registry = cls(
            (user_dir,),
            store=store,
            iris=Iris(settings.base_iri),
            default=settings.city,
            default_is_explicit="city" in settings.model_fields_set,
        )
        while len(_REGISTRIES) >= 32:  # settings objects are few; tests make many, so the oldest go
            _REGISTRIES.pop(next(iter(_REGISTRIES)))
        _REGISTRIES[key] = (settings, store, registry)
        return registry

    def _folders(self) -> dict[str, Path]:
        # Read each time: `city add` in another process adds a folder while a server runs.
        return _profile_folders(self.folders)

    def _store_cities(self) -> dict[str, str]:
        """Profile name → graph IRI of the cities the store holds."""
        if self.store is None:
            return {}
        prefix = str(self.iris.graph("stadt")) + "/"
        return {g[len(prefix) :]: g for g in self.store.named_graphs() if g.startswith(prefix) and g != prefix}

    def held(self) -> list[str]:
        """Names of the cities whose district graph the store holds, sorted (none without a store)."""
        return sorted(self._store_cities())

    def default_name(self) -> str:
        """The city meant when none is named: the configured one (``Settings.city`` set explicitly), else the
        store's only city, else the built-in default; a store holding several cities with none configured is
        an error listing them (with their labels), so that no command mixes or guesses cities.

        >>> CityRegistry(default="koeln").default_name()
        'koeln'
        """
        if self.default_is_explicit:
            return self.default
        held = self.held()
        if len(held) > 1:
            listed = ", ".join(f"{n} ({self._label(n)})" for n in held)
            raise CityProfileError(
                f"der Speicher enthält mehrere Städte: {listed}; bitte eine mit --city (--stadt) wählen "
                "oder BILDUNGSNETZ_CITY setzen",
                f"the store holds several cities: {listed}; choose one with --city (--stadt) "
                "or set BILDUNGSNETZ_CITY",
                parameter="city",
            )
        return held[0] if held else self.default

    def _label(self, name: str) -> str:
        try:
            return self.load(name).label
        except CityProfileError:
            return name

    def label(self, name: str | None = None) -> str:
        """The display label of a city (``"Köln"`` for ``koeln``), the name itself when no profile loads."""
        return self._label(name or self.default_name())

    def names(self) -> list[str]:
        """Names of every known city, sorted."""
        return sorted(set(self._folders()) | set(self._store_cities()))

    def profiles(self) -> list[CityProfile]:
        """Every known city's profile, sorted by name."""
        return [self.load(name) for name in self.names()]

    def load(self, name: str | None = None) -> CityProfile:
        """The profile of ``name``, loaded once while unchanged.

        Without a name: the default city (``Settings.city``); when that was not set explicitly and the store
        holds exactly one city, that one.

        ``"Köln"``, ``"koeln"`` and ``"KOELN"`` are the same. Raises :class:`CityNotFoundError`, with the
        closest names as suggestion, when no source knows the city.
        """
        text = str(name) if name is not None and str(name).strip() else self.default_name()
        slug = slugify(text)
        folders = self._folders()
        if slug in folders:
            toml = folders[slug] / "profil.toml"
            stamp: object = (str(folders[slug]), toml.stat().st_mtime_ns)
            hit = self._loaded.get(slug)
            if hit is None or hit[0] != stamp:
                hit = (stamp, _load_profile_dir(folders[slug]))
                self._loaded[slug] = hit
            return hit[1]
        held = self._store_cities()
        if slug in held:
            hit = self._loaded.get(slug)
            if hit is None or hit[0] != ("store", held[slug]):
                hit = (("store", held[slug]), self._from_store(slug, held[slug]))
                self._loaded[slug] = hit
            return hit[1]
        known = sorted(set(folders) | set(held))
        de_hint, en_hint = _hint(_did_you_mean(text, {fold_name(k): k for k in known}))
        raise CityNotFoundError(
            f"kein Stadtprofil '{text}'{de_hint} Vorhanden: {', '.join(known) or '—'}",
            f"no city profile '{text}'{en_hint} Available: {', '.join(known) or '—'}",
            parameter="city",
        )

    def _from_store(self, name: str, graph: str) -> CityProfile:
        import pyoxigraph as ox
        from rdflib import Graph

        from bildungsnetz.cities.rdf import profile_from_graph

        data = ox.serialize([q.triple for q in self.store.quads(graph)], format=ox.RdfFormat.N_TRIPLES)
        return profile_from_graph(Graph().parse(data=data, format="nt"), self.iris, name)

    def district(
        self, value: str | int, ebene: str | None = None, *, city: str | CityProfile | None = None, **where
    ) -> District:
        """A district of ``city`` (default city when ``None``) by code or name, see
        :func:`~bildungsnetz.cities.lookup.lookup_district`; errors suggest the closest names."""
        from bildungsnetz.cities.lookup import lookup_district

        profile = city if isinstance(city, CityProfile) else self.load(city)
        return lookup_district(profile, value, ebene, **where)

    def add(
        self,
        name: str,
        gebiete_csv: str | os.PathLike[str],
        polygons: Iterable[str | os.PathLike[str]] = (),
        *,
        label: str | None = None,
        ags: str | None = None,
    ) -> CityProfile:
        """Add (or replace) a city in :attr:`user_dir`; see :func:`add_city`."""
        if self.user_dir is None:
            raise CityProfileError(
                "kein Ordner für Stadtprofile", "no folder for city profiles", parameter="cities_dir"
            )
        profile = add_city(name, gebiete_csv, polygons, target_dir=self.user_dir, label=label, ags=ags)
        self._loaded.pop(profile.name, None)
        return profile


_REGISTRIES: dict[tuple[int, int], tuple[Any, Any, CityRegistry]] = {}
