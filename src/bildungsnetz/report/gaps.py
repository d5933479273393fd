"""The gap report for the Schulausschuss: German HTML (self-contained, with pictures), XLSX, Markdown."""

from __future__ import annotations

import html
import io
import math
import random
import tomllib
from collections import Counter
from collections.abc import Iterable
from datetime import date as Date
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx

from bildungsnetz.analysis.graphs import load
from bildungsnetz.analysis.run import Analysis, DistrictResult, run_analysis
from bildungsnetz.queries import ParameterError
from bildungsnetz.report.colours import SECTOR_COLOURS

__all__ = [
    "FORMATS",
    "SECTIONS",
    "need_head",
    "network_svg",
    "render_html",
    "render_markdown",
    "render_xlsx",
    "render",
    "report_gaps",
]

FORMATS = ("html", "xlsx", "md")
#: The sections every Stadtbezirk has in every format (anchors ``<section data-section=…>`` in HTML).
SECTIONS = {
    "kennzahlen": "Kennzahlen",
    "netzwerk": "Netzwerkbild",
    "broker": "Broker (Vermittler)",
    "isolierte": "Isolierte Akteure",
    "bildungskette": "Lücken in der Bildungskette",
    "handlungsfelder": "Handlungsfelder ohne Akteur",
}
SECTOR_NAMES = {
    "bildung": "Bildung",
    "jugendhilfe": "Jugendhilfe",
    "kultur": "Kultur",
    "sport": "Sport",
    "wirtschaft": "Wirtschaft",
    "verwaltung": "Verwaltung",
    "zivilgesellschaft": "Zivilgesellschaft",
    None: "ohne Sektor",
}
ROLE_NAMES = {
    "coordinator": "Koordinator",
    "itinerant": "Itinerant",
    "representative": "Repräsentant",
    "gatekeeper": "Gatekeeper",
    "liaison": "Liaison",
}


@cache
def _text() -> dict:
    """Prose, references and style of the report (``bericht.toml`` beside this module)."""
    with (Path(__file__).parent / "bericht.toml").open("rb") as fh:
        return tomllib.load(fh)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}f}".replace(".", ",")
    return str(x)


# -- Pictures --------------------------------------------------------------------------------------------


def _layout(G: nx.Graph, seed: int = 1) -> dict:
    if G.number_of_nodes() == 0:
        return {}
    if G.number_of_nodes() == 1:
        return {next(iter(G)): (0.5, 0.5)}
    from bildungsnetz.analysis.centrality import to_igraph  # noqa: PLC0415

    g, nodes = to_igraph(G)
    rng = random.Random(seed)
    start = [[rng.random(), rng.random()] for _ in nodes]
    niter = 300 if len(nodes) <= 300 else 120  # the picture settles early; big layouts cost O(n²)
    coords = g.layout_fruchterman_reingold(seed=start, niter=niter).coords
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return {
        v: ((x - x0) / ((x1 - x0) or 1), (y - y0) / ((y1 - y0) or 1))
        for v, (x, y) in zip(nodes, coords, strict=True)
    }


