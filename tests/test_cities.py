"""City profiles: shipped Dortmund and Düsseldorf, Köln and Duisburg added from shared data, broken inputs."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pyoxigraph
import pytest
import shapely
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from bildungsnetz import resources
from bildungsnetz.cities import (
    CityNotFoundError,
    CityProfileError,
    DistrictLocator,
    DistrictNotFoundError,
    add_city,
    list_profiles,
    load_profile,
    lookup_district,
    profile_graph,
    read_gebiete_csv,
    read_polygons,
    utm32_to_wgs84,
)
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, GEO
from conftest import SHARED, needs_shared

GEBIETE = SHARED / "data" / "gebiete"
SCHULEN = SHARED / "data" / "schulen"
IRIS = Iris()
HEADER = "ebene,code,name,stadtbezirk_code,stadtbezirk,flaeche_km2,einwohner,stand\n"


def instances(g: Graph, cls: URIRef) -> set:
    return set(g.subjects(RDF.type, cls))


@pytest.fixture(scope="module")
def dortmund_graph() -> Graph:
    return profile_graph(load_profile("dortmund"), IRIS)


@pytest.fixture(scope="module")
def koeln(tmp_path_factory):
    needs_shared(GEBIETE / "koeln_gebiete.csv", GEBIETE / "koeln_stadtbezirke.geojson")
    return add_city(
        "Köln",
        GEBIETE / "koeln_gebiete.csv",
        [GEBIETE / "koeln_stadtbezirke.geojson", GEBIETE / "koeln_stadtteile.geojson"],
        target_dir=tmp_path_factory.mktemp("profiles"),
        ags="05315000",
    )


@pytest.fixture(scope="module")
def koeln_graph(koeln) -> Graph:
    return profile_graph(koeln, IRIS)


# -- Shipped profiles --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("city", "ags", "bezirke", "teile"),
    [("dortmund", "05913000", 12, 62), ("duesseldorf", "05111000", 10, 50)],
)
def test_shipped_profile_has_the_official_number_of_districts_in_rdf(city, ags, bezirke, teile):
    g = profile_graph(load_profile(city), IRIS)
    assert len(instances(g, BN.Stadtbezirk)) == bezirke
    assert len(instances(g, BN.Stadtteil)) == teile
    gemeinde = IRIS.gemeinde(city)
    assert instances(g, BN.Gemeinde) == {gemeinde}
    assert g.value(gemeinde, BN.gemeindeschluessel) == Literal(ags)
    assert g.value(gemeinde, BN.profil) == Literal(city)


@pytest.mark.parametrize("city", ["dortmund", "duesseldorf"])
def test_every_stadtteil_lies_in_exactly_one_stadtbezirk_which_lies_in_the_gemeinde(city):
    g = profile_graph(load_profile(city), IRIS)
    gemeinde = IRIS.gemeinde(city)
    bezirke = instances(g, BN.Stadtbezirk)
    for teil in instances(g, BN.Stadtteil):
        parents = set(g.objects(teil, GEO.sfWithin))
        assert len(parents) == 1 and parents <= bezirke, teil
        assert set(g.objects(next(iter(parents)), GEO.sfWithin)) == {gemeinde}
        assert g.value(teil, BN.gemeinde) == gemeinde
    # every Stadtbezirk has at least one Stadtteil
    assert {next(g.objects(t, GEO.sfWithin)) for t in instances(g, BN.Stadtteil)} == bezirke


def test_dortmund_statistische_bezirke_are_typed_and_keep_leading_zeros(dortmund_graph):
    g = dortmund_graph
    assert len(instances(g, BN.StatistischerBezirk)) == 62
    city = IRIS.gebiet("dortmund", "stadtteil", "00")  # the IRI docs/beispiel.trig uses for the VHS
    assert g.value(city, BN.code) == Literal("00")
    assert str(g.value(city, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))) == "City"
    assert (IRIS.gebiet("dortmund", "stadtteil", "0"), None, None) not in g
    codes = {str(o) for s in instances(g, BN.StatistischerBezirk) for o in g.objects(s, BN.code)}
    assert {"00", "01", "09", "55", "96"} <= codes and len(codes) == 62
    hoerde = IRIS.gebiet("dortmund", "stadtbezirk", "8")
    assert str(g.value(hoerde, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))) == "Hörde"


def test_dortmund_figures_are_typed_as_the_ontology_says(dortmund_graph):
    city = IRIS.gebiet("dortmund", "stadtteil", "00")
    assert dortmund_graph.value(city, BN.einwohner).datatype == URIRef(
        "http://www.w3.org/2001/XMLSchema#integer"
    )
    area = dortmund_graph.value(city, BN.flaecheKm2)
    assert area.datatype == URIRef("http://www.w3.org/2001/XMLSchema#decimal") and str(area) == "1.779"
    assert str(dortmund_graph.value(city, BN.stand)) == "2021-12-31"


def test_duesseldorf_keeps_its_unnamed_stadtbezirke_and_three_digit_codes():
    p = load_profile("Düsseldorf")
    assert [d.name for d in p.stadtbezirke][:2] == ["Stadtbezirk 1", "Stadtbezirk 2"]
    assert lookup_district(p, "011").name == "Altstadt"
    assert lookup_district(p, "Stadtbezirk 10").code == "10"
    assert lookup_district(p, "Knittkuhl").parent == "7"


@pytest.mark.parametrize("spelling", ["Düsseldorf", "duesseldorf", "DUESSELDORF", " düsseldorf "])
def test_profiles_are_found_whatever_the_spelling(spelling):
    assert load_profile(spelling).name == "duesseldorf"


def test_unknown_city_suggests_the_closest_profile():
    with pytest.raises(CityNotFoundError) as exc:
        load_profile("Dortmnd")
    assert "meinten Sie 'dortmund'" in str(exc.value) and "did you mean 'dortmund'" in str(exc.value)


def test_list_profiles_shows_shipped_and_user_profiles(tmp_path):
    csv_file = tmp_path / "g.csv"
    csv_file.write_text(HEADER + "stadtbezirk,1,Mitte,,,,,\n", encoding="utf-8")
    add_city("Musterstadt", csv_file, target_dir=tmp_path / "user")
    names = [p.name for p in list_profiles(extra_dirs=[None, tmp_path / "user"])]
    assert {"dortmund", "duesseldorf", "musterstadt"} <= set(names) and names == sorted(names)


def declared_bn_terms() -> set[URIRef]:
    onto = Graph().parse(resources.ontology_file())
    return {s for s in onto.subjects(RDFS.isDefinedBy, None) if str(s).startswith(str(BN._NS))}


@pytest.mark.parametrize("city", ["dortmund", "duesseldorf"])
def test_cities_without_polygons_have_a_tile_map_and_neighbouring_stadtbezirke(city):
    """Every shipped city gets a schematic map (one tile per Stadtbezirk) and "Nachbarbezirk" works there:
    the profile's neighbour list becomes symmetric geo:sfTouches between Stadtbezirke, and reads back."""
    from bildungsnetz.cities.rdf import profile_from_graph

    profile = load_profile(city)
    assert not profile.has_polygons
    assert sorted(code for code, _, _ in profile.tiles) == sorted(d.code for d in profile.stadtbezirke)
    g = profile_graph(profile, IRIS)
    bezirke = instances(g, BN.Stadtbezirk)
    touches = set(g.subject_objects(GEO.sfTouches))
    assert touches and all(a in bezirke and b in bezirke and (b, a) in touches for a, b in touches)
    assert all(any(g.objects(b, GEO.sfTouches)) for b in bezirke)  # nobody is an island
    assert profile_from_graph(g, IRIS, city).neighbours == profile.neighbours


