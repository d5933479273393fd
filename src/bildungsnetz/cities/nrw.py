"""The municipality key (AGS) of an NRW municipality by its name, from the shipped table of NRW municipalities."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from bildungsnetz import resources
from bildungsnetz.cities.model import CityProfileError, fold_name

__all__ = ["Municipality", "nrw_candidates", "nrw_municipalities", "nrw_municipality"]

#: The table's file name in the folder of shipped profiles (written by ``bildungsnetz.tools.nrw_gemeinden``).
TABLE = "nrw-gemeinden.csv"


@dataclass(frozen=True)
class Municipality:
    """One NRW municipality: eight-digit AGS and name as the school list writes it."""

    ags: str
    name: str

    def keys(self) -> set[str]:
        """Folded names the municipality is found by: the name, and the name without its bracket ("Halle")."""
        return {fold_name(self.name), fold_name(self.name.split("(")[0])}


@cache
def nrw_municipalities() -> tuple[Municipality, ...]:
    """The 396 municipalities of North Rhine-Westphalia, ordered by AGS.

    >>> towns = nrw_municipalities()
    >>> len(towns), towns[0]
    (396, Municipality(ags='05111000', name='Düsseldorf'))
    """
    path = resources.cities_dir() / TABLE
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(Municipality(r["ags"], r["name"]) for r in csv.DictReader(fh))


def nrw_candidates(name: str) -> list[Municipality]:
    """The NRW municipalities ``name`` may mean (see :func:`nrw_municipality`), ordered by AGS.

    >>> [t.name for t in nrw_candidates("Bedburg")], len(nrw_candidates("Bad")), nrw_candidates("Atlantis")
    (['Bedburg'], 10, [])
    """
    key = fold_name(name)
    towns = nrw_municipalities()
    found = [t for t in towns if key in t.keys()]
    if not found and key:  # each word written is the start of the name's word in that place
        words = key.split()
        found = [t for t in towns if any(_starts(k.split(), words) for k in t.keys())]
    return found


def nrw_municipality(name: str) -> Municipality:
    """The NRW municipality ``name`` means: an exact name first (case, umlaut spelling and the bracket
    ignored: ``Koeln``, ``halle``), else the only one whose name starts with those words, each word possibly
    cut short as in the school list's short names (``Mülheim`` → Mülheim an der Ruhr, ``Neunkirchen-Seel.``).

    Parameters
    ----------
    name : str
        A municipality's name as staff write it.

    Returns
    -------
    Municipality

    Raises
    ------
    CityProfileError
        When several municipalities fit (the error lists them with their AGS) or none does (parameter
        ``ags``: the key must then be given).

    Examples
    --------
    >>> nrw_municipality("Koeln").ags, nrw_municipality("Mülheim").name, nrw_municipality("Halle").name
    ('05315000', 'Mülheim an der Ruhr', 'Halle (Westf.)')
    >>> try:
    ...     nrw_municipality("Bad S")
    ... except CityProfileError as exc:
    ...     print(exc.en)
    'Bad S' fits several NRW municipalities: Bad Salzuflen (05766008), Bad Sassendorf (05974008); give --ags
    """
    found = nrw_candidates(name)
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(f"{t.name} ({t.ags})" for t in found)
        raise CityProfileError(
            f"'{name}' passt auf mehrere Gemeinden in NRW: {listed}; bitte --ags angeben",
            f"'{name}' fits several NRW municipalities: {listed}; give --ags",
            parameter="ags",
        )
    raise CityProfileError(
        f"keine Gemeinde '{name}' in NRW bekannt; bitte den achtstelligen Gemeindeschlüssel mit --ags angeben",
        f"no NRW municipality '{name}' is known; give the eight-digit municipality key with --ags",
        parameter="ags",
    )


def _starts(name: list[str], words: list[str]) -> bool:
    return len(words) <= len(name) and all(n.startswith(w) for n, w in zip(name, words, strict=False))