def network_svg(
    district: DistrictResult,
    *,
    width: int = 760,
    brokers: int = 5,
    max_nodes: int = 700,
    max_squares: int = 400,
) -> str:
    """An SVG picture of a district network.

    Actors are coloured by sector, top brokers ringed in red and numbered, actors without a partner in the
    district drawn as orange squares in a band below, ties across the border in light grey. Larger districts
    show their brokers, the brokers' partners and the best connected actors up to ``max_nodes``.

    >>> from bildungsnetz.analysis.graphs import Area
    >>> G = nx.Graph([("a", "b")]); G.add_node("c")
    >>> for v in G: G.nodes[v].update(id=v, label=v, sector="bildung", external=False)
    >>> d = DistrictResult(Area("x", "1", "X", "stadtbezirk", "x"), G, {}, None, None,
    ...                    {"brokers": [], "isolates": ["c"]})
    >>> svg = network_svg(d); svg.startswith("<svg") and svg.count("<rect") >= 2
    True
    """
    D = district.graph
    inside = [v for v in D if not D.nodes[v].get("external")]
    # The same actors as the web page's and the CLI's "Isolierte Akteure" and "Nur Partner außerhalb": the
    # analysis' lists, not a count of its own (which once disagreed with both).
    by_id = {D.nodes[v].get("id"): v for v in inside}
    alone = [*district.summary.get("isolates", []), *district.summary.get("isolated_in_district", [])]
    lonely = sorted({by_id[a] for a in alone if a in by_id}, key=str)
    counts = (len(district.summary.get("isolates", [])), len(district.summary.get("isolated_in_district", [])))
    top = [b["iri"] for b in district.summary.get("brokers", [])[:brokers]]
    connected = [v for v in D if v not in set(lonely)]
    shown = connected
    if len(connected) > max_nodes:
        # A picture of thousands of actors shows nothing: keep the brokers, their partners and the best
        # connected actors, and say so in the picture.
        keep = dict.fromkeys(v for v in top if v in D)
        for v in top:
            keep.update(dict.fromkeys(u for u in D.adj[v] if u not in lonely))
        for v in sorted(connected, key=lambda v: (-D.degree(v), str(v))):
            if len(keep) >= max_nodes:
                break
            keep[v] = None
        shown = list(keep)[: max(max_nodes, len(top))]
    core = D.subgraph(shown)
    hidden_lonely = max(0, len(lonely) - max_squares)
    lonely = lonely[:max_squares]
    pos = _layout(core)
    band = 18 * (1 + len(lonely) // max(1, (width - 40) // 14)) if lonely else 0
    height = int(width * 0.72) + band + 20
    plot_h = height - band - 30
    pad = 20

    def xy(v):
        x, y = pos[v]
        return pad + x * (width - 2 * pad), pad + y * (plot_h - 2 * pad)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="Netzwerk {_e(district.area.label)}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for u, v, d in core.edges(data=True):
        (x1, y1), (x2, y2) = xy(u), xy(v)
        border = d.get("cross_border")
        colour, w = ("#d0d0d0", 0.6) if border else ("#8a8a8a", min(0.6 + 0.4 * d.get("weight", 1), 3))
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
            f'stroke-width="{w:.1f}"/>'
        )
    for v in core:
        x, y = xy(v)
        a = D.nodes[v]
        if a.get("external"):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#e0e0e0"><title>{_e(a.get("label"))} '
                f"(außerhalb)</title></circle>"
            )
            continue
        r = 3 + min(core.degree(v), 12) * 0.35
        colour = SECTOR_COLOURS.get(a.get("sector"), SECTOR_COLOURS[None])
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}"><title>{_e(a.get("label"))} '
            f"({_e(a.get('id'))})</title></circle>"
        )
    for i, v in enumerate(top, start=1):
        if v in pos:
            x, y = xy(v)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="none" stroke="#d62728" stroke-width="2.5"/>'
            )
            parts.append(
                f'<text x="{x + 10:.1f}" y="{y - 8:.1f}" font-size="12" font-family="sans-serif" '
                f'font-weight="bold" fill="#d62728">{i}</text>'
            )
    if lonely:
        y0 = plot_h + 8
        parts.append(
            f'<text x="{pad}" y="{y0 + 2}" font-size="11" font-family="sans-serif" fill="#444">'
            f"Ohne Partner im Bezirk: {counts[0]} isoliert, {counts[1]} nur mit Partnern außerhalb"
            + (f" ({len(lonely)} gezeigt)" if hidden_lonely else "")
            + ":</text>"
        )
        per_row = max(1, (width - 2 * pad) // 14)
        for i, v in enumerate(sorted(lonely, key=str)):
            x = pad + (i % per_row) * 14
            y = y0 + 8 + (i // per_row) * 16
            a = D.nodes[v]
            parts.append(
                f'<rect x="{x}" y="{y}" width="9" height="9" fill="none" stroke="#ff7f0e" stroke-width="2">'
                f"<title>{_e(a.get('label'))} ({_e(a.get('id'))})</title></rect>"
            )
    if core.number_of_nodes() < len(connected):
        parts.append(
            f'<text x="{pad}" y="{pad - 6}" font-size="11" font-family="sans-serif" fill="#444">Ausschnitt: '
            f"{core.number_of_nodes()} von {len(connected)} vernetzten Akteuren (Broker, ihre Partner und die "
            "am stärksten vernetzten)</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _bar_chart(counts: dict[Any, int], *, width: int = 360) -> str:
    items = sorted(counts.items(), key=lambda kv: -kv[1])
    if not items:
        return ""
    top = max(v for _, v in items) or 1
    h = 18 * len(items) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {h}" width="{width}" height="{h}">'
    ]
    for i, (k, v) in enumerate(items):
        w = (width - 170) * v / top
        y = 3 + 18 * i
        parts.append(
            f'<text x="0" y="{y + 12}" font-size="11" font-family="sans-serif">{_e(SECTOR_NAMES.get(k, k))}'
            f'</text><rect x="120" y="{y}" width="{w:.1f}" height="13" '
            f'fill="{SECTOR_COLOURS.get(k, "#999")}"/><text x="{124 + w:.1f}" y="{y + 11}" font-size="11" '
            f'font-family="sans-serif">{v}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _scatter(rows: list[dict], *, width: int = 520, height: int = 320) -> str:
    if not rows:
        return ""
    pad = 40
    xs = [r["need"] for r in rows]
    ys = [r["mean_partners"] for r in rows]
    x0, x1, y0, y1 = min(xs), max(xs), 0.0, max(ys) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}"><rect width="{width}" height="{height}" fill="#fff"/>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - 10}" y2="{height - pad}" stroke="#333"/>',
        f'<line x1="{pad}" y1="10" x2="{pad}" y2="{height - pad}" stroke="#333"/>',
        f'<text x="{width / 2}" y="{height - 8}" font-size="11" text-anchor="middle" '
        f'font-family="sans-serif">'
        f"Bedarf (Indikator)</text>",
        f'<text x="12" y="{height / 2}" font-size="11" font-family="sans-serif" transform="rotate(-90 12 '
        f'{height / 2})" text-anchor="middle">Partner je Akteur</text>',
    ]
    for r in rows:
        x = pad + (r["need"] - x0) / ((x1 - x0) or 1) * (width - pad - 20)
        y = height - pad - (r["mean_partners"] - y0) / ((y1 - y0) or 1) * (height - pad - 20)
        colour = "#d62728" if r["rank"] <= 10 else "#1f77b4"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}" fill-opacity="0.75"><title>'
            f"{_e(r['area_name'])}: {_num(r['need'], 1)} / {_num(r['mean_partners'], 2)}</title>"
            f"</circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