def test_dortmund_hoerde_borders_aplerbeck_and_hombruch_but_not_mengede():
    near = {b for a, b in load_profile("dortmund").neighbours if a == "8"} | {
        a for a, b in load_profile("dortmund").neighbours if b == "8"
    }
    assert {"7", "9"} <= near and "12" not in near


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ('[kacheln]\n1 = [0, 0]\n', "kacheln"),  # the other Stadtbezirk has no tile
        ('[kacheln]\n1 = [0, 0]\n2 = [0, 0]\n', "kacheln"),  # two tiles on one place
        ('nachbarn = [["1", "9"]]\n', "nachbarn"),  # no Stadtbezirk 9
    ],
)
def test_a_broken_tile_layout_or_neighbour_list_names_the_file_and_key(tmp_path, text, column):
    folder = tmp_path / "musterstadt"
    folder.mkdir()
    (folder / "profil.toml").write_text('name = "musterstadt"\n' + text, encoding="utf-8")
    (folder / "gebiete.csv").write_text(HEADER + "stadtbezirk,1,Nord,,,,,\nstadtbezirk,2,Süd,,,,,\n", encoding="utf-8")
    from bildungsnetz.cities.registry import _load_profile_dir

    with pytest.raises(CityProfileError) as error:
        _load_profile_dir(folder)
    assert "profil.toml" in str(error.value) and column in str(error.value)


