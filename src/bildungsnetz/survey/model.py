"""The network survey's plain data: rounds, invitations, the roster, answers, and the instrument's scales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = [
    "FREQUENCY",
    "INTENSITY",
    "TIE_KINDS",
    "TRUST_ITEMS",
    "VALUE_ITEMS",
    "AGREEMENT",
    "CONTRIBUTES",
    "ANSWER_STATES",
    "TIE_STATES",
    "Round",
    "Invitation",
    "RosterEntry",
    "PartnerAnswer",
    "Answers",
    "Questionnaire",
    "StatusRow",
]

# -- The instrument (docs/befragung.md; wording after ../shared/design/netzwerkbefragung.md) -----------------
# Each scale maps its stored value (int or code) to (German, English) labels, in the order the form shows them.

#: Häufigkeit der Zusammenarbeit, 1 (nie) … 5 (wöchentlich oder öfter).
FREQUENCY: dict[int, tuple[str, str]] = {
    1: ("nie", "never"),
    2: ("seltener als 1× im Halbjahr", "less than once in six months"),
    3: ("etwa 1× im Quartal", "about once a quarter"),
    4: ("etwa 1× im Monat", "about once a month"),
    5: ("wöchentlich oder öfter", "weekly or more often"),
}
#: Intensität (Frey et al. 2006): 1 Kennen/Austausch … 4 feste Kooperation.
INTENSITY: dict[int, tuple[str, str]] = {
    1: ("Kennen uns, Austausch", "we know each other, exchange"),
    2: ("Abstimmung (Informationen, Termine)", "cooperation (information, dates)"),
    3: ("Koordination (gemeinsame Ressourcen, abgestimmte Angebote)",
        "coordination (shared resources, aligned offers)"),
    4: ("Feste Kooperation (Vereinbarung, gemeinsame Planung und Entscheidungen)",
        "collaboration (agreement, joint planning and decisions)"),
}  # fmt: skip
#: Art der Zusammenarbeit (mehrere möglich), by code.
TIE_KINDS: dict[str, tuple[str, str]] = {
    "uebergang-kita-gs": ("Übergang Kita–Grundschule", "transition day care – primary school"),
    "uebergang-schule-beruf": ("Übergang Schule–Beruf", "transition school – work"),
    "angebot": ("gemeinsames Angebot/Projekt", "joint offer/project"),
    "ganztag": ("OGS/Ganztag", "all-day school"),
    "raum": ("Raumnutzung", "shared rooms"),
    "beratung": ("Fachberatung/Fortbildung", "advice/training"),
    "gremium": ("Gremium/Netzwerk", "committee/network"),
    "foerderung": ("Förderung/Finanzierung", "funding"),
    "bne": ("BNE/SDG-Bezug", "ESD/SDG related"),
}
#: The four-point agreement scale of the trust and value items.
AGREEMENT: dict[int, tuple[str, str]] = {
    1: ("gar nicht", "not at all"),
    2: ("etwas", "a small amount"),
    3: ("ziemlich", "a fair amount"),
    4: ("sehr", "a great deal"),
}
#: Vertrauen (PARTNER: reliability, shared mission, openness), in the order of ``PartnerAnswer.trust``.
TRUST_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("zuverlaessig", "… ist zuverlässig", "… is reliable"),
    ("ziele", "… verfolgt ähnliche Ziele wie wir", "… pursues goals similar to ours"),
    ("offen", "… ist offen für Austausch und Kritik", "… is open to discussion and criticism"),
)
#: Wert (PARTNER: influence, resources, involvement), in the order of ``PartnerAnswer.value``.
VALUE_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("einfluss", "… hat Einfluss im Stadtteil", "… has influence in the neighbourhood"),
    ("ressourcen", "… bringt Ressourcen ein", "… contributes resources"),
    ("engagement", "… ist engagiert beteiligt", "… is actively involved"),
)
#: Was die eigene Einrichtung einbringt (mehrere möglich), by code.
CONTRIBUTES: dict[str, tuple[str, str]] = {
    "finanzierung": ("Finanzierung", "funding"),
    "sachmittel": ("Sachmittel", "materials"),
    "personal": ("Personal", "staff"),
    "ehrenamt": ("Ehrenamtliche", "volunteers"),
    "daten": ("Daten", "data"),
    "fachwissen": ("Fachwissen", "expertise"),
    "zielgruppen": ("Zugang zu Zielgruppen", "access to target groups"),
    "raeume": ("Räume", "rooms"),
    "koordination": ("Koordination", "coordination"),
}
#: An invited actor's answer state in a round, in the order it moves.
ANSWER_STATES: dict[str, tuple[str, str]] = {
    "eingeladen": ("eingeladen, nicht geöffnet", "invited, not opened"),
    "geoeffnet": ("geöffnet, nichts gespeichert", "opened, nothing saved"),
    "entwurf": ("Entwurf gespeichert", "draft saved"),
    "beantwortet": ("beantwortet", "answered"),
}
#: The status of a tie (docs/befragung.md: the tie rules).
TIE_STATES: dict[str, tuple[str, str]] = {
    "bestaetigt": ("bestätigt (beide nennen sich)", "confirmed (both name each other)"),
    "einseitig": ("einseitig (die andere Seite antwortete ohne Nennung)", "one-sided (the other side answered "
                  "without naming it)"),
    "unbestaetigt": ("unbestätigt (die andere Seite antwortete nicht)", "unconfirmed (the other side did not "
                     "answer)"),
    "dokumentiert": ("dokumentiert (Vereinbarung oder Tabelle)", "documented (agreement or spreadsheet)"),
}  # fmt: skip


# -- Records -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    """A survey round (Befragungswelle): its name (the IRI key), scope and state."""

    name: str
    title: str
    stichtag: date
    closes: date | None
    status: str  # "offen" | "geschlossen"
    stadtbezirke: tuple[str, ...]
    kinds: tuple[str, ...]
    created: datetime

    @property
    def closed(self) -> bool:
        """True once the round was closed (answers are refused)."""
        return self.status == "geschlossen"


@dataclass(frozen=True)
class Invitation:
    """One invited actor of a round; ``token`` only right after it was made (only its hash is stored).

    ``contact`` (name and e-mail of the actor's contact persons, personal data) is filled only on request.
    """

    round: str
    actor: str
    label: str
    address: str
    stadtbezirk: str
    kind_label: str
    token: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class RosterEntry:
    """An actor on a round's roster (everyone invited; non-respondents stay possible partners)."""

    actor: str
    label: str
    kind: str
    kind_label: str
    stadtbezirk: str
    stadtbezirk_label: str


@dataclass(frozen=True)
class PartnerAnswer:
    """What one respondent said about one partner: scales as in the instrument (``None`` = not answered)."""

    partner: str
    frequency: int | None = None
    intensity: int | None = None
    kinds: tuple[str, ...] = ()
    trust: tuple[int | None, int | None, int | None] = (None, None, None)
    value: tuple[int | None, int | None, int | None] = (None, None, None)


@dataclass(frozen=True)
class Answers:
    """One actor's questionnaire. ``respondent_name`` and ``respondent_mail`` are personal data (private)."""

    partners: tuple[PartnerAnswer, ...] = ()
    desired: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    contributes: tuple[str, ...] = ()
    consent: bool = False
    respondent_name: str | None = None
    respondent_mail: str | None = None


@dataclass(frozen=True)
class Questionnaire:
    """What a personal link opens: the round, the own actor, the roster and what was saved so far."""

    round: Round
    actor: RosterEntry
    roster: tuple[RosterEntry, ...]
    answers: Answers | None
    submitted: datetime | None
    draft: bool
    closed: bool


@dataclass(frozen=True)
class StatusRow:
    """Answer states of one Stadtbezirk × kind of a round; ``rate`` is answered / invited (0..1)."""

    stadtbezirk: str
    stadtbezirk_label: str
    kind: str
    kind_label: str
    invited: int
    opened: int
    draft: int
    answered: int

    @property
    def rate(self) -> float:
        """Response rate: answered / invited (0 when nobody was invited)."""
        return self.answered / self.invited if self.invited else 0.0