# -- Tables shared by all formats -----------------------------------------------------------------------


def _district_tables(analysis: Analysis, d: DistrictResult) -> dict[str, tuple[list[str], list[list[Any]]]]:
    s = d.summary
    how = s["betweenness"]
    sampled = f"Stichprobe ({how['sources']} Startknoten, Fehler ≤ {_num(how['error_bound'])})"
    key = [
        ["Akteure", s["nodes"]],
        ["Kooperationsbeziehungen im Bezirk", s["ties"]],
        ["Dichte", _num(s["density"], 4)],
        ["Komponenten", s["components"]],
        ["Anteil größte Komponente", _num(s["largest_component_share"], 2)],
        ["Isolierte Akteure", len(s["isolates"])],
        ["Nur außerhalb vernetzt", len(s["isolated_in_district"])],
        ["Beziehungen über die Bezirksgrenze", s["cross_border_ties"]],
        ["Artikulationspunkte", len(s["articulation_points"])],
        [
            "Betweenness",
            "exakt" if how["exact"] else sampled,
        ],
    ]
    survey = s.get("survey")
    if survey:  # every figure resting on survey ties shows the response rate of its scope
        rate = survey["response_rate"]
        key.append([f"Antwortquote Befragung {survey['round']} (Regel {survey['rule']})",
                    f"{round((rate or 0) * 100)} % ({survey['answered']} von {survey['invited']})"])  # fmt: skip
        if survey["warning"]:
            key.append(["Warnung", survey["warning"].split(" / ")[0]])
    brokers = [
        [
            i,
            b["label"],
            b["actor"],
            SECTOR_NAMES.get(b["sector"], b["sector"]),
            _num(b["betweenness"], 4),
            _num(b["constraint"], 3),
            b["degree"],
            *(b["roles"][r] for r in ROLE_NAMES),
        ]
        for i, b in enumerate(s["brokers"], start=1)
    ]
    iso_rows = []
    for kind, ids in (("isoliert", s["isolates"]), ("nur außerhalb vernetzt", s["isolated_in_district"])):
        for actor_id in ids:
            a = analysis.data.actors.get(_iri_of(analysis, actor_id))
            iso_rows.append([a.label if a else actor_id, actor_id, a.kind if a else "", kind])
    for entry in s["sector_isolated"]:
        a = analysis.data.actors.get(entry["iri"])
        iso_rows.append(
            [a.label if a else entry["actor"], entry["actor"], a.kind if a else "", entry["rule"]]
        )
    chain = [
        [
            t["stadtteil"],
            t["stadtteil_name"],
            t["label"],
            t["actors"],
            len(t["missing"]),
            ", ".join(t["missing"]),
        ]
        for t in analysis.result["transitions"]
        if t["stadtbezirk"] == (s["code"] if s["ebene"] == "stadtbezirk" else s["stadtbezirk"])
        and (s["ebene"] == "stadtbezirk" or t["stadtteil"] == s["code"])
    ]
    fields = next(
        (
            m["fields"]
            for m in analysis.result["missing_fields"]
            if m["stadtbezirk"] == (s["code"] if s["ebene"] == "stadtbezirk" else s["stadtbezirk"])
        ),
        [],
    )
    return {
        "kennzahlen": (["Kennzahl", "Wert"], key),
        "broker": (
            [
                "Rang",
                "Akteur",
                "Kennung",
                "Sektor",
                "Betweenness",
                "Constraint",
                "Partner",
                *ROLE_NAMES.values(),
            ],
            brokers,
        ),
        "isolierte": (["Akteur", "Kennung", "Art", "Befund"], iso_rows),
        "bildungskette": (["Stadtteil", "Name", "Prüfung", "geprüft", "ohne Partner", "Kennungen"], chain),
        "handlungsfelder": (["Handlungsfeld"], [[_field_label(f)] for f in fields]),
    }


