"""The validation report: one frozen Violation per result, grouped by rule, readable in German and English."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal as LiteralType
from typing import NamedTuple

from bildungsnetz.namespace import PREFIXES

__all__ = ["Group", "Severity", "ValidationReport", "Violation", "compact", "compact_path"]

Severity = LiteralType["Violation", "Warning", "Info"]
_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
_SEVERITY_DE = {"Violation": "Verstoß", "Warning": "Warnung", "Info": "Hinweis"}
_SEVERITY_EN = {"Violation": "violation", "Warning": "warning", "Info": "info"}


def compact(iri: str | None) -> str:
    """Shorten an IRI with the project prefixes for display; other strings pass unchanged.

    >>> compact("https://w3id.org/bildungsnetz/shapes#Kooperation-partner")
    'bnsh:Kooperation-partner'
    >>> compact("https://example.org/x"), compact(None)
    ('https://example.org/x', '')
    """
    if not iri:
        return ""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, name = ns, f"{prefix}:{iri[len(ns):]}"
    return name if best else iri


def compact_path(path: str | None) -> str:
    """Shorten a result path (an IRI or SPARQL property-path text) for display.

    >>> compact_path("^<https://w3id.org/bildungsnetz/ontology#sdgZuordnung>")
    '^bn:sdgZuordnung'
    >>> compact_path("<http://purl.org/dc/terms/title>/<http://xmlns.com/foaf/0.1/name>")
    'dcterms:title/foaf:name'
    """
    if not path:
        return ""
    if "<" not in path:
        return compact(path)
    return re.sub(r"<([^>]*)>", lambda m: compact(m.group(1)), path)


@dataclass(frozen=True)
class Violation:
    """One validation result: which node broke which rule, in both languages.

    ``severity`` is ``"Violation"``, ``"Warning"`` or ``"Info"``. ``path`` is the property IRI, or a SPARQL
    property path (``^<iri>``, ``<a>/<b>``) for complex paths, or None for node-level results. ``row`` is the
    table row the focus node came from (``bn:zeile``) and ``source_file`` the file that described it, when
    known.
    """

    focus: str
    path: str | None
    shape: str
    severity: Severity
    message_de: str
    message_en: str
    value: str | None
    source_file: str | None = None
    row: int | None = None
    column: str | None = None

    def message(self, lang: str = "de") -> str:
        """The message in ``de``, ``en`` or ``both`` (``de / en``)."""
        return _pick(self.message_de, self.message_en, lang)

    def where(self, lang: str = "de") -> str:
        """Where the problem sits, for people: node, field, value and, when known, file/row/column."""
        de = lang != "en"
        parts = [compact(self.focus)]
        if self.path:
            parts.append(f"{'Feld' if de else 'field'} {compact_path(self.path)}")
        if self.value is not None:
            parts.append(f"{'Wert' if de else 'value'} \"{self.value}\"")
        loc = []
        if self.source_file:
            loc.append(self.source_file)
        if self.row is not None:
            loc.append(f"{'Zeile' if de else 'row'} {self.row}")
        if self.column:
            loc.append(f"{'Spalte' if de else 'column'} {self.column}")
        if loc:
            parts.append(", ".join(loc))
        return " · ".join(parts)


class Group(NamedTuple):
    """All results of one rule with one message, counted."""

    shape: str
    message_de: str
    message_en: str
    severity: Severity
    count: int
    examples: tuple[Violation, ...]


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of one validation: ``conforms`` is true when no result has severity Violation.

    >>> v = Violation("https://w3id.org/bildungsnetz/id/kooperation/K-1",
    ...               "https://w3id.org/bildungsnetz/ontology#partner",
    ...               "https://w3id.org/bildungsnetz/shapes#Kooperation-partner", "Violation",
    ...               "Eine Kooperation braucht mindestens zwei Partner.",
    ...               "A partnership needs at least two partners.", None)
    >>> from dataclasses import replace
    >>> report = ValidationReport(False, [v, replace(v, focus=v.focus[:-1] + "2")])
    >>> [(g.count, g.severity) for g in report.grouped()]
    [(2, 'Violation')]
    >>> print(report.to_text(lang="en").splitlines()[0])
    Does not conform: 2 violations, 0 warnings, 0 infos.
    """

    conforms: bool
    violations: list[Violation] = field(default_factory=list)

    @property
    def errors(self) -> list[Violation]:
        """Results of severity Violation: the data breaks the model and must not be imported."""
        return [v for v in self.violations if v.severity == "Violation"]

    @property
    def warnings(self) -> list[Violation]:
        """Results of severity Warning: the data is usable, but analyses will miss something."""
        return [v for v in self.violations if v.severity == "Warning"]

    @property
    def infos(self) -> list[Violation]:
        """Results of severity Info: nice to have."""
        return [v for v in self.violations if v.severity == "Info"]

    def grouped(self, *, examples: int = 3) -> list[Group]:
        """Results grouped by rule and message, most severe first, then most frequent first."""
        groups: dict[tuple[str, str, str, str], list[Violation]] = {}
        for v in self.violations:
            groups.setdefault((v.shape, v.message_de, v.message_en, v.severity), []).append(v)
        out = [
            Group(shape, de, en, sev, len(vs), tuple(sorted(vs, key=_sort_key)[:examples]))
            for (shape, de, en, sev), vs in groups.items()
        ]
        return sorted(out, key=lambda g: (_SEVERITY_ORDER.get(g.severity, 9), -g.count, g.shape))

    def to_text(self, lang: str = "de", *, examples: int = 3) -> str:
        """A report for people: one block per rule and message with its count and a few examples.

        ``lang`` is ``de``, ``en`` or ``both``. The text contains no square brackets, so it prints safely
        through terminal markup.
        """
        counts = (len(self.errors), len(self.warnings), len(self.infos))
        de = (
            f"{'Konform' if self.conforms else 'Nicht konform'}: {counts[0]} Verstöße, "
            f"{counts[1]} Warnungen, {counts[2]} Hinweise."
        )
        en = (
            f"{'Conforms' if self.conforms else 'Does not conform'}: {counts[0]} violations, "
            f"{counts[1]} warnings, {counts[2]} infos."
        )
        lines = [_pick(de, en, lang)]
        for g in self.grouped(examples=examples):
            sev = _pick(_SEVERITY_DE[g.severity], _SEVERITY_EN[g.severity], lang)
            lines.append("")
            lines.append(f"{sev.upper()} {g.count}× {_pick(g.message_de, g.message_en, lang)}")
            lines.append(f"    {_pick('Regel', 'rule', lang)}: {compact(g.shape)}")
            for v in g.examples:
                lines.append(f"    – {v.where('en' if lang == 'en' else 'de')}")
            if g.count > len(g.examples):
                more = g.count - len(g.examples)
                lines.append(f"    – {_pick(f'und {more} weitere', f'and {more} more', lang)}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """A JSON-ready dictionary: conformance, counts, the grouped rules and every result."""
        return {
            "conforms": self.conforms,
            "violations": len(self.errors),
            "warnings": len(self.warnings),
            "infos": len(self.infos),
            "groups": [
                {
                    "shape": g.shape,
                    "severity": g.severity,
                    "message_de": g.message_de,
                    "message_en": g.message_en,
                    "count": g.count,
                }
                for g in self.grouped()
            ],
            "results": [asdict(v) for v in sorted(self.violations, key=_sort_key)],
        }

    @classmethod
    def of(cls, violations: Iterable[Violation]) -> ValidationReport:
        """A report of ``violations``, sorted (most severe first); it conforms when none is a Violation.

        >>> v = Violation("urn:x", None, "urn:s", "Warning", "W", "W", None)
        >>> report = ValidationReport.of([v])
        >>> report.conforms, len(report.warnings)
        (True, 1)
        """
        ordered = sorted(violations, key=_sort_key)
        return cls(not any(v.severity == "Violation" for v in ordered), ordered)


def _pick(de: str, en: str, lang: str) -> str:
    if lang == "en":
        return en
    if lang == "both":
        return de if de == en else f"{de} / {en}"
    return de


def _sort_key(v: Violation) -> tuple:
    return (_SEVERITY_ORDER.get(v.severity, 9), v.shape, v.focus, v.path or "", v.value or "")

