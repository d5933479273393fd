"""RDF namespaces of bildungsnetz: the closed ontology namespace and the vocabulary and instance bases."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

__all__ = ["BN", "BNSH", "GEO", "ORG", "PROV", "QB", "SCHEMA", "VOCAB", "PREFIXES", "ONTOLOGY_IRI"]

ONTOLOGY_IRI = URIRef("https://w3id.org/bildungsnetz/ontology")


class BN(DefinedNamespace):
    """The bildungsnetz ontology. Closed: a term not declared in ``ontology/bildungsnetz.ttl`` fails.

    A test keeps this list equal to the ontology's declared terms.
    """

    _fail = True
    _NS = Namespace("https://w3id.org/bildungsnetz/ontology#")

    Akteur: URIRef
    Akteursart: URIRef
    Angebot: URIRef
    Arbeitsagentur: URIRef
    Beratungsstelle: URIRef
    Bibliothek: URIRef
    Bildungsphase: URIRef
    Familienzentrum: URIRef
    Foerderung: URIRef
    Gebiet: URIRef
    Gemeinde: URIRef
    Handlungsfeld: URIRef
    Hochschule: URIRef
    Import: URIRef
    Indikator: URIRef
    Jugendfreizeiteinrichtung: URIRef
    JugendhilfeEinrichtung: URIRef
    Kammer: URIRef
    Kindercampus: URIRef
    Kita: URIRef
    Kontaktperson: URIRef
    Kooperation: URIRef
    Kooperationsart: URIRef
    Kultureinrichtung: URIRef
    Netzwerk: URIRef
    Netzwerkart: URIRef
    Programm: URIRef
    Quelldatei: URIRef
    Planungsraum: URIRef
    Quellgraph: URIRef
    Rolle: URIRef
    SDG: URIRef
    SDGUnterziel: URIRef
    SDGZuordnung: URIRef
    Schule: URIRef
    Schulform: URIRef
    Sektor: URIRef
    Sportverein: URIRef
    Stadtbezirk: URIRef
    Stadtteil: URIRef
    Standort: URIRef
    StatistischerBezirk: URIRef
    Stiftung: URIRef
    Unternehmen: URIRef
    Verein: URIRef
    Vermittlung: URIRef
    Vermittlungsstatus: URIRef
    Verwaltungseinheit: URIRef
    Weiterbildungseinrichtung: URIRef
    Zielgruppe: URIRef
    Zuordnungsstatus: URIRef
    akteursart: URIRef
    anbieter: URIRef
    anzahlTripel: URIRef
    anzahlVerstoesse: URIRef
    anzahlWarnungen: URIRef
    anzahlZeilen: URIRef
    betragEUR: URIRef
    bildungsphase: URIRef
    campusMitglied: URIRef
    campusSchule: URIRef
    campusmanagement: URIRef
    code: URIRef
    einheit: URIRef
    einwohner: URIRef
    empfaenger: URIRef
    evidenz: URIRef
    findetStattAn: URIRef
    flaecheKm2: URIRef
    funktion: URIRef
    gebiet: URIRef
    gebietsebene: URIRef
    gemeinde: URIRef
    gemeindeschluessel: URIRef
    handlungsfeld: URIRef
    hoeherIstBesser: URIRef
    inBetriebBis: URIRef
    inhaltsPruefsumme: URIRef
    indikator: URIRef
    indikatorStruktur: URIRef
    jahr: URIRef
    klasse: URIRef
    konform: URIRef
    kontaktFuer: URIRef
    kooperationsart: URIRef
    koordination: URIRef
    kostenEUR: URIRef
    liegtIn: URIRef
    methode: URIRef
    netzwerkart: URIRef
    partner: URIRef
    plaetze: URIRef
    privat: URIRef
    profil: URIRef
    programm: URIRef
    pruefsumme: URIRef
    quelle: URIRef
    schulform: URIRef
    schulnummer: URIRef
    score: URIRef
    sdg: URIRef
    sdgUnterziel: URIRef
    sdgZuordnung: URIRef
    sektor: URIRef
    stand: URIRef
    standardSektor: URIRef
    status: URIRef
    synthetisch: URIRef
    traeger: URIRef
    traegername: URIRef
    vermitteltAn: URIRef
    vermitteltesAngebot: URIRef
    vermittlungsstatus: URIRef
    vonPhase: URIRef
    wert: URIRef
    wertAngabe: URIRef
    wertGerundet: URIRef
    wertUnterdrueckt: URIRef
    wochentag: URIRef
    zeile: URIRef
    zielgruppe: URIRef
    zuPhase: URIRef
    zweck: URIRef
    # the network survey (bildungsnetz.survey)
    Befragungswelle: URIRef
    Einladung: URIRef
    Nennung: URIRef
    welle: URIRef
    befragt: URIRef
    antwortstatus: URIRef
    geoeffnetAm: URIRef
    abgeschicktAm: URIRef
    zugangsPruefsumme: URIRef
    einwilligung: URIRef
    weitererPartner: URIRef
    beitrag: URIRef
    stichtag: URIRef
    endetAm: URIRef
    geschlossenAm: URIRef
    geschlossenVon: URIRef
    umfasstGebiet: URIRef
    umfasstArt: URIRef
    nennender: URIRef
    genannt: URIRef
    haeufigkeit: URIRef
    intensitaet: URIRef
    nennungsart: URIRef
    gewuenscht: URIRef
    vertrauenZuverlaessig: URIRef
    vertrauenZiele: URIRef
    vertrauenOffen: URIRef
    wertEinfluss: URIRef
    wertRessourcen: URIRef
    wertEngagement: URIRef
    beziehungsstatus: URIRef


#: Base of the team's SKOS vocabularies: ``VOCAB["akteursart/schule"]``.
VOCAB = Namespace("https://w3id.org/bildungsnetz/vocab/")
#: The SHACL shapes.
BNSH = Namespace("https://w3id.org/bildungsnetz/shapes#")

ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
QB = Namespace("http://purl.org/linked-data/cube#")

#: Prefixes used in queries, serialisations and documentation.
PREFIXES: dict[str, str] = {
    "bn": str(BN._NS),
    "bnv": str(VOCAB),
    "bnsh": str(BNSH),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "geo": str(GEO),
    "qb": str(QB),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "sh": "http://www.w3.org/ns/shacl#",
}
