"""The one resolver of Stadtbezirk and Stadtteil names and codes (umlauts folded: ``Hoerde`` = ``Hörde``)."""

from __future__ import annotations

import os

from bildungsnetz.cities.model import (
    _LEVEL_DE,
    _LEVELS,
    EBENEN,
    CityProfile,
    CityProfileError,
    District,
    DistrictNotFoundError,
    PlanningArea,
    _did_you_mean,
    _hint,
    fold_name,
)

__all__ = ["lookup_district", "lookup_planning_area"]


# -- Looking up districts ----------------------------------------------------------------------------------


def lookup_district(
    profile: CityProfile,
    value: str | int,
    ebene: str | None = None,
    *,
    file: str | os.PathLike[str] | None = None,
    row: int | None = None,
    column: str | None = None,
) -> District:
    """Resolve a code or a name to a district of the profile.

    Tried in turn: the exact code, the name (case, umlauts, punctuation ignored: ``Hoerde`` = ``Hörde``),
    the code as a number (``5`` for ``05``, as spreadsheets write it). ``ebene`` (``stadtbezirk``,
    ``stadtteil`` or a kind such as ``statistischer_bezirk``) restricts the level; without it, a value that
    fits both levels is an error, since Dortmund's Stadtbezirk Hörde and statistischer Bezirk Hörde differ.

    Parameters
    ----------
    profile : CityProfile
    value : str or int
        A table cell.
    ebene : str, optional
        Level to search.
    file, row, column : optional
        Where the value came from, for the error message.

    Raises
    ------
    DistrictNotFoundError
        With ``suggestions`` ("meinten Sie / did you mean") for near misses.
    CityProfileError
        When the value fits districts of both levels.

    Examples
    --------
    >>> p = CityProfile("x", "X", None, (District("stadtbezirk", "9", "Hombruch"),
    ...     District("stadtteil", "65", "Hombruch", parent="9"),
    ...     District("stadtteil", "05", "Nordmarkt", parent="9")))
    >>> lookup_district(p, "HOMBRUCH", "stadtbezirk").code, lookup_district(p, 5).name
    ('9', 'Nordmarkt')
    >>> try:
    ...     lookup_district(p, "Hombrch", "stadtteil")
    ... except DistrictNotFoundError as exc:
    ...     print(exc.suggestions, str(exc).split(" / ")[1])
    ('Hombruch',) district 'Hombrch' (stadtteil) not in city profile 'x' – did you mean 'Hombruch'?
    """
    where = {"file": file, "row": row, "column": column}
    text = str(value).strip()
    if not text:
        raise DistrictNotFoundError("kein Gebiet angegeben", "no district given", **where)
    if ebene is None:
        levels = _LEVELS
    else:
        kind = "_".join(fold_name(ebene).split())
        if kind not in EBENEN:
            raise CityProfileError(
                f"unbekannte Ebene '{ebene}'", f"unknown level '{ebene}'", parameter="ebene"
            )
        levels = (EBENEN[kind],)
    index = profile._index

    def unique(found: list[District]) -> District | None:
        if len(found) > 1:
            listed_de = " oder ".join(d.label for d in found)
            listed_en = " or ".join(d.label for d in found)
            raise CityProfileError(
                f"'{text}' ist mehrdeutig: {listed_de}; Ebene angeben",
                f"'{text}' is ambiguous: {listed_en}; give the level",
                **where,
            )
        return found[0] if found else None

    folded = fold_name(text)
    for found in (
        [index.by_code[lvl][text] for lvl in levels if text in index.by_code[lvl]],
        [d for lvl in levels for d in index.by_name[lvl].get(folded, [])],
        [d for lvl in levels for d in index.by_number[lvl].get(int(text), [])] if text.isdigit() else [],
    ):
        district = unique(found)
        if district is not None:
            return district
    choices = {k: v for lvl in levels for k, v in index.choices[lvl].items()}
    suggestions = _did_you_mean(text, choices)
    de_hint, en_hint = _hint(suggestions)
    level_de = f" ({_LEVEL_DE[levels[0]]})" if len(levels) == 1 else ""
    level_en = f" ({levels[0]})" if len(levels) == 1 else ""
    raise DistrictNotFoundError(
        f"Gebiet '{text}'{level_de} nicht in Stadtprofil '{profile.name}'{de_hint}",
        f"district '{text}'{level_en} not in city profile '{profile.name}'{en_hint}",
        suggestions=suggestions,
        **where,
    )


def lookup_planning_area(profile: CityProfile, value: str) -> PlanningArea:
    """A planning area of the profile (``planungsraeume.csv``) by code or name, umlauts and case aside.

    Raises :class:`DistrictNotFoundError` with the closest names, or saying the profile has none.

    Examples
    --------
    >>> p = CityProfile("x", "X", None, (District("stadtteil", "11", "Hafen", parent="1"),),
    ...                 planning_areas=(PlanningArea("SR1", "Sozialraum Nord", ("11",)),))
    >>> lookup_planning_area(p, "sozialraum nord").code, lookup_planning_area(p, "SR1").name
    ('SR1', 'Sozialraum Nord')
    >>> try:
    ...     lookup_planning_area(p, "Sozialraum Nort")
    ... except DistrictNotFoundError as exc:
    ...     print(exc.suggestions)
    ('Sozialraum Nord',)
    """
    text = str(value).strip()
    folded = fold_name(text)
    for area in profile.planning_areas:
        if text == area.code or folded in (fold_name(area.name), fold_name(area.code)):
            return area
    if not profile.planning_areas:
        raise DistrictNotFoundError(
            f"Planungsraum '{text}': Stadtprofil '{profile.name}' hat keine Planungsräume (planungsraeume.csv)",
            f"planning area '{text}': city profile '{profile.name}' has no planning areas (planungsraeume.csv)",
        )
    suggestions = _did_you_mean(text, {fold_name(a.name): a.name for a in profile.planning_areas})
    de_hint, en_hint = _hint(suggestions)
    raise DistrictNotFoundError(
        f"Planungsraum '{text}' nicht in Stadtprofil '{profile.name}'{de_hint}",
        f"planning area '{text}' not in city profile '{profile.name}'{en_hint}",
        suggestions=suggestions,
    )