def test_profile_graph_uses_only_declared_terms_and_round_trips(dortmund_graph, koeln_graph):
    declared = declared_bn_terms()
    for g in (dortmund_graph, koeln_graph):
        used = {t for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(str(BN._NS))}
        assert used and used <= declared, used - declared
        turtle = g.serialize(format="turtle")
        assert isomorphic(Graph().parse(data=turtle, format="turtle"), g)
        # the strict parser the store uses accepts it too
        store = pyoxigraph.Store()
        store.load(turtle.encode(), format=pyoxigraph.RdfFormat.TURTLE)
        assert len(store) == len(g)


# -- Köln: polygons from shared ----------------------------------------------------------------------------


def test_koeln_gets_9_stadtbezirke_and_86_stadtteile_all_with_polygons(koeln, koeln_graph):
    assert (len(koeln.stadtbezirke), len(koeln.stadtteile)) == (9, 86)
    assert koeln.districts_without_polygon == ()
    g = koeln_graph
    assert (len(instances(g, BN.Stadtbezirk)), len(instances(g, BN.Stadtteil))) == (9, 86)
    for gebiet in instances(g, BN.Stadtbezirk) | instances(g, BN.Stadtteil):
        geometry = g.value(gebiet, GEO.hasGeometry)
        assert geometry == IRIS.gebiet_geometrie(gebiet)
        wkt = g.value(geometry, GEO.asWKT)
        assert wkt.datatype == GEO.wktLiteral and str(wkt).startswith(("POLYGON", "MULTIPOLYGON"))


def test_koeln_neighbours_are_symmetric_and_stay_on_one_level(koeln_graph):
    g = koeln_graph
    touches = set(g.subject_objects(GEO.sfTouches))
    assert touches and all((b, a) in touches for a, b in touches)
    assert all(a != b for a, b in touches)
    bezirke = instances(g, BN.Stadtbezirk)
    assert all((a in bezirke) == (b in bezirke) for a, b in touches)
    innenstadt = IRIS.gebiet("koeln", "stadtbezirk", "1")
    neighbours = set(g.objects(innenstadt, GEO.sfTouches))
    assert IRIS.gebiet("koeln", "stadtbezirk", "3") in neighbours  # Lindenthal
    assert IRIS.gebiet("koeln", "stadtbezirk", "6") not in neighbours  # Chorweiler is far north
    every_teil_has_a_neighbour = all(any(g.objects(t, GEO.sfTouches)) for t in instances(g, BN.Stadtteil))
    assert every_teil_has_a_neighbour


def test_koeln_profile_is_written_in_normalised_form_and_loads_back(koeln):
    folder = koeln.source
    assert sorted(p.name for p in folder.iterdir()) == ["gebiete.csv", "polygone", "profil.toml"]
    for geojson in (folder / "polygone").glob("*.geojson"):
        for feature in json.loads(geojson.read_text(encoding="utf-8"))["features"]:
            assert set(feature["properties"]) == {"code", "name", "ebene"}
    again = load_profile("koeln", extra_dirs=[folder.parent])
    assert again.districts == koeln.districts and again.ags == "05315000" and again.label == "Köln"


