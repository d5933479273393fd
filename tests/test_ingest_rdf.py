"""RDF import: every format, strict syntax (W3C negative tests), no remote JSON-LD contexts, no XML DTDs,
contact persons to the private graph."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from bildungsnetz.errors import InputError
from bildungsnetz.ingest.rdf import map_rdf
from conftest import SHARED

TURTLE_TESTS = SHARED / "conformance" / "w3c-rdf-tests" / "rdf" / "rdf11" / "rdf-turtle"

BN = "https://w3id.org/bildungsnetz/ontology#"
ID = "https://w3id.org/bildungsnetz/id/"
VEREIN = f"{ID}akteur/V-1"
LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

TTL = f"""@prefix bn: <{BN}> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{VEREIN}> a bn:Verein ; skos:prefLabel "Förderverein Nord" ; bn:traeger <{ID}akteur/T-9> .
"""
NT = f"""<{VEREIN}> <{RDF_TYPE}> <{BN}Verein> .
<{VEREIN}> <{LABEL}> "Förderverein Nord" .
<{VEREIN}> <{BN}traeger> <{ID}akteur/T-9> .
"""
NQ = NT.replace(" .\n", f" <{ID}graph/x> .\n")
TRIG = (
    f"<{ID}graph/x> {{\n{TTL.split(chr(10), 2)[2]}}}\n".replace("a bn:Verein", f"a <{BN}Verein>")
    .replace("skos:prefLabel", f"<{LABEL}>")
    .replace("bn:traeger", f"<{BN}traeger>")
)
JSONLD = json.dumps(
    {
        "@context": {
            "bn": BN,
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "traeger": {"@id": "bn:traeger", "@type": "@id"},
        },
        "@id": VEREIN,
        "@type": "bn:Verein",
        "skos:prefLabel": "Förderverein Nord",
        "traeger": f"{ID}akteur/T-9",
    },
    ensure_ascii=False,
)
RDFXML = f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:bn="{BN}"
         xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <bn:Verein rdf:about="{VEREIN}">
    <skos:prefLabel>Förderverein Nord</skos:prefLabel>
    <bn:traeger rdf:resource="{ID}akteur/T-9"/>
  </bn:Verein>
</rdf:RDF>
"""
SAMPLES = {
    ".ttl": TTL,
    ".nt": NT,
    ".nq": NQ,
    ".trig": TRIG,
    ".jsonld": JSONLD,
    ".json": JSONLD,
    ".rdf": RDFXML,
    ".xml": RDFXML,
    ".owl": RDFXML,
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- Formats -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", sorted(SAMPLES))
def test_each_format_gives_the_same_triples(tmp_path, suffix):
    expected = set(map_rdf([write(tmp_path, "ref.ttl", TTL)], source="t").data)
    staged = map_rdf([write(tmp_path, f"verein{suffix}", SAMPLES[suffix])], source="t")
    assert set(staged.data) == expected and len(expected) == 3
    assert staged.origins[VEREIN].file.endswith(f"verein{suffix}")
    assert staged.files[0].kind == "rdf" and len(staged.files[0].sha256) == 64


@pytest.mark.parametrize("suffix", [".nq", ".trig"])
def test_named_graphs_are_flattened_and_noted(tmp_path, suffix):
    staged = map_rdf([write(tmp_path, f"g{suffix}", SAMPLES[suffix])], source="t")
    assert len(staged.data) == 3
    assert any("benannte Graphen" in n and "named graphs" in n for n in staged.notes)


def test_a_format_can_be_given_for_an_unusual_extension(tmp_path):
    staged = map_rdf([write(tmp_path, "daten.txt", TTL)], source="t", format="turtle")
    assert len(staged.data) == 3


def test_an_unknown_extension_is_refused(tmp_path):
    with pytest.raises(InputError, match="daten.txt"):
        map_rdf([write(tmp_path, "daten.txt", TTL)], source="t")


def test_iris_the_data_points_at_but_does_not_describe_are_references(tmp_path):
    staged = map_rdf([write(tmp_path, "a.ttl", TTL)], source="t")
    assert staged.references == {f"{ID}akteur/T-9"}


def test_importing_the_same_file_twice_gives_identical_blank_nodes(tmp_path):
    path = write(tmp_path, "b.ttl", f'<{VEREIN}> <{BN}traeger> [ <{LABEL}> "anonym" ] .\n')
    first, second = (map_rdf([path], source="t").data for _ in range(2))
    assert first == second
    other_source = map_rdf([path], source="andere").data
    assert {t.object for t in first if isinstance(t.object, ox.BlankNode)}.isdisjoint(
        {t.object for t in other_source if isinstance(t.object, ox.BlankNode)}
    )


def test_a_file_without_statements_is_refused_rather_than_emptying_the_source(tmp_path):
    with pytest.raises(InputError, match="RDF"):
        map_rdf([write(tmp_path, "leer.ttl", "# nichts\n")], source="t")


# -- Strict syntax -------------------------------------------------------------------------------------------


def test_a_syntax_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path, "kaputt.ttl", TTL + f"<{VEREIN}> <{BN}traeger> <kein iri> .\n")
    with pytest.raises(InputError) as exc:
        map_rdf([path], source="t")
    message = str(exc.value)
    assert "kaputt.ttl" in message and "Zeile 4" in message and "line 4" in message and "\n" not in message