def _iri_of(analysis: Analysis, actor_id: str) -> str:
    entry = analysis.result["actors"].get(actor_id)
    if entry:
        return entry["iri"]
    for a in analysis.data.actors.values():
        if a.id == actor_id:
            return a.iri
    return actor_id


def _field_label(code: str) -> str:
    from bildungsnetz.namespace import VOCAB  # noqa: PLC0415
    from bildungsnetz.vocab import get_vocabulary  # noqa: PLC0415

    try:
        return get_vocabulary().label(VOCAB[f"handlungsfeld/{code}"])
    except KeyError:
        return code


def _title(analysis: Analysis) -> str:
    city = f" {analysis.data.city_label}" if analysis.data.city_label else ""
    return f"Bildungsnetz{city} – Netzwerk- und Lückenbericht zum Stichtag {_german_date(analysis.data.date)}"


def _german_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(d)}.{int(m)}.{y}"


def _city_rows(analysis: Analysis) -> list[list[Any]]:
    c = analysis.result["city"]
    return [
        ["Akteure", c["nodes"]],
        ["Kooperationsbeziehungen", c["ties"]],
        ["Gültige Kooperationen", c["cooperations"]],
        ["Aktive Netzwerke", c["networks"]],
        ["Laufende Angebote", c["offers"]],
        ["Dichte", _num(c["density"], 5)],
        ["Komponenten", c["components"]],
        ["Anteil größte Komponente", _num(c["largest_component_share"], 2)],
        ["Isolierte Akteure", c["isolates"]],
        ["Beziehungen zwischen Stadtbezirken", c["cross_border_ties"]],
    ]


