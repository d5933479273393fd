"""Typed response bodies of the REST API (they are also its OpenAPI schema)."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = [
    "Health",
    "Paging",
    "ActorItem",
    "ActorPage",
    "Site",
    "Partner",
    "ActorNetwork",
    "ActorOffer",
    "Contact",
    "ActorDetail",
    "ActorSource",
    "ActorRef",
    "ActorPartners",
    "DistrictRef",
    "District",
    "KindCount",
    "DistrictNetwork",
    "DistrictDetail",
    "NetworkItem",
    "NetworkPage",
    "Member",
    "NetworkDetail",
    "OfferItem",
    "OfferPage",
    "MediationItem",
    "MediationPage",
    "SdgItem",
    "SdgTarget",
    "SdgDetail",
    "QueryParam",
    "QueryInfo",
    "QueryRows",
    "GraphItem",
    "GraphDropped",
]


class Health(BaseModel):
    """The service answers; what it serves."""

    ok: bool = True
    store: str = Field(description="embedded oder remote")
    graphs: int
    sparql_workers: int
    queries_stopped: int = Field(description="/sparql-Abfragen, die am Zeitlimit beendet wurden")


class Paging(BaseModel):
    """Where a page is; ``next`` is the URL of the following page, ``null`` on the last one."""

    count: int
    limit: int
    offset: int
    next: str | None = None


class ActorItem(BaseModel):
    id: str | None = Field(None, description="Kennung der Quelle bzw. Schulnummer (für /api/actors/{id})")
    iri: str
    label: str | None = None
    kind: str | None = Field(None, description="Code der Akteursart, z. B. kita, schule")
    district: str | None = Field(None, description="IRI des Stadtbezirks")
    district_label: str | None = None
    area: str | None = Field(None, description="IRI des Gebiets des Standorts (Stadtteil)")
    area_label: str | None = None


class ActorPage(Paging):
    items: list[ActorItem]


class Site(BaseModel):
    iri: str
    label: str | None = None
    street: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    wkt: str | None = None
    area: str | None = None
    area_label: str | None = None
    district: str | None = None
    district_label: str | None = None


class Partner(BaseModel):
    partner: str
    partner_id: str | None = None
    partner_label: str | None = None
    cooperation: str
    cooperation_id: str | None = None
    kind: str | None = None
    field: str | None = Field(None, description="Handlungsfelder, kommagetrennt")
    programme: str | None = None
    since: str | None = None
    until: str | None = None


class ActorNetwork(BaseModel):
    network: str
    network_id: str | None = None
    network_label: str | None = None
    kind: str | None = None
    role: str | None = None
    since: str | None = None
    until: str | None = None


class ActorOffer(BaseModel):
    offer: str
    offer_id: str | None = None
    title: str | None = None
    area: str | None = None
    area_label: str | None = None
    sdgs: list[str] = Field(default_factory=list, description="SDG-Ziele bestätigter Zuordnungen")


class Contact(BaseModel):
    """A contact person (personal data: only for role ``intern``)."""

    contact: str
    name: str | None = None
    function: str | None = None
    email: str | None = None
    telephone: str | None = None


class ActorSource(BaseModel):
    source: str
    stand: str | None = Field(None, description="Ende des letzten Imports dieser Quelle (ISO-Zeit)")


class ActorDetail(BaseModel):
    id: str | None = None
    iri: str
    label: str | None = None
    kind: str | None = None
    sector: str | None = None
    schulform: str | None = None
    schulnummer: str | None = None
    operator: str | None = None
    homepage: str | None = None
    sites: list[Site]
    partners: list[Partner]
    networks: list[ActorNetwork]
    offers: list[ActorOffer]
    sdgs: list[str] = Field(description="SDG-Ziele der Angebote (bestätigte Zuordnungen)")
    contacts: list[Contact] | None = Field(None, description="nur mit Rolle intern, sonst null")
    sources: list[ActorSource] = Field([], description="Quellen, die den Akteur beschreiben, mit Stand")


class ActorRef(BaseModel):
    id: str | None = None
    iri: str
    label: str | None = None
    kind: str | None = None


class ActorPartners(BaseModel):
    actor: ActorRef
    date: str
    partners: list[Partner]


class DistrictRef(BaseModel):
    code: str | None = None
    iri: str
    label: str | None = None
    einwohner: int | None = None


class District(DistrictRef):
    level: str = Field(description="stadtbezirk oder stadtteil")
    stadtteile: list[DistrictRef] = Field(default_factory=list)


class KindCount(BaseModel):
    kind: str | None = None
    actors: int


class DistrictNetwork(BaseModel):
    network: str
    network_id: str | None = None
    network_label: str | None = None
    kind: str | None = None
    coordinator_label: str | None = None
    member_count: int | None = None


class DistrictDetail(District):
    parent: DistrictRef | None = None
    actors_by_kind: list[KindCount]
    networks: list[DistrictNetwork]


class NetworkItem(BaseModel):
    id: str | None = None
    iri: str
    label: str | None = None
    kind: str | None = None
    area: str | None = None
    area_label: str | None = None
    coordinator: str | None = None
    coordinator_label: str | None = None
    member_count: int | None = None


class NetworkPage(Paging):
    items: list[NetworkItem]


class Member(BaseModel):
    member: str
    member_id: str | None = None
    member_label: str | None = None
    kind: str | None = None
    role: str | None = None
    since: str | None = None
    until: str | None = None


class NetworkDetail(NetworkItem):
    since: str | None = None
    until: str | None = None
    date: str
    members: list[Member]


class OfferItem(BaseModel):
    id: str | None = None
    iri: str
    title: str | None = None
    providers: str | None = Field(None, description="Namen der Anbieter, durch »; « getrennt")
    area: str | None = None
    area_label: str | None = None
    sdgs: list[str] = Field(default_factory=list)
    zielgruppen: list[str] = Field(default_factory=list)
    bildungsphasen: list[str] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list, description="Handlungsfelder (Codes)")
    places: int | None = Field(None, description="Plätze je Durchgang")
    cost: float | None = Field(None, description="Kosten in Euro je Durchgang; 0 = kostenfrei")
    since: str | None = None
    until: str | None = None


class OfferPage(Paging):
    items: list[OfferItem]


class MediationItem(BaseModel):
    """One mediation of an offer to an institution (without the person who mediated)."""

    id: str | None = None
    iri: str
    date: str | None = None
    status: str
    offer: str
    offer_id: str | None = None
    title: str | None = None
    institution: str
    institution_id: str | None = None
    institution_label: str | None = None
    fields: list[str] = Field(default_factory=list)
    zielgruppen: list[str] = Field(default_factory=list)
    note: str | None = None


class MediationPage(Paging):
    items: list[MediationItem]


class SdgItem(BaseModel):
    sdg: int
    iri: str
    label_de: str | None = None
    label_en: str | None = None
    un: str | None = None
    offers: int


class SdgTarget(BaseModel):
    code: str
    iri: str
    label_de: str | None = None
    label_en: str | None = None
    definition_de: str | None = None
    definition_en: str | None = None


class SdgDetail(SdgItem):
    targets: list[SdgTarget]
    offer_items: list[OfferItem] = Field(description="die ersten Angebote; alle: /api/offers?sdg=N")


class QueryParam(BaseModel):
    name: str
    type: str
    required: bool
    default: str | None = None


class QueryInfo(BaseModel):
    name: str
    summary: str
    summary_de: str
    audience: list[str]
    params: list[QueryParam]
    returns: list[str]
    url: str


class QueryRows(Paging):
    query: str
    columns: list[str]
    rows: list[dict[str, str | int | float | bool | None]]


class GraphItem(BaseModel):
    graph: str
    name: str
    source: str | None = None
    triples: int
    modified: str | None = None
    conforms: bool | None = None
    private: bool
    synthetic: bool


class GraphDropped(BaseModel):
    ok: bool = True
    dropped: str
    graphs: list[str] = []


# -- Wirkungsmonitoring and Kindercampus ---------------------------------------------------------------------


class IndicatorItem(BaseModel):
    """An indicator: built-in or the city's own, with how many values (and how many suppressed) it has."""

    code: str
    iri: str
    label: str | None = None
    label_en: str | None = None
    unit: str | None = None
    higher_is_better: bool | None = None
    level: str | None = None
    own: bool
    values: int
    suppressed: int
    first_year: str | None = None
    last_year: str | None = None