def negative_turtle_tests() -> list:
    manifest = TURTLE_TESTS / "manifest.ttl"
    if not manifest.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared W3C Turtle tests not available"))]
    quads = ox.parse(path=manifest, format=ox.RdfFormat.TURTLE, base_iri=manifest.as_uri())
    negative = {
        q.subject
        for q in quads
        if q.predicate.value == RDF_TYPE and q.object.value.endswith("#TestTurtleNegativeSyntax")
    }
    actions = [
        q.object.value
        for q in ox.parse(path=manifest, format=ox.RdfFormat.TURTLE, base_iri=manifest.as_uri())
        if q.subject in negative and q.predicate.value.endswith("#action")
    ]
    return [pytest.param(Path(a.removeprefix("file://")), id=a.rsplit("/", 1)[1]) for a in sorted(actions)]


@pytest.mark.parametrize("path", negative_turtle_tests())
def test_w3c_negative_turtle_syntax_tests_are_refused(path):
    with pytest.raises(InputError, match=path.name):
        map_rdf([path], source="w3c")


# -- JSON-LD contexts: inline only, never fetched ------------------------------------------------------------


@pytest.fixture
def canary():
    """A local HTTP server that serves a context and counts every request made to it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (name fixed by http.server)
            hits.append(self.path)
            body = json.dumps({"@context": {"name": "http://schema.org/name"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/context.jsonld"
    urllib.request.urlopen(url, timeout=5).read()  # the canary itself works: this request is counted
    assert hits == ["/context.jsonld"]
    hits.clear()
    yield url, hits
    server.shutdown()
    server.server_close()


def test_json_ld_with_an_inline_context_maps(tmp_path):
    staged = map_rdf([write(tmp_path, "inline.jsonld", JSONLD)], source="t")
    assert any(t.predicate.value == LABEL and t.object.value == "Förderverein Nord" for t in staged.data)


@pytest.mark.parametrize("shape", ["string", "array", "import", "scoped"])
def test_json_ld_with_a_remote_context_is_refused_and_never_fetched(tmp_path, canary, shape):
    url, hits = canary
    context = {
        "string": url,
        "array": [url, {"x": "http://example.org/x"}],
        "import": {"@import": url},
        "scoped": {"p": {"@id": "http://example.org/p", "@context": url}},
    }[shape]
    doc = {"@context": context, "@id": VEREIN, "name": "Förderverein Nord", "p": {"name": "x"}}
    path = write(tmp_path, "remote.jsonld", json.dumps(doc, indent=1))
    with pytest.raises(InputError) as exc:
        map_rdf([path], source="t")
    assert "remote.jsonld" in str(exc.value) and url in str(exc.value) and "never fetched" in str(exc.value)
    assert hits == []


def test_json_ld_with_a_file_context_is_refused(tmp_path):
    secret = write(tmp_path, "ctx.jsonld", json.dumps({"@context": {"name": "http://schema.org/name"}}))
    path = write(
        tmp_path, "file.jsonld", json.dumps({"@context": secret.as_uri(), "@id": VEREIN, "name": "x"})
    )
    with pytest.raises(InputError, match="file.jsonld"):
        map_rdf([path], source="t")


# -- XML: no DTD ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtd", [
    '<!DOCTYPE rdf:RDF [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    '<!doctype rdf:RDF>',
])  # fmt: skip
def test_xml_with_a_doctype_or_entity_is_refused_before_parsing(tmp_path, dtd):
    text = RDFXML.replace("?>\n", f"?>\n{dtd}\n", 1).replace(
        "Förderverein Nord", "&b;" if "&a;" in dtd else "x"
    )
    path = write(tmp_path, "dtd.rdf", text)
    with pytest.raises(InputError) as exc:
        map_rdf([path], source="t")
    assert "dtd.rdf, Zeile 2" in str(exc.value) and "line 2" in str(exc.value)


# -- Personal data -------------------------------------------------------------------------------------------


def test_a_contact_person_in_turtle_goes_to_the_private_graph(tmp_path):
    person = f"{ID}kontakt/V-1/1"
    text = (
        TTL
        + f"""