def _need_rows(analysis: Analysis, top: int | None = 15) -> list[list[Any]]:
    rows = analysis.result["need"]["rows"][:top] if top else analysis.result["need"]["rows"]
    return [
        [
            r["rank"],
            r["area"],
            r["area_name"],
            r["stadtbezirk"],
            _num(r["need"], 1),
            _num(r["mean_partners"], 2),
            r["isolates"],
            r["offers"],
            "–" if r["offers_per_1000_children"] is None else _num(r["offers_per_1000_children"], 2),
            r["mediations"],
            _num(r["gap"], 2),
        ]
        for r in rows
    ]


def need_head(analysis: Analysis) -> list[str]:
    """The head of the need table: the area column named after the level ranked."""
    level = analysis.result["need"].get("level", "stadtteil")
    return [
        "Rang", "Stadtbezirk" if level == "stadtbezirk" else "Stadtteil", "Name", "Bezirk", "Bedarf",
        "Partner je Akteur", "Isolierte", "Angebote", "Angebote je 1.000 Kinder", "Vermittlungen", "Lücke",
    ]  # fmt: skip


def _need_note(analysis: Analysis) -> str:
    """Why offers per 1,000 children are empty, in German (the report is German), or nothing."""
    note = analysis.result["need"].get("children_note")
    return note.split(" / ")[0] + "." if note else ""


# -- HTML ---------------------------------------------------------------------------------------------------


def _html_table(head: list[str], rows: list[list[Any]], *, empty: str = "keine") -> str:
    if not rows:
        return f'<p class="muted">{_e(empty)}</p>'
    out = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_html(analysis: Analysis) -> str:
    """The report as one self-contained German HTML page (inline CSS and SVG, no external requests)."""
    r = analysis.result
    legend = "".join(
        f'<span><i class="swatch" style="background:{c}"></i>{_e(SECTOR_NAMES[k])}</span>'
        for k, c in SECTOR_COLOURS.items()
    )
    legend += (
        '<span><i class="swatch" style="border:2px solid #d62728"></i>Broker (nummeriert)</span>'
        '<span><i class="swatch" style="border:2px solid #ff7f0e;border-radius:0"></i>ohne Partner im '
        "Bezirk</span><span>grau: Beziehung über die Bezirksgrenze</span>"
    )
    parts = [
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">',
        f"<title>{_e(_title(analysis))}</title><style>{_text()['css']}</style></head><body>",
        f"<h1>{_e(_title(analysis))}</h1>",
        "<nav>"
        + "".join(f'<a href="#bezirk-{_e(d.area.code)}">{_e(d.area.label)}</a>' for d in analysis.districts)
        + '<a href="#methode">Methode</a></nav>',
        '<section id="zusammenfassung" data-section="zusammenfassung"><h2>Zusammenfassung</h2>',
        _html_table(["Kennzahl", "Wert"], _city_rows(analysis)),
        "<h3>Wichtigste Broker der Stadt</h3>",
        _html_table(
            ["Akteur", "Kennung", "Betweenness", "Constraint", "Partner"],
            [
                [b["label"], b["actor"], _num(b["betweenness"], 4), _num(b["constraint"], 3), b["degree"]]
                for b in r["city"]["brokers"]
            ],
        ),
        f"<h3>Hoher Bedarf, dünnes Netz ({_e(r['need']['indicator'])}, {_e(r['need']['year'])})</h3>",
        _html_table(need_head(analysis), _need_rows(analysis), empty="keine Indikatoren importiert"),
        f'<p class="muted" data-note="children">{_e(_need_note(analysis))}</p>' if _need_note(analysis) else "",
        _scatter(r["need"]["rows"]),
        "</section>",
    ]
    if "without" in r:
        w = r["without"]
        parts += [
            '<section id="ohne" data-section="ohne"><h2>Was wäre, wenn … wegfiele</h2>',
            f"<p>Entfernt: {_e(', '.join(r['options']['without']))}. "
            f"Verlorene Beziehungen: {w['lost_ties']}; "
            f"neu isoliert: {len(w['newly_isolated'])}; Komponenten {w['components_before']} → "
            f"{w['components_after']}.</p>",
            _html_table(["neu isoliert"], [[x] for x in w["newly_isolated"]]),
            "</section>",
        ]
    for d in analysis.districts:
        tables = _district_tables(analysis, d)
        kind = "Stadtbezirk" if d.summary["ebene"] == "stadtbezirk" else "Stadtteil"
        parts += [
            f'<section class="bezirk" id="bezirk-{_e(d.area.code)}" data-bezirk="{_e(d.area.code)}">',
            f"<h2>{kind} {_e(d.area.code)} – {_e(d.area.label)}</h2>",
            f'<section data-section="kennzahlen"><h3>{SECTIONS["kennzahlen"]}</h3>',
            _html_table(*tables["kennzahlen"]),
            _bar_chart(
                Counter(
                    d.graph.nodes[v].get("sector") for v in d.graph if not d.graph.nodes[v].get("external")
                )
            ),
            "</section>",
            f'<section data-section="netzwerk"><h3>{SECTIONS["netzwerk"]}</h3>',
            f'<div class="legend">{legend}</div>',
            network_svg(d),
            "</section>",
            f'<section data-section="broker"><h3>{SECTIONS["broker"]}</h3>',
            _html_table(*tables["broker"]),
            "</section>",
            f'<section data-section="isolierte"><h3>{SECTIONS["isolierte"]}</h3>',
            _html_table(*tables["isolierte"]),
            "</section>",
            f'<section data-section="bildungskette"><h3>{SECTIONS["bildungskette"]}</h3>',
            _html_table(*tables["bildungskette"]),
            "</section>",
            f'<section data-section="handlungsfelder"><h3>{SECTIONS["handlungsfelder"]}</h3>',
            _html_table(*tables["handlungsfelder"], empty="in jedem Handlungsfeld ist ein Akteur aktiv"),
            "</section></section>",
        ]
    parts.append('<section id="methode" data-section="methode"><h2>Methode</h2>')
    for name, text in ((m["titel"], m["text"]) for m in _text()["methode"]):
        parts.append(f"<h3>{_e(name)}</h3><p>{_e(text)}</p>")
    parts.append(
        "<h3>Literatur</h3><ul>" + "".join(f"<li>{_e(x)}</li>" for x in _text()["literatur"]) + "</ul>"
    )
    sources = ", ".join(r["city"].get("sources", [])) or "–"
    parts.append(f'<p class="muted">Datengrundlage: {_e(sources)}. Erzeugt von bildungsnetz.</p></section>')
    parts.append("</body></html>")
    return "".join(parts)


