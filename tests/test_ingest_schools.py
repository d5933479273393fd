"""NRW school list: filter by city, sites and points, districts by polygon, re-import, shapes, encodings."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from bildungsnetz.cities import CityProfile, add_city, load_profile, profile_graph
from bildungsnetz.errors import InputError
from bildungsnetz.ingest.schools import looks_like_school_list, map_schools
from bildungsnetz.iris import Iris
from bildungsnetz.namespace import BN, GEO, ORG, VOCAB
from bildungsnetz.validate.shacl import reference_graph, validate
from conftest import SHARED, needs_shared

SCHULEN = SHARED / "data" / "schulen"
GEBIETE = SHARED / "data" / "gebiete"
NRW = SCHULEN / "nrw_schuldaten_2021.csv"
IRIS = Iris()
TODAY = date(2025, 3, 1)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DORTMUND_AGS = "05913000"
# Dortmund's city limits with a margin (lon/lat).
DORTMUND_BOX = (7.30, 51.41, 7.65, 51.61)


needs = needs_shared


def rows_of(path: Path) -> list[dict[str, str]]:
    """The CSV read independently of the mapper: plain csv module, the sep= line dropped."""
    with path.open(encoding="utf-8", newline="") as fh:
        first = fh.readline()
        if not first.startswith("sep="):
            fh.seek(0)
        return list(csv.DictReader(fh, delimiter=";"))


def objects(staged, predicate: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for t in staged.data:
        if t.predicate.value == predicate:
            found.setdefault(t.subject.value, []).append(t.object)
    return found


def subjects_of_type(staged, cls: str) -> set[str]:
    return {t.subject.value for t in staged.data if t.predicate.value == RDF_TYPE and t.object.value == cls}


def as_graph(triples) -> Graph:
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def district_note(staged) -> list[str]:
    return [n for n in staged.notes if "ohne Gebiet" in n]


@pytest.fixture(scope="module")
def dortmund():
    needs(NRW)
    return map_schools(NRW, profile=load_profile("dortmund"), iris=IRIS, source="schulen", today=TODAY)


@pytest.fixture(scope="module")
def koeln_profile(tmp_path_factory) -> CityProfile:
    needs(
        GEBIETE / "koeln_gebiete.csv",
        GEBIETE / "koeln_stadtbezirke.geojson",
        GEBIETE / "koeln_stadtteile.geojson",
    )
    return add_city(
        "Köln",
        GEBIETE / "koeln_gebiete.csv",
        [GEBIETE / "koeln_stadtbezirke.geojson", GEBIETE / "koeln_stadtteile.geojson"],
        target_dir=tmp_path_factory.mktemp("profiles"),
        ags="05315000",
    )


@pytest.fixture(scope="module")
def koeln(koeln_profile):
    needs(SCHULEN / "schulen_koeln.csv")
    return map_schools(
        SCHULEN / "schulen_koeln.csv", profile=koeln_profile, iris=IRIS, source="schulen", today=TODAY
    )


# -- Dortmund from the whole NRW list -----------------------------------------------------------------------


def test_dortmund_gets_exactly_the_schools_in_operation_with_its_ags(dortmund):
    expected = {
        r["Schulnummer"]
        for r in rows_of(NRW)
        if r["Gemeindeschluessel"] == DORTMUND_AGS and r["Schulbetriebsschluessel"] == "1"
    }
    actors = {iri.rsplit("/", 1)[1] for iri in objects(dortmund, str(ORG.hasSite))}
    assert actors == expected
    assert dortmund.rows == 5507


def test_every_dortmund_school_has_a_school_type_a_site_and_a_point_in_dortmund(dortmund):
    schools = subjects_of_type(dortmund, str(BN.Schule))
    schulform = objects(dortmund, str(BN.schulform))
    sites = objects(dortmund, str(ORG.hasSite))
    geometry = objects(dortmund, str(GEO.hasGeometry))
    wkt = objects(dortmund, str(GEO.asWKT))
    assert schools and all(len(schulform.get(s, [])) == 1 for s in schools)
    for school in schools:
        (site,) = sites[school]
        (geom,) = geometry[site.value]
        (point,) = wkt[geom.value]
        lon, lat = map(float, point.value.removeprefix("POINT(").removesuffix(")").split())
        assert DORTMUND_BOX[0] < lon < DORTMUND_BOX[2] and DORTMUND_BOX[1] < lat < DORTMUND_BOX[3], school


def test_the_schulamt_is_an_administrative_unit_not_a_school(dortmund):
    schulamt = str(IRIS.akteur("600913"))
    assert schulamt in subjects_of_type(dortmund, str(BN.Verwaltungseinheit))
    assert schulamt not in subjects_of_type(dortmund, str(BN.Schule))
    assert objects(dortmund, str(BN.akteursart))[schulamt][0].value == str(VOCAB["akteursart/verwaltung"])


def test_without_polygons_one_note_says_how_many_schools_have_no_district(dortmund):
    sites = subjects_of_type(dortmund, str(BN.Standort))
    assert not objects(dortmund, str(BN.liegtIn))
    (note,) = district_note(dortmund)
    assert f"{len(sites)} Schulen ohne Gebiet" in note and "keine Polygone" in note
    assert f"{len(sites)} schools without a district" in note


def test_origins_trace_a_school_to_its_row_and_columns(dortmund):
    rows = rows_of(NRW)
    school = str(IRIS.akteur("100056"))
    origin = dortmund.origins[school]
    assert rows[origin.row - 2]["Schulnummer"] == "100056"  # header = row 1
    assert origin.table == "schulliste"
    assert origin.columns[str(BN.schulform)] == "Schulform"


def test_no_email_or_phone_is_mapped(dortmund):
    values = {t.object.value for t in dortmund.data if isinstance(t.object, ox.Literal)}
    assert not any("@schule.nrw.de" in v for v in values)
    predicates = {t.predicate.value for t in dortmund.data}
    assert not any(p.endswith(("email", "telephone", "mbox", "faxNumber")) for p in predicates)


def test_dortmund_schools_conform_to_the_shapes_or_only_warn(dortmund):
    report = validate(as_graph(dortmund.data), reference=reference_graph())
    assert report.conforms, report.to_text(lang="en")
    assert dortmund.problems == []


# -- Köln: districts by point-in-polygon --------------------------------------------------------------------


def test_koeln_schools_get_a_district_from_the_polygons(koeln, koeln_profile):
    sites = subjects_of_type(koeln, str(BN.Standort))
    located = objects(koeln, str(BN.liegtIn))
    assert len(sites) > 250
    assert len(located) >= 0.95 * len(sites)
    gebiete = {str(IRIS.gebiet("koeln", d.ebene, d.code)) for d in koeln_profile.districts}
    assert {o.value for os_ in located.values() for o in os_} <= gebiete
    assert district_note(koeln) == []


def test_koeln_schools_conform_with_the_koeln_profile_as_reference(koeln, koeln_profile):
    reference = Graph()
    reference += reference_graph()
    reference += profile_graph(koeln_profile, IRIS)
    report = validate(as_graph(koeln.data), reference=reference)
    assert report.conforms, report.to_text(lang="en")


# -- Re-import -----------------------------------------------------------------------------------------------


def test_a_newer_list_keeps_schools_that_disappeared_with_an_end_date(tmp_path):
    source = SCHULEN / "schulen_dortmund.csv"
    needs(source)
    profile = load_profile("dortmund")
    first = map_schools(source, profile=profile, iris=IRIS, source="schulen", today=date(2024, 1, 1))

    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    gone_lines = [line for line in lines[1:] if '"1";"' in line][:3]
    gone = {line.split(";")[0].strip('"') for line in gone_lines}
    newer = tmp_path / "schuldaten_neu.csv"
    newer.write_text("".join(line for line in lines if line not in gone_lines), encoding="utf-8")

    second = map_schools(
        newer, profile=profile, iris=IRIS, source="schulen", previous=first.data, today=TODAY
    )
    ended = objects(second, str(BN.inBetriebBis))
    assert set(ended) == {str(IRIS.akteur(nr)) for nr in gone}
    assert all(o.value == TODAY.isoformat() for os_ in ended.values() for o in os_)
    end_triples = {t for t in second.data if t.predicate.value == str(BN.inBetriebBis)}
    assert set(second.data) - end_triples == set(first.data)  # the three kept unchanged, the rest the same
    assert any("3 bisher" in n for n in second.notes)

    # A third import a year later keeps the first end date, once.
    third = map_schools(
        newer, profile=profile, iris=IRIS, source="schulen", previous=second.data, today=date(2026, 3, 1)
    )
    assert set(third.data) == set(second.data)


def test_a_school_closed_in_the_newer_list_gets_the_lists_date(tmp_path):
    source = SCHULEN / "schulen_dortmund.csv"
    needs(source)
    profile = load_profile("dortmund")
    first = map_schools(source, profile=profile, iris=IRIS, source="schulen", today=date(2021, 1, 1))
    text = source.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith('"100056"'))
    fields = line.split(";")
    fields[18], fields[19] = '"9"', '"31.07.2023"'
    newer = tmp_path / "neu.csv"
    newer.write_text(text.replace(line, ";".join(fields)), encoding="utf-8")
    second = map_schools(
        newer, profile=profile, iris=IRIS, source="schulen", previous=first.data, today=TODAY
    )
    assert [o.value for o in objects(second, str(BN.inBetriebBis))[str(IRIS.akteur("100056"))]] == [
        "2023-07-31"
    ]


# -- Formats and errors --------------------------------------------------------------------------------------


def test_a_windows_1252_copy_maps_the_same(tmp_path):
    source = SCHULEN / "schulen_koeln.csv"
    needs(source)
    profile = CityProfile("koeln", "Köln", "05315000", ())
    copy = tmp_path / "schulen_cp1252.csv"
    copy.write_bytes(source.read_text(encoding="utf-8").encode("cp1252"))
    utf8 = map_schools(source, profile=profile, iris=IRIS, source="s", today=TODAY)
    cp1252 = map_schools(copy, profile=profile, iris=IRIS, source="s", today=TODAY)
    assert set(cp1252.data) == set(utf8.data)
    assert any("ö" in t.object.value for t in cp1252.data if isinstance(t.object, ox.Literal))


def test_the_school_list_is_recognised_by_its_header_with_or_without_sep_line(tmp_path):
    needs(NRW, SCHULEN / "schulen_dortmund.csv")
    other = tmp_path / "akteure.csv"
    other.write_text("id,name,typ\nA-1,Kita Sonne,kita\n", encoding="utf-8")
    assert looks_like_school_list(NRW) and looks_like_school_list(SCHULEN / "schulen_dortmund.csv")
    assert not looks_like_school_list(other)


def test_a_garbage_file_is_refused_naming_the_file(tmp_path):
    garbage = tmp_path / "kaputt.csv"
    garbage.write_bytes(b"\x00\x81\x8d garbage;;;\n\xff\xfe")
    with pytest.raises(InputError, match="kaputt.csv") as exc:
        map_schools(garbage, profile=load_profile("dortmund"), iris=IRIS, source="s", today=TODAY)
    assert " / " in str(exc.value)


def test_a_profile_without_ags_is_refused(tmp_path):
    needs(SCHULEN / "schulen_dortmund.csv")
    profile = CityProfile("ohne", "Ohne", None, ())
    with pytest.raises(InputError, match="AGS"):
        map_schools(SCHULEN / "schulen_dortmund.csv", profile=profile, iris=IRIS, source="s", today=TODAY)


def test_the_wrong_city_is_refused_instead_of_closing_every_school(tmp_path):
    needs(SCHULEN / "schulen_koeln.csv")
    with pytest.raises(InputError, match="05913000"):
        map_schools(
            SCHULEN / "schulen_koeln.csv",
            profile=load_profile("dortmund"),
            iris=IRIS,
            source="s",
            today=TODAY,
        )


def test_an_unknown_school_type_is_a_problem_on_its_row_and_the_school_is_kept(tmp_path):
    source = SCHULEN / "schulen_dortmund.csv"
    needs(source)
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(lines[1].split(";")[1], '"99"', 1)
    broken = tmp_path / "schulen.csv"
    broken.write_text("".join(lines), encoding="utf-8")
    staged = map_schools(broken, profile=load_profile("dortmund"), iris=IRIS, source="s", today=TODAY)
    (problem,) = staged.problems
    assert (problem.row, problem.column, problem.value) == (2, "Schulform", "99")
    assert problem.message_de and problem.message_en
    school = str(IRIS.akteur(lines[1].split(";")[0].strip('"')))
    assert school in subjects_of_type(staged, str(BN.Schule))
    assert school not in objects(staged, str(BN.schulform))