class IndicatorValue(BaseModel):
    """One value: ``value`` is null when the source suppressed it; ``shown`` is how the source wrote it."""

    area: str
    code: str
    label: str
    level: str
    year: str
    value: float | None
    shown: str
    suppressed: bool
    rounded: bool


class IndicatorValues(BaseModel):
    indicator: IndicatorItem
    years: list[str]
    values: list[IndicatorValue]


class CampusItem(BaseModel):
    """A Kindercampus: the site around a primary school in its Stadtteil."""

    iri: str
    id: str | None = None
    label: str | None = None
    school: str | None = None
    school_id: str | None = None
    school_label: str | None = None
    stadtteil: str | None = None
    stadtteil_code: str | None = None
    stadtteil_label: str | None = None
    stadtbezirk_code: str | None = None
    members: int
    offers: int
    programmes: str | None = None


class CampusDetail(BaseModel):
    """One campus: members, offers on site counted by field, target group and weekday, and the gaps of the
    Bildungskette in its Stadtteil. The campus manager is personal data and never part of this answer."""

    campus: CampusItem
    members: list[dict[str, str | bool | None]]
    offers: list[dict[str, str | None]]
    by_field: list[list[str | int]]
    by_group: list[list[str | int]]
    by_weekday: list[list[str | int]]
    gaps: list[dict[str, str | int | float | list[str] | None]]
    mediations: list[dict[str, str | int | float | bool | None]]


class NeedRanking(BaseModel):
    """Need versus network per Stadtteil or Stadtbezirk, highest gap first (the ranking of the gap report)."""

    indicator: str
    parts: list[list[str | float]]
    year: str | None = None
    level: str = "stadtteil"
    #: the indicator holding the number of children (offers per 1,000 children), or None
    children: str | None = None
    #: why offers per 1,000 children are empty (German / English), or None
    children_note: str | None = None
    rows: list[dict[str, str | int | float | None]]
