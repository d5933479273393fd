"""The SDG report: coverage heat maps and gap lists as a self-contained HTML page or an XLSX workbook."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Any

from bildungsnetz.errors import UsageError
from bildungsnetz.iris import Iris
from bildungsnetz.sdg.coverage import coverage

__all__ = ["write_sdg_report", "render_html", "write_xlsx", "heat_colour"]


def heat_colour(value: int, top: int) -> str:
    """Background colour of a heat-map cell: pale red for 0, white to dark green for the share of ``top``.

    >>> heat_colour(0, 10), heat_colour(10, 10)
    ('#f8d7d3', '#1b7837')
    """
    if value <= 0:
        return "#f8d7d3"
    share = min(1.0, value / max(top, 1))
    low, high = (0xED, 0xF8, 0xE9), (0x1B, 0x78, 0x37)
    rgb = [round(lo + (hi - lo) * share) for lo, hi in zip(low, high, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _heat_table(
    title: str, rows: list[dict], columns: list[tuple[object, str]], key: str, sdgs: list[dict]
) -> str:
    top = max((r["offers"] for r in rows), default=1)
    index = {(r["sdg"], r[key]): r for r in rows}
    out = [f"<h2>{_e(title)}</h2>", '<table class="heat"><thead><tr><th>SDG</th>']
    out += [f'<th class="rot"><span>{_e(label)}</span></th>' for _, label in columns]
    out.append("</tr></thead><tbody>")
    for s in sdgs:
        out.append(f'<tr><th class="sdg">{s["sdg"]} {_e(s["label"])}</th>')
        for col, label in columns:
            r = index.get((s["sdg"], col), {"offers": 0, "providers": 0})
            tip = (
                f"SDG {s['sdg']} · {label}: {r['offers']} Angebote / offers, "
                f"{r['providers']} Anbieter / providers"
            )
            fg = "#fff" if r["offers"] > top / 2 else "#222"
            out.append(
                f'<td style="background:{heat_colour(r["offers"], top)};color:{fg}" title="{_e(tip)}">'
                f"{r['offers']}<small>{r['providers']}</small></td>"
            )
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _gap_list(title: str, rows: list[dict], where: str, with_provider: bool) -> str:
    if not rows:
        return f"<h3>{_e(title)}</h3><p>keine / none</p>"
    items = "".join(
        f"<li>SDG {r['sdg']} – {_e(r[where])}"
        + (f" – nur / only: {_e(r['providerLabel'])}" if with_provider else "")
        + "</li>"
        for r in rows
    )
    return f'<h3>{_e(title)} ({len(rows)})</h3><ul class="gaps">{items}</ul>'


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}h1{font-size:1.5rem}
table.heat{border-collapse:collapse;font-size:.8rem;margin-bottom:1.5rem}
table.heat td{width:2.6rem;height:1.6rem;text-align:center;border:1px solid #fff}
table.heat td small{display:block;font-size:.6rem;opacity:.8}
table.heat th.sdg{text-align:left;white-space:nowrap;padding-right:.5rem;font-weight:normal}
table.heat th.rot{height:9rem;vertical-align:bottom;white-space:nowrap}
table.heat th.rot span{writing-mode:vertical-rl;transform:rotate(180deg)}
ul.gaps{columns:2;font-size:.85rem}.legend span{display:inline-block;padding:.1rem .5rem;margin-right:.3rem}
"""


def render_html(data: dict[str, Any]) -> str:
    """The report as one HTML page with inline CSS (no scripts, no external resources)."""
    dim = (
        "Zielgruppe / target group"
        if data["dimension"] == "zielgruppe"
        else "Bildungsphase / education stage"
    )
    districts = [(d["district"], d["label"]) for d in data["districts"]] + [(None, "gesamtstädtisch")]
    city = f"{data['city_label']}, " if data.get("city_label") else ""
    groups = [(g["group"], g["label"]) for g in data["groups"]]
    gaps = data["gaps"]
    legend = "".join(
        f'<span style="background:{heat_colour(v, 10)};color:{"#fff" if v > 5 else "#222"}">{label}</span>'
        for v, label in ((0, "0"), (1, "wenige / few"), (5, "mittel / some"), (10, "viele / many"))
    )
    parts = [
        "<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\">",
        f"<title>SDG-Abdeckung {_e(city)}{_e(data['date'])}</title><style>{_CSS}</style></head><body>",
        "<h1>SDG-Abdeckung der Bildungsangebote / SDG coverage of education offers – "
        f"{_e(city)}{_e(data['date'])}</h1>",
        "<p>Bestätigte SDG-Zuordnungen laufender Angebote. Zahl oben: Angebote, klein darunter: Anbieter. "
        "/ Confirmed SDG assignments of running offers. Large: offers, small: providers.</p>",
        f'<p class="legend">{legend}</p>',
        _heat_table("SDG × Stadtbezirk", data["by_district"], districts, "district", data["sdgs"]),
        _heat_table(f"SDG × {dim}", data["by_group"], groups, "group", data["sdgs"]),
        "<h2>Lücken / gaps</h2>",
        _gap_list("Kein Angebot im Stadtbezirk / no offer in the district", gaps["no_offer_district"],
                  "districtLabel", False),
        _gap_list("Nur ein Anbieter im Stadtbezirk / a single provider in the district",
                  gaps["single_provider_district"], "districtLabel", True),
        _gap_list(
            f"Kein Angebot für die {dim.split(' /')[0]} / no offer for the group",
            gaps["no_offer_group"],
                  "groupLabel", False),
        _gap_list("Nur ein Anbieter / a single provider", gaps["single_provider_group"], "groupLabel", True),
        "</body></html>",
    ]  # fmt: skip
    return "".join(parts)