def koeln_schools() -> list[dict[str, str]]:
    needs_shared(SCHULEN / "schulen_koeln.csv")
    with (SCHULEN / "schulen_koeln.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_almost_every_koeln_school_is_located_in_a_stadtteil(koeln):
    locator = DistrictLocator(koeln)
    assert locator.has_polygons
    schools = koeln_schools()
    found = [
        locator.locate(*utm32_to_wgs84(float(s["UTMRechtswert"]), float(s["UTMHochwert"]))) for s in schools
    ]
    located = [f for f in found if f is not None]
    assert len(located) >= 0.95 * len(schools)
    assert all(teil is not None and teil.startswith(bezirk) for bezirk, teil in located)  # 101..909 scheme


@pytest.mark.parametrize(
    ("plz", "bezirk"),
    [
        ("51147", "Porz"),
        ("50765", "Chorweiler"),
        ("50996", "Rodenkirchen"),
        ("50823", "Ehrenfeld"),
        ("51065", "Mülheim"),
    ],
)
def test_koeln_schools_land_in_the_stadtbezirk_of_their_postcode(koeln, plz, bezirk):
    locator = DistrictLocator(koeln)
    schools = [s for s in koeln_schools() if s["PLZ"] == plz]
    assert schools, plz
    for s in schools:
        located = locator.locate(*utm32_to_wgs84(float(s["UTMRechtswert"]), float(s["UTMHochwert"])))
        assert located is not None
        assert koeln.district("stadtbezirk", located[0]).name == bezirk, s["Schulbezeichnung_1"]


def test_utm_conversion_accepts_zone_prefix_and_refuses_nonsense():
    lon, lat = utm32_to_wgs84(356_500, 5_645_600)
    assert 6.9 < lon < 7.0 and 50.9 < lat < 51.0  # Köln
    assert utm32_to_wgs84(32_356_500, 5_645_600) == (lon, lat)
    with pytest.raises(ValueError, match="UTM"):
        utm32_to_wgs84(6.95, 50.94)


# -- Duisburg: partial polygons ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def duisburg(tmp_path_factory):
    needs_shared(GEBIETE / "duisburg_gebiete.csv", GEBIETE / "duisburg_ortsteile.geojson")
    return add_city(
        "Duisburg",
        GEBIETE / "duisburg_gebiete.csv",
        [GEBIETE / "duisburg_stadtbezirke.geojson", GEBIETE / "duisburg_ortsteile.geojson"],
        target_dir=tmp_path_factory.mktemp("profiles"),
        ags="05112000",
    )


def test_duisburg_loads_and_reports_the_ortsteile_without_polygon(duisburg):
    again = load_profile("duisburg", extra_dirs=[duisburg.source.parent])
    assert (len(again.stadtbezirke), len(again.stadtteile)) == (7, 46)
    missing = again.districts_without_polygon
    assert len(missing) == 19 and {d.code for d in missing} >= {"101", "205", "605"}
    assert all(d.kind == "ortsteil" for d in missing)
    assert "19" in again.gaps[0] and "Vierlinden" in again.gaps[0]
    g = profile_graph(again, IRIS)
    assert len(set(g.subjects(GEO.hasGeometry, None))) == 7 + 27


def test_duisburg_locator_falls_back_to_the_stadtbezirk_where_ortsteile_have_no_polygon(duisburg):
    locator = DistrictLocator(duisburg)
    walsum = shapely.from_wkt(duisburg.district("stadtbezirk", "1").wkt).representative_point()
    assert locator.locate(walsum.x, walsum.y) == ("1", None)
    laar = shapely.from_wkt(duisburg.district("ortsteil", "304").wkt).representative_point()
    assert locator.locate(laar.x, laar.y) == ("3", "304")
    assert locator.locate(13.4, 52.5) is None  # Berlin


def test_a_profile_without_polygons_has_no_locator_results():
    locator = DistrictLocator(load_profile("dortmund"))
    assert not locator.has_polygons and locator.locate(7.4653, 51.5136) is None


# -- Polygon matching rules --------------------------------------------------------------------------------


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature_collection(*features: tuple[dict, dict]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
        }
    )


def test_names_shared_by_both_levels_take_the_level_of_the_rest_of_the_file(tmp_path):
    # Hörde and Hombruch are both a Stadtbezirk and a statistischer Bezirk in Dortmund.
    f = tmp_path / "bezirke.geojson"
    f.write_text(
        feature_collection(
            ({"name": "Hoerde"}, square(7.50, 51.48)),
            ({"name": "HOMBRUCH"}, square(7.44, 51.47)),
            ({"name": "Innenstadt-West"}, square(7.45, 51.51)),
            ({"code": 5, "name": "Scharnhorst"}, square(7.55, 51.55)),
        )
    )
    report = read_polygons([f], load_profile("dortmund").districts)
    assert set(report.polygons) == {("stadtbezirk", c) for c in ("8", "9", "1", "5")}
    assert report.unmatched == ()


def test_a_stadtteil_code_that_lost_its_leading_zero_still_matches(tmp_path):
    f = tmp_path / "teile.geojson"
    f.write_text(feature_collection(({"code": 5, "ebene": "statistischer_bezirk"}, square(7.46, 51.52))))
    report = read_polygons([f], load_profile("dortmund").districts)
    assert list(report.polygons) == [("stadtteil", "05")]


