"""What an import would change in a source: new, changed and removed rows per table, before anything is written."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from bildungsnetz.errors import RemovalsRefused
from bildungsnetz.iris import Iris
from bildungsnetz.queries import bind_terms, get

__all__ = ["Change", "TableChange", "RemovalsRefused", "compute_change", "guard_removals", "row_key"]

#: The first IRI segment of a row's subjects → the table the row belongs to. Sites (``standort/<actor>/n``)
#: belong to their actor's row; kinds not listed keep their segment as the table name.
_KINDS = {
    "akteur": "akteure", "schule": "akteure", "standort": "akteure", "kooperation": "kooperationen",
    "netzwerk": "netzwerke", "mitgliedschaft": "mitgliedschaften", "angebot": "angebote",
    "foerderung": "foerderungen", "programm": "foerderungen", "foerdergeber": "foerderungen",
    "beobachtung": "indikatoren", "datensatz": "indikatoren", "kontakt": "kontakte",
    "indikator": "indikatordefinitionen",  # a city's own indicator; "kindercampus" is its table's name already
}  # fmt: skip
#: More than this share of a source's rows removed by one import needs an explicit confirmation.
REMOVAL_SHARE = 0.10
_WKT_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_NUMERIC = {"decimal", "double", "float", "integer"}


def row_key(iri: str, iris: Iris) -> tuple[str, str] | None:
    """The table and key of the row an IRI belongs to, or None for an IRI outside the project's base.

    >>> row_key("https://w3id.org/bildungsnetz/id/standort/A-1/1/adresse", Iris())
    ('akteure', 'A-1')
    >>> row_key("https://w3id.org/bildungsnetz/id/angebot/O-1/sdg/13", Iris())
    ('angebote', 'O-1')
    """
    if not iri.startswith(iris.base):
        return None
    kind, _, rest = iri[len(iris.base) :].partition("/")
    key = rest.split("/", 1)[0] if kind != "mitgliedschaft" else "/".join(rest.split("/")[:2])
    return _KINDS.get(kind, kind), key


@dataclass
class TableChange:
    """The change of one table: keys of new and removed rows, and changed rows with the fields that differ."""

    new: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Counts and keys, JSON-ready."""
        return {
            "new": len(self.new), "changed": len(self.changed), "removed": len(self.removed),
            "new_keys": self.new, "changed_rows": [{"key": k, "fields": f} for k, f in self.changed.items()],
            "removed_keys": self.removed,
        }  # fmt: skip