<{person}> a bn:Kontaktperson ; <http://xmlns.com/foaf/0.1/name> "Erika Mustermann" ;
    <https://schema.org/email> "erika@example.org" ; bn:kontaktFuer <{VEREIN}> ;
    <https://schema.org/address> [ <https://schema.org/streetAddress> "Privatweg 1" ] .
<{VEREIN}> <https://schema.org/employee> <{person}> .
"""
    )
    staged = map_rdf([write(tmp_path, "mit_kontakt.ttl", text)], source="t")
    public = {t.object.value for t in staged.data} | {t.subject.value for t in staged.data}
    assert not {"Erika Mustermann", "erika@example.org", "Privatweg 1", person} & public
    private = {t.object.value for t in staged.private}
    assert {"Erika Mustermann", "erika@example.org", "Privatweg 1"} <= private
    assert len(staged.data) == 3
    assert any("Kontaktpersonen" in n for n in staged.notes)


def test_an_ill_typed_date_is_refused_with_file_property_and_value_and_the_store_keeps_its_state(tmp_path):
    # "2024-13-45"^^xsd:date passes every RDF parser (the syntax is fine); it used to end in an internal error
    # inside pySHACL's date comparison.
    from bildungsnetz.ingest.pipeline import import_files
    from bildungsnetz.store import EmbeddedStore

    f = write(tmp_path, "k.ttl", """@prefix bn: <https://w3id.org/bildungsnetz/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/bildungsnetz/id/akteur/A> a bn:Verein ; schema:name "A" ;
    schema:foundingDate "1999-02-30"^^xsd:date .
""")
    store = EmbeddedStore()
    before = sorted(map(str, store.quads()))
    result = import_files([f], store=store, city="dortmund")
    assert not result.imported and not result.report.conforms
    bad = [v for v in result.report.violations if v.shape.endswith("#import-literal")]
    assert len(bad) == 1
    v = bad[0]
    assert (v.value, v.path, v.source_file) == ("1999-02-30", "https://schema.org/foundingDate", str(f))
    assert "xsd:date" in v.message_de and "xsd:date" in v.message_en
    assert sorted(map(str, store.quads())) == before