def test_unmatched_features_are_reported_with_a_suggestion(tmp_path):
    f = tmp_path / "x.geojson"
    f.write_text(feature_collection(({"name": "Hombrch"}, square(7.44, 51.47))))
    report = read_polygons([f], load_profile("dortmund").districts)
    (miss,) = report.unmatched
    assert miss.feature == 1 and "Hombruch" in miss.suggestions
    assert "x.geojson" in miss.message and "Feature 1" in miss.message and "feature 1" in miss.message
    assert len(report.missing) == 74


# -- Broken inputs -----------------------------------------------------------------------------------------

GOOD_ROWS = (
    "stadtbezirk,1,Nord,,,,,\nstadtbezirk,2,Süd,,,,,\nstadtteil,011,Hafen,1,Nord,2.5,1200,2024-12-31\n"
)


@pytest.mark.parametrize(
    ("content", "row", "column"),
    [
        ("ebene,code,stadtbezirk_code\nstadtbezirk,1,\n", 1, "name"),
        (HEADER + GOOD_ROWS + "stadtteil,012,Werft,9,,,,\n", 5, "stadtbezirk_code"),
        (HEADER + GOOD_ROWS + "stadtteil,011,Werft,2,,,,\n", 5, "code"),
        (HEADER + GOOD_ROWS + "quartier,031,Werft,2,,,,\n", 5, "ebene"),
        (HEADER + GOOD_ROWS + "stadtteil,021,Werft,2,,,viele,\n", 5, "einwohner"),
        (HEADER + GOOD_ROWS + "stadtteil,021,Werft,2,,,,2024\n", 5, "stand"),
        (HEADER + GOOD_ROWS + "stadtteil,021,Werft,2,Nord,,,\n", 5, "stadtbezirk"),
        (HEADER.replace("einwohner", "einwohnr") + GOOD_ROWS, 1, "einwohnr"),
    ],
    ids=[
        "missing-column",
        "unknown-stadtbezirk",
        "duplicate-code",
        "unknown-ebene",
        "bad-number",
        "bad-date",
        "wrong-bezirk-name",
        "misspelt-column",
    ],
)
def test_broken_table_gives_one_bilingual_line_naming_file_row_and_column_and_writes_nothing(
    tmp_path, content, row, column
):
    bad = tmp_path / "kaputt.csv"
    bad.write_text(content, encoding="utf-8")
    target = tmp_path / "profiles"
    with pytest.raises(CityProfileError) as exc:
        add_city("Musterstadt", bad, target_dir=target)
    message = str(exc.value)
    assert "\n" not in message
    assert "kaputt.csv" in message
    assert f"Zeile {row}" in message and f"row {row}" in message
    assert f"Spalte '{column}'" in message and f"column '{column}'" in message
    assert not target.exists() or not any(target.iterdir())


def test_a_good_table_reads_with_codes_as_text(tmp_path):
    good = tmp_path / "g.csv"
    good.write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    hafen = read_gebiete_csv(good)[2]
    assert (hafen.code, hafen.parent, hafen.population, str(hafen.area_km2)) == ("011", "1", 1200, "2.5")


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("{ not json", "Zeile 1"),
        (json.dumps({"type": "Point", "coordinates": [7, 51]}), "FeatureCollection"),
        (feature_collection(({"code": "1"}, {"type": "Point", "coordinates": [7.0, 51.0]})), "Feature 1"),
        (feature_collection(({"code": "1"}, square(356_500, 5_645_600, 100))), "WGS84"),
        (feature_collection(({"code": "1"}, square(51.0, 7.0))), "vertauscht"),
        (
            feature_collection(({"code": "1"}, square(7.0, 51.0)), ({"name": "Atlantis"}, square(7.1, 51.0))),
            "Atlantis",
        ),
    ],
    ids=["not-json", "not-a-collection", "point", "utm-coordinates", "lat-lon-swapped", "unknown-district"],
)
def test_garbage_geojson_is_refused_by_name_and_nothing_is_written(tmp_path, text, expect):
    table = tmp_path / "g.csv"
    table.write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    bad = tmp_path / "muell.geojson"
    bad.write_text(text, encoding="utf-8")
    target = tmp_path / "profiles"
    with pytest.raises(CityProfileError) as exc:
        add_city("Musterstadt", table, [bad], target_dir=target, ags="05999000")
    message = str(exc.value)
    assert "muell.geojson" in message and expect in message and " / " in message and "\n" not in message
    assert not target.exists() or not any(target.iterdir())


