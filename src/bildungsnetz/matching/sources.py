"""Where candidates come from: the actors in the store, or the NRW school list with every name column."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

from bildungsnetz.errors import SchoolListError
from bildungsnetz.ingest.schools import join_name
from bildungsnetz.iris import Iris
from bildungsnetz.matching.index import Candidate
from bildungsnetz.queries import NamedQuery, get, run
from bildungsnetz.store.base import Store

__all__ = ["abgleich_query", "school_list_candidates", "store_candidates"]


@cache
def abgleich_query(name: str) -> NamedQuery:
    """A query of ``queries/abgleich/`` by file stem, parsed once.

    >>> abgleich_query("akteure").returns[:3]
    ('actor', 'actorId', 'actorLabel')
    """
    return get(name, folder="abgleich")


def store_candidates(store: Store, *, iris: Iris | None = None) -> list[Candidate]:
    """Every actor in the store as a candidate: name, aliases (``skos:altLabel``), ids, address, kind.

    Contact persons are never read: only the actor, its names and ids and its sites' addresses.
    """
    iris = iris or Iris()
    rows = run(abgleich_query("akteure"), {}, store=store, iris=iris, city="").rows
    found: dict[str, dict] = {}
    many: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        actor = row["actor"]
        first = found.setdefault(actor, row)
        for key in ("actorLabel", "actorId", "kind", "street", "postcode", "locality"):
            if not first.get(key) and row.get(key):
                first[key] = row[key]
        for key in ("alias", "schulnummer", "actorId"):
            if row.get(key):
                many[actor][key].add(str(row[key]))
    result = []
    for actor, row in found.items():
        ident = str(row.get("actorId") or actor.rsplit("/", 1)[-1])
        result.append(
            Candidate(
                iri=actor,
                id=ident,
                name=str(row.get("actorLabel") or ident),
                aliases=tuple(sorted(many[actor]["alias"]))
                + ((_street(str(row["street"])),) if row.get("street") and row.get("kind") == "schule" else ()),
                ids=tuple(sorted(many[actor]["schulnummer"] | many[actor]["actorId"])),
                municipality=str(row.get("locality") or ""),
                postcode=str(row.get("postcode") or ""),
                address=str(row.get("street") or ""),
                kind=str(row.get("kind") or ""),
            )
        )
    return result


def _street(address: str) -> str:
    """The street of an address without the house number: ``"Im Odemsloh 107"`` → ``"Im Odemsloh"``.

    >>> _street("Kleybredde 29a"), _street("An der Palmweide 2-4")
    ('Kleybredde', 'An der Palmweide')
    """
    return re.sub(r"\s+\d[\w\s/-]*$", "", address).strip()


def school_list_candidates(path: str | Path, *, iris: Iris | None = None) -> list[Candidate]:
    """The schools of an NRW school list (``schuldaten.csv`` or a city's part), with every name column.

    Aliases are ``Schulbezeichnung_1``, ``Schulbezeichnung_1`` + ``_2`` and the ``Kurzbezeichnung`` without
    the leading city ("Dortmund, GG Herderschule" → "GG Herderschule"); the name is the joined
    ``Schulbezeichnung_1..3`` the import stores. Closed schools and school offices (Schulform 0A) are left out.

    Raises
    ------
    SchoolListError
        When the file has no ``Schulnummer`` or ``Schulbezeichnung_1`` column.
    """
    iris = iris or Iris()
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if text.startswith("sep="):
        text = text.split("\n", 1)[1]
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    missing = {"Schulnummer", "Schulbezeichnung_1"} - set(reader.fieldnames or ())
    if missing:
        raise SchoolListError(
            f"{path.name}: keine Schulliste, es fehlt {', '.join(sorted(missing))} / "
            f"not a school list, missing {', '.join(sorted(missing))}"
        )
    result = []
    for row in reader:
        cell = {k: " ".join((v or "").split()) for k, v in row.items() if k}
        if cell.get("Schulbetriebsschluessel", "1") != "1" or cell.get("Schulform") == "0A":
            continue
        nr = cell["Schulnummer"]
        one, two, three = (
            cell.get("Schulbezeichnung_1", ""),
            cell.get("Schulbezeichnung_2", ""),
            cell.get("Schulbezeichnung_3", ""),
        )
        short = cell.get("Kurzbezeichnung", "")
        short = short.split(",", 1)[1].strip() if "," in short else short
        # The street too: many Köln schools are named by it alone ("Städt. Kath. Grundschule", "KG Gutnickstr.").
        street = _street(cell.get("Strasse", ""))
        aliases = tuple(dict.fromkeys(a for a in (one, join_name(one, two), short, street) if a))
        result.append(
            Candidate(
                iri=str(iris.akteur(nr)),
                id=nr,
                name=join_name(one, two, three) or short,
                aliases=aliases,
                ids=(nr,),
                municipality=cell.get("Ort", ""),
                postcode=cell.get("PLZ", ""),
                address=cell.get("Strasse", ""),
                kind="schule",
            )
        )
    return result