@dataclass
class Change:
    """What an import changes in its source, per table; contact persons only as counts (personal data)."""

    source: str
    tables: dict[str, TableChange] = field(default_factory=dict)
    #: Rows the source holds now (public and private).
    held: int = 0
    #: Contact persons: counts of new, changed and removed ones, never names.
    private: dict[str, int] = field(default_factory=lambda: {"new": 0, "changed": 0, "removed": 0})
    #: Actors (keys) of this import that other sources describe too, with those sources.
    elsewhere: dict[str, list[str]] = field(default_factory=dict)

    @property
    def removed(self) -> int:
        """Rows the import removes, contact persons included."""
        return sum(len(t.removed) for t in self.tables.values()) + self.private["removed"]

    @property
    def empty(self) -> bool:
        """True when nothing changes."""
        return not any(t.new or t.changed or t.removed for t in self.tables.values()) and not any(
            self.private.values()
        )

    @property
    def needs_confirmation(self) -> int | None:
        """The number of removals the user has to confirm, or None when the import may go ahead.

        >>> one, two = TableChange(removed=["A-1"]), TableChange(removed=["A-1", "A-2"])
        >>> [Change("s", {"akteure": t}, held=10).needs_confirmation for t in (one, two)]
        [None, 2]
        """
        removed = self.removed
        if removed and (removed == self.held or removed > REMOVAL_SHARE * self.held):
            return removed
        return None

    def to_dict(self) -> dict:
        """JSON-ready, for the API answer, the report and the version history."""
        return {
            "source": self.source, "held": self.held, "removed": self.removed,
            "needs_confirmation": self.needs_confirmation,
            "tables": {name: t.to_dict() for name, t in sorted(self.tables.items())},
            "contacts": dict(self.private), "elsewhere": self.elsewhere,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> Change:
        """The change :meth:`to_dict` described (the command line rebuilds it from a server's answer).

        >>> c = Change("s", {"akteure": TableChange(new=["A-2"], changed={"A-1": ["name"]})}, held=3)
        >>> Change.from_dict(c.to_dict()).lines()[:2]
        ['akteure: 1 neu / new, 1 geändert / changed, 0 entfernt / removed', '  + A-2']
        """
        tables = {
            name: TableChange(
                new=list(t.get("new_keys", [])),
                changed={row["key"]: list(row["fields"]) for row in t.get("changed_rows", [])},
                removed=list(t.get("removed_keys", [])),
            )
            for name, t in (data.get("tables") or {}).items()
        }
        private = {"new": 0, "changed": 0, "removed": 0} | dict(data.get("contacts") or {})
        return cls(str(data["source"]), tables, held=int(data.get("held", 0)), private=private,
                   elsewhere=dict(data.get("elsewhere") or {}))  # fmt: skip

    def lines(self, *, limit: int = 10) -> list[str]:
        """The change as short lines, German / English, for the command line."""
        if self.empty:
            return ["keine Änderung / no change"]
        out = []
        for name, t in sorted(self.tables.items()):
            if not (t.new or t.changed or t.removed):
                continue
            out.append(f"{name}: {len(t.new)} neu / new, {len(t.changed)} geändert / changed, "
                       f"{len(t.removed)} entfernt / removed")  # fmt: skip
            out += [f"  + {k}" for k in t.new[:limit]]
            out += [f"  ~ {k}: {', '.join(f)}" for k, f in list(t.changed.items())[:limit]]
            out += [f"  - {k}" for k in t.removed[:limit]]
            hidden = max(0, len(t.new) - limit) + max(0, len(t.changed) - limit) + max(0, len(t.removed) - limit)
            if hidden:
                out.append(f"  … {hidden} weitere / more")
        if any(self.private.values()):
            p = self.private
            out.append(f"kontakte: {p['new']} neu / new, {p['changed']} geändert / changed, "
                       f"{p['removed']} entfernt / removed")  # fmt: skip
        for key, others in sorted(self.elsewhere.items())[:limit]:
            out.append(f"Akteur / actor {key} auch in / also in: {', '.join(others)}")
        return out


def _norm(term: ox.Term) -> str:
    """A term as compared: blank nodes alike, numbers and WKT coordinates by value (a store may rewrite them)."""
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal):
        dtype = term.datatype.value
        local = dtype.rsplit("#", 1)[-1]
        if local in _NUMERIC:
            try:
                return f"{float(term.value):.9g}"
            except ValueError:
                return str(term)
        if local == "wktLiteral":
            return _WKT_NUMBER.sub(lambda m: f"{float(m.group()):.5f}", term.value)
        if local == "boolean":
            return "true" if term.value.lower() in ("true", "1") else "false"
    return str(term)


def _rows(triples: Iterable[ox.Triple], iris: Iris) -> dict[tuple[str, str], dict[str, set[str]]]:
    """Statements grouped by row: (table, key) → predicate → normalised statements."""
    out: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode):
            continue
        key = row_key(t.subject.value, iris) or ("andere", t.subject.value)
        out[key][t.predicate.value].add(t.subject.value + " " + _norm(t.object))
    return out


def _field(predicate: str, columns: Mapping[str, str]) -> str:
    return columns.get(predicate) or re.split(r"[#/]", predicate.rstrip("/#"))[-1]


def _diff(old: Iterable[ox.Triple], new: Iterable[ox.Triple], iris: Iris, columns: Mapping[str, str]):
    before, after = _rows(old, iris), _rows(new, iris)
    tables: dict[str, TableChange] = defaultdict(TableChange)
    for key in sorted(after.keys() - before.keys()):
        tables[key[0]].new.append(key[1])
    for key in sorted(before.keys() - after.keys()):
        tables[key[0]].removed.append(key[1])
    for key in sorted(before.keys() & after.keys()):
        b, a = before[key], after[key]
        fields = sorted({_field(p, columns) for p in b.keys() | a.keys() if b.get(p) != a.get(p)})
        if fields:
            tables[key[0]].changed[key[1]] = fields
    return dict(tables), len(before)