# -- Markdown ----------------------------------------------------------------------------------------------


def _md_table(head: list[str], rows: list[list[Any]], *, empty: str = "keine") -> str:
    if not rows:
        return f"_{empty}_\n"

    def cell(x: Any) -> str:
        return str(x if x is not None else "").replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def render_markdown(analysis: Analysis) -> str:
    """The report as Markdown (tables; the network pictures are in the HTML report)."""
    r = analysis.result
    out = [
        f"# {_title(analysis)}\n",
        "## Zusammenfassung\n",
        _md_table(["Kennzahl", "Wert"], _city_rows(analysis)),
        "### Wichtigste Broker der Stadt\n",
        _md_table(
            ["Akteur", "Kennung", "Betweenness", "Constraint", "Partner"],
            [
                [b["label"], b["actor"], _num(b["betweenness"], 4), _num(b["constraint"], 3), b["degree"]]
                for b in r["city"]["brokers"]
            ],
        ),
        f"### Hoher Bedarf, dünnes Netz ({r['need']['indicator']}, {r['need']['year']})\n",
        _md_table(need_head(analysis), _need_rows(analysis), empty="keine Indikatoren importiert"),
        *([_need_note(analysis) + "\n"] if _need_note(analysis) else []),
    ]
    for d in analysis.districts:
        tables = _district_tables(analysis, d)
        kind = "Stadtbezirk" if d.summary["ebene"] == "stadtbezirk" else "Stadtteil"
        out.append(f"## {kind} {d.area.code} – {d.area.label}\n")
        for key, title in SECTIONS.items():
            out.append(f"### {title}\n")
            if key == "netzwerk":
                out.append("_Bild im HTML-Bericht (bildungsnetz report gaps --out bericht.html)._\n")
                continue
            empty = "in jedem Handlungsfeld ist ein Akteur aktiv" if key == "handlungsfelder" else "keine"
            out.append(_md_table(*tables[key], empty=empty))
    out.append("## Methode\n")
    for name, text in ((m["titel"], m["text"]) for m in _text()["methode"]):
        out.append(f"**{name}.** {text}\n")
    out.append("### Literatur\n" + "".join(f"- {x}\n" for x in _text()["literatur"]))
    return "\n".join(out)