def write_xlsx(data: dict[str, Any], path: Path) -> None:
    """The report as a workbook: two heat-map sheets with a colour scale, and one sheet of gaps."""
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.formatting.rule import ColorScaleRule  # noqa: PLC0415
    from openpyxl.styles import Alignment, Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    from bildungsnetz.tables import xlsx_cell  # noqa: PLC0415

    book = Workbook()
    book.properties.title = " ".join(filter(None, ("SDG-Abdeckung", data.get("city_label"), data["date"])))
    sheets = (
        ("SDG x Stadtbezirk", data["by_district"], "district",
         [(d["district"], d["label"]) for d in data["districts"]] + [(None, "gesamtstädtisch")]),
        (f"SDG x {data['dimension'].capitalize()}", data["by_group"], "group",
         [(g["group"], g["label"]) for g in data["groups"]]),
    )  # fmt: skip
    first = True
    for title, rows, key, columns in sheets:
        ws = book.active if first else book.create_sheet()
        first = False
        ws.title = title[:31]
        ws.append(["SDG", "Ziel / goal", *[label for _, label in columns]])
        index = {(r["sdg"], r[key]): r["offers"] for r in rows}
        for s in data["sdgs"]:
            ws.append([s["sdg"], s["label"], *[index.get((s["sdg"], col), 0) for col, _ in columns]])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(text_rotation=90 if cell.column > 2 else 0, vertical="bottom")
        ws.column_dimensions["B"].width = 42
        last = get_column_letter(2 + len(columns))
        ws.conditional_formatting.add(
            f"C2:{last}{1 + len(data['sdgs'])}",
            ColorScaleRule(start_type="num", start_value=0, start_color="F8D7D3",
                           mid_type="num", mid_value=1, mid_color="EDF8E9",
                           end_type="max", end_color="1B7837"),
        )  # fmt: skip
        ws.freeze_panes = "C2"
    ws = book.create_sheet("Lücken")
    ws.append(["Art / kind", "SDG", "Stadtbezirk oder Gruppe / district or group", "Anbieter / provider"])
    for kind, rows, where in (
        ("kein Angebot (Bezirk)", data["gaps"]["no_offer_district"], "districtLabel"),
        ("ein Anbieter (Bezirk)", data["gaps"]["single_provider_district"], "districtLabel"),
        ("kein Angebot (Gruppe)", data["gaps"]["no_offer_group"], "groupLabel"),
        ("ein Anbieter (Gruppe)", data["gaps"]["single_provider_group"], "groupLabel"),
    ):
        for r in rows:
            # provider names come from imported data: written as text, never as a formula
            ws.append([xlsx_cell(ws, v) for v in (kind, r["sdg"], r[where], r.get("providerLabel", ""))])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    book.save(path)


def write_sdg_report(
    store: Any,
    path: Path | str,
    *,
    dimension: str = "zielgruppe",
    on: date | None = None,
    iris: Iris | None = None,
    city: str | None = None,
    label: str = "",
) -> Path:
    """Write the SDG coverage report; the suffix chooses the format (``.html`` or ``.xlsx``).

    ``city`` (profile name) narrows a store with several cities to one; ``label`` ("Köln") heads the report.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    suffix = path.suffix.casefold()
    if suffix not in (".html", ".htm", ".xlsx"):
        raise UsageError(
            f'Parameter "out": "{path.name}" – Endung muss .html oder .xlsx sein / '
            "suffix must be .html or .xlsx"
        )
    data = {**coverage(store, dimension=dimension, on=on, iris=iris, city=city), "city_label": label}
    if suffix == ".xlsx":
        write_xlsx(data, path)
    else:
        path.write_text(render_html(data), encoding="utf-8")
    return path