def compute_change(
    source: str,
    *,
    old_data: Iterable[ox.Triple],
    old_private: Iterable[ox.Triple],
    new_data: Iterable[ox.Triple],
    new_private: Iterable[ox.Triple],
    iris: Iris,
    origins: Mapping[str, object] | None = None,
    store=None,
) -> Change:
    """The change from what a source holds to what an import brings, row by row.

    A row is the group of subjects one table row makes (an actor with its sites, an offer with its SDG
    assignments): new rows are only in the import, removed rows only in the source, changed rows are in both
    with different statements, named by the column that makes each (``origins``), else by the predicate.
    With ``store``, the actors of the import that other sources' graphs describe too are listed.

    >>> n, p = ox.NamedNode, ox.NamedNode("https://schema.org/name")
    >>> a = lambda k, v: ox.Triple(n("https://w3id.org/bildungsnetz/id/akteur/" + k), p, ox.Literal(v))
    >>> c = compute_change("s", old_data=[a("A", "x"), a("B", "y")], old_private=[],
    ...                    new_data=[a("A", "z"), a("C", "w")], new_private=[], iris=Iris())
    >>> c.tables["akteure"].new, c.tables["akteure"].changed, c.tables["akteure"].removed
    (['C'], {'A': ['name']}, ['B'])
    """
    columns: dict[str, str] = {}
    for origin in (origins or {}).values():
        for predicate, column in getattr(origin, "columns", {}).items():
            columns.setdefault(predicate, column)
    tables, held = _diff(old_data, new_data, iris, columns)
    private_tables, held_private = _diff(old_private, new_private, iris, columns)
    change = Change(source, {k: t for k, t in tables.items() if t.new or t.changed or t.removed},
                    held=held + held_private)  # fmt: skip
    for t in private_tables.values():
        change.private["new"] += len(t.new)
        change.private["changed"] += len(t.changed)
        change.private["removed"] += len(t.removed)
    if store is not None and "akteure" in change.tables:
        actors = change.tables["akteure"]
        change.elsewhere = _described_elsewhere(store, iris, source, [*actors.new, *actors.changed], new_data)
    return change


def _described_elsewhere(store, iris: Iris, source: str, keys: list[str], new_data: Iterable[ox.Triple]):
    """Actor keys → the other sources whose public graphs say something about that actor."""
    wanted: dict[str, str] = {}
    for t in new_data:
        s = t.subject
        if isinstance(s, ox.NamedNode) and s.value.startswith(iris.base) and s.value not in wanted:
            found = row_key(s.value, iris)
            if found and found[0] == "akteure" and found[1] in keys and "/standort/" not in s.value:
                wanted[s.value] = found[1]
    prefix, own = str(iris.graph("quelle")) + "/", str(iris.graph(f"quelle/{source}"))
    query = get("described-in", folder="system")
    out: dict[str, set[str]] = defaultdict(set)
    iris_list = sorted(wanted)
    for start in range(0, len(iris_list), 400):
        block = [ox.NamedNode(i) for i in iris_list[start : start + 400]]
        for row in store.select(bind_terms(query, {"s": block})):
            s, g = row[0], row[1]
            if s is None or g is None or not g.value.startswith(prefix) or g.value == own:
                continue
            out[wanted[s.value]].add(g.value[len(prefix) :])
    return {k: sorted(v) for k, v in sorted(out.items())}


def guard_removals(change: Change, allow_removals: int | None) -> None:
    """Refuse an import that removes more than a tenth of its source's rows, or all of them, unless the user
    confirmed exactly that number (``--allow-removals N``)."""
    n = change.needs_confirmation
    if n is None or allow_removals == n:
        return
    given = "" if allow_removals is None else f" (bestätigt / confirmed: {allow_removals})"
    raise RemovalsRefused(
        f"Der Import würde {n} von {change.held} Zeilen der Quelle »{change.source}« entfernen{given}. "
        f"Nichts geändert. Wenn das gewollt ist: --allow-removals {n} / "
        f"the import would remove {n} of {change.held} rows of source »{change.source}«{given}. Nothing changed. "
        f"If that is intended: --allow-removals {n}"
    )