# -- XLSX -------------------------------------------------------------------------------------------------


def render_xlsx(analysis: Analysis) -> bytes:
    """The report as an Excel workbook: one sheet per section, every district row labelled with its code."""
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415

    from bildungsnetz.tables import xlsx_cell  # noqa: PLC0415

    def cells(ws, row):  # labels come from imported data: text stays text, never a formula
        return [xlsx_cell(ws, value) for value in row]

    wb = Workbook()
    ws = wb.active
    ws.title = "Zusammenfassung"
    ws.append([_title(analysis)])
    ws["A1"].font = Font(bold=True, size=13)
    for row in _city_rows(analysis):
        ws.append(cells(ws, row))
    sheets = {key: wb.create_sheet(title[:31]) for key, title in SECTIONS.items() if key != "netzwerk"}
    first = {}
    for d in analysis.districts:
        tables = _district_tables(analysis, d)
        for key, sheet in sheets.items():
            head, rows = tables[key]
            if key not in first:
                sheet.append(["Bezirk", "Name", *head])
                for c in sheet[1]:
                    c.font = Font(bold=True)
                first[key] = True
            if not rows:
                sheet.append(cells(sheet, [d.area.code, d.area.label, "keine"]))
            for row in rows:
                sheet.append(cells(sheet, [d.area.code, d.area.label, *row]))
    need = wb.create_sheet("Bedarf")
    need.append(need_head(analysis))
    for row in _need_rows(analysis, top=None):
        need.append(cells(need, row))
    if _need_note(analysis):
        need.append([_need_note(analysis)])
    method = wb.create_sheet("Methode")
    for name, text in ((m["titel"], m["text"]) for m in _text()["methode"]):
        method.append([name, text])
    for ref in _text()["literatur"]:
        method.append(["Literatur", ref])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def render(analysis: Analysis, fmt: str) -> bytes:
    """The report in ``html``, ``xlsx`` or ``md`` as bytes (UTF-8 for the text formats)."""
    if fmt == "html":
        return render_html(analysis).encode("utf-8")
    if fmt == "md":
        return render_markdown(analysis).encode("utf-8")
    if fmt == "xlsx":
        return render_xlsx(analysis)
    raise ParameterError("format", fmt, "ist nicht html, xlsx oder md", "is not html, xlsx or md")


def report_gaps(
    store: Any,
    *,
    out: Path | str,
    stadtbezirk: str | None = None,
    date: str | Date | None = None,
    ebene: str = "stadtbezirk",
    without: Iterable[str] = (),
    city: str = "",
    label: str = "",
    ties: str = "alle",
    need: str | None = None,
    need_level: str = "stadtteil",
    children: str | None = None,
) -> Path:
    """``bildungsnetz report gaps``: analyse the store and write the report; the format follows the suffix.

    ``city`` (profile name) and ``label`` narrow a store with several cities to one and head the report;
    ``need``, ``need_level`` and ``children`` go to :func:`~bildungsnetz.analysis.gaps.need_ranking`."""
    path = Path(out)
    fmt = {".html": "html", ".htm": "html", ".xlsx": "xlsx", ".md": "md"}.get(path.suffix.lower())
    if fmt is None:
        raise ParameterError(
            "out", str(path), "muss auf .html, .xlsx oder .md enden", "must end in .html, .xlsx or .md"
        )
    data = load(store, date=date, city=city, label=label, ties=ties)
    analysis = run_analysis(data, stadtbezirk=stadtbezirk, ebene=ebene, without=without, need=need,
                            need_level=need_level, children=children)
    path.write_bytes(render(analysis, fmt))
    return path
