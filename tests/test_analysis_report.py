"""The gap report of the demo city: every section for every Stadtbezirk, in HTML, Markdown and XLSX."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest

from bildungsnetz.analysis import graphs as g
from bildungsnetz.analysis import run_analysis
from bildungsnetz.demo.city import ANCHOR, generate
from bildungsnetz.iris import Iris
from bildungsnetz.queries import ParameterError
from bildungsnetz.reference import reference_graphs
from bildungsnetz.report.gaps import SECTIONS, render, report_gaps
from bildungsnetz.store import EmbeddedStore


@pytest.fixture(scope="module")
def store():
    iris = Iris()
    city = generate(city="dortmund", actors=400, seed=3, iris=iris)
    graphs = dict(city.graphs)
    graphs.update(reference_graphs(["dortmund"], iris))
    s = EmbeddedStore()
    s.replace_graphs(graphs)
    return s


@pytest.fixture(scope="module")
def analysis(store):
    return run_analysis(g.load(store, date=ANCHOR, iris=Iris()))


class Sections(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.bezirk: str | None = None
        self.found: dict[str, set[str]] = {}
        self.svgs: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") == "methode":  # the method section closes the district sections
            self.bezirk = None
        elif "data-bezirk" in a:
            self.bezirk = a["data-bezirk"]
            self.found[self.bezirk] = set()
        elif "data-section" in a and self.bezirk:
            self.found[self.bezirk].add(a["data-section"])
        elif tag == "svg" and self.bezirk:
            self.svgs[self.bezirk] = self.svgs.get(self.bezirk, 0) + 1


def test_the_html_report_has_every_section_and_a_picture_for_every_stadtbezirk(analysis):
    html = render(analysis, "html").decode("utf-8")
    parser = Sections()
    parser.feed(html)
    codes = [a.code for a in analysis.data.stadtbezirke()]
    assert len(codes) == 12
    assert sorted(parser.found) == sorted(codes)
    for code in codes:
        assert parser.found[code] == set(SECTIONS), code
        assert parser.svgs[code] >= 1, code
    assert 'id="zusammenfassung"' in html and 'id="methode"' in html and "Gould" in html


def test_the_html_report_makes_no_external_request(analysis):
    html = render(analysis, "html").decode("utf-8")
    assert not re.search(r'\b(src|href)\s*=\s*"(?!#)', html)
    assert "<script" not in html and "<link" not in html and "url(" not in html


def test_brokers_are_ringed_and_isolates_marked_in_the_pictures(analysis):
    html = render(analysis, "html").decode("utf-8")
    assert html.count('stroke="#d62728" stroke-width="2.5"') >= len(analysis.districts)
    isolates = sum(len(d.summary["isolates"]) for d in analysis.districts)
    assert isolates > 0 and html.count('stroke="#ff7f0e"') >= isolates


def test_the_markdown_report_has_every_section_for_every_stadtbezirk(analysis):
    md = render(analysis, "md").decode("utf-8")
    parts = re.split(r"^## Stadtbezirk ", md, flags=re.M)[1:]
    assert len(parts) == len(analysis.data.stadtbezirke())
    for part in parts:
        headings = re.findall(r"^### (.+)$", part, flags=re.M)
        assert set(SECTIONS.values()) <= set(headings), part[:40]


def test_the_xlsx_report_lists_every_stadtbezirk_on_every_sheet(analysis):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(render(analysis, "xlsx")))
    codes = {a.code for a in analysis.data.stadtbezirke()}
    for key, title in SECTIONS.items():
        if key == "netzwerk":
            continue
        sheet = wb[title[:31]]
        assert {str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True)} == codes, title
    assert {"Zusammenfassung", "Bedarf", "Methode"} <= set(wb.sheetnames)


def test_report_gaps_picks_the_format_from_the_file_name(store, tmp_path):
    out = report_gaps(store, out=tmp_path / "bericht.md", stadtbezirk="8", date=ANCHOR)
    text = out.read_text(encoding="utf-8")
    assert text.count("## Stadtbezirk ") == 1 and "Hörde" in text
    with pytest.raises(ParameterError, match=r"\.html, \.xlsx oder \.md"):
        report_gaps(store, out=tmp_path / "bericht.pdf")