def test_updating_a_profile_replaces_it_and_a_failed_update_leaves_it_alone(tmp_path):
    target = tmp_path / "profiles"
    v1, v2, bad = tmp_path / "v1.csv", tmp_path / "v2.csv", tmp_path / "bad.csv"
    v1.write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    v2.write_text(HEADER + "stadtbezirk,1,Nord,,,,,\n", encoding="utf-8")
    bad.write_text(HEADER + "stadtteil,011,Hafen,7,,,,\n", encoding="utf-8")
    add_city("Musterstadt", v1, target_dir=target, label="Musterstadt (Ruhr)", ags="05999000")
    updated = add_city("musterstadt", v2, target_dir=target)
    assert [d.name for d in updated.districts] == ["Nord"]
    assert (updated.label, updated.ags) == ("Musterstadt (Ruhr)", "05999000")  # kept from the old profile
    with pytest.raises(CityProfileError):
        add_city("Musterstadt", bad, target_dir=target)
    assert [d.name for d in load_profile("musterstadt", extra_dirs=[target]).districts] == ["Nord"]
    assert [p.name for p in target.iterdir()] == ["musterstadt"]  # no temporary folders left


def test_bad_ags_is_refused_naming_the_parameter(tmp_path):
    table = tmp_path / "g.csv"
    table.write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    with pytest.raises(CityProfileError, match="Parameter 'ags'.*parameter 'ags'"):
        add_city("Musterstadt", table, target_dir=tmp_path / "p", ags="5913")


# -- Looking up districts ----------------------------------------------------------------------------------


def test_umlaut_spellings_resolve_on_the_level_asked_for():
    p = load_profile("dortmund")
    assert lookup_district(p, "Hoerde", "stadtbezirk").code == "8"
    assert lookup_district(p, "hörde", "statistischer_bezirk").code == "53"
    assert lookup_district(p, "Luetgendortmund", "stadtbezirk").name == "Lütgendortmund"
    assert lookup_district(p, "5", "stadtteil").name == "Nordmarkt"  # spreadsheet ate the leading zero
    assert lookup_district(p, "05").name == "Nordmarkt"


def test_a_name_on_both_levels_without_a_level_is_ambiguous():
    with pytest.raises(CityProfileError, match="mehrdeutig.*ambiguous"):
        lookup_district(load_profile("dortmund"), "Hörde")


def test_near_miss_suggests_the_district_and_names_the_cell():
    p = load_profile("dortmund")
    with pytest.raises(DistrictNotFoundError) as exc:
        lookup_district(p, "Hombrch", "stadtbezirk", file="akteure.xlsx", row=7, column="Stadtbezirk")
    assert exc.value.suggestions == ("Hombruch",)
    message = str(exc.value)
    assert "meinten Sie 'Hombruch'" in message and "did you mean 'Hombruch'" in message
    assert "akteure.xlsx" in message and "Zeile 7" in message and "row 7" in message


def test_lookup_of_every_district_by_its_own_name_and_code_returns_it():
    for city in ("dortmund", "duesseldorf"):
        p = load_profile(city)
        for d in p.districts:
            assert lookup_district(p, d.code, d.ebene) == d
            assert lookup_district(p, d.name.upper(), d.kind) == d


def test_shipped_profiles_are_our_own_files_not_copies_of_shared():
    import hashlib

    needs_shared(GEBIETE / "dortmund_gebiete.csv")
    digests = Counter(hashlib.sha256(p.read_bytes()).hexdigest() for p in GEBIETE.iterdir() if p.is_file())
    for p in resources.cities_dir().rglob("*"):
        if p.is_file():
            assert hashlib.sha256(p.read_bytes()).hexdigest() not in digests, p


def test_nachbarbezirk_finds_providers_next_door_in_the_demo_city_without_polygons(demo_graphs):
    from bildungsnetz.queries import get, run
    from bildungsnetz.store import EmbeddedStore

    store = EmbeddedStore()
    store.replace_graphs(demo_graphs)
    hoerde = str(IRIS.gebiet("dortmund", "stadtbezirk", "8"))
    found = set()
    for goal in ("4", "13", "15", "12"):
        rows = run(get("providers-for-sdg-near-district"), {"sdg": goal, "stadtbezirk": hoerde}, store=store,
                   iris=IRIS, city="dortmund").rows  # fmt: skip
        found |= {str(r["districtLabel"]) for r in rows}
    assert "Hörde" in found and found & {"Aplerbeck", "Hombruch", "Innenstadt-Ost", "Innenstadt-West"}
