"""Running a named query on a Store or a pyoxigraph store; rows come back as plain Python values."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from bildungsnetz.iris import Iris
from bildungsnetz.queries.bind import bind, bind_terms
from bildungsnetz.queries.catalogue import NamedQuery, get

if TYPE_CHECKING:
    from bildungsnetz.cities import CityProfile

__all__ = ["QueryResult", "run", "run_terms"]


@dataclass(frozen=True)
class QueryResult:
    """Rows of a query as plain Python values (IRIs and strings as ``str``, numbers, ``bool``, ISO dates)."""

    columns: list[str]
    rows: list[dict[str, object]]

    def __len__(self) -> int:
        return len(self.rows)



# -- Running -----------------------------------------------------------------------------------------------

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = frozenset(
    _XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
)  # fmt: skip
_FLOAT_TYPES = frozenset(_XSD + t for t in ("decimal", "double", "float"))
_BOOLEAN = _XSD + "boolean"


def _python(term: Any) -> object:
    """One result cell as a plain Python value (cheap: no rdflib objects); the empty string is ``None``.

    >>> _python(ox.Literal("")), _python(ox.Literal("1", datatype=ox.NamedNode(_BOOLEAN)))
    (None, True)
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        lexical = term.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(lexical)
            if datatype in _FLOAT_TYPES:
                return float(Decimal(lexical)) if datatype.endswith("decimal") else float(lexical)
        except ValueError:
            return lexical
        if datatype == _BOOLEAN:
            return lexical in ("true", "1")
        # Strings, language-tagged text, ISO dates and times stay as their lexical form. The empty string is
        # "no value": GROUP_CONCAT over nothing gives "" on Virtuoso where Oxigraph leaves the cell unbound.
        return lexical or None
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term)


def run(
    name_or_query: str | NamedQuery,
    values: dict[str, str] | None = None,
    *,
    store: Any,
    iris: Iris | None = None,
    city: str | CityProfile | None = None,
) -> QueryResult:
    """Bind and run a named query over the union of all graphs; rows come back as plain Python values.

    Parameters
    ----------
    name_or_query : str or NamedQuery
        A name of the public catalogue, or a query loaded with :func:`~bildungsnetz.queries.catalogue.get`.
    values : dict, optional
        Raw parameter values by name, bound by :func:`~bildungsnetz.queries.bind.bind`.
    store : pyoxigraph.Store or Store
        A ``pyoxigraph.Store`` or anything with ``select(sparql)`` (the project's ``Store``).
    iris, city : optional
        For short forms of IRIs; default: the settings.

    Returns
    -------
    QueryResult
        The projected columns and one dict per row.

    Raises
    ------
    ParameterError
        A value missing, unknown or invalid (names the parameter).

    Examples
    --------
    >>> store = ox.Store()
    >>> run("district-hierarchy", {}, store=store, iris=Iris(), city="dortmund").rows
    []
    """
    query = get(name_or_query) if isinstance(name_or_query, str) else name_or_query
    return _rows(bind(query, values, iris=iris, city=city), store)


def run_terms(query: NamedQuery, terms: dict[str, list[ox.NamedNode]], *, store: Any) -> QueryResult:
    """Run a named query with RDF terms the code already holds, several per parameter
    (:func:`~bildungsnetz.queries.bind.bind_terms`): one query for a page of actors instead of one per actor.

    >>> store = ox.Store()
    >>> run_terms(get("actor-districts", folder="api"), {"actor": [ox.NamedNode("https://example.org/a")]},
    ...           store=store).columns
    ['actor', 'area', 'areaLabel', 'district', 'districtLabel']
    """
    return _rows(bind_terms(query, terms), store)


def _rows(text: str, store: Any) -> QueryResult:
    if isinstance(store, ox.Store):
        solutions = store.query(text, use_default_graph_as_union=True)
    else:
        solutions = store.select(text)
    columns = [v.value for v in solutions.variables]
    rows = [dict(zip(columns, map(_python, solution), strict=True)) for solution in solutions]
    return QueryResult(columns=columns, rows=rows)


