"""What a ``/sparql`` query is before it runs: form, dataset, and whether it would reach outside the store.

A tokenizer looks for ``SERVICE`` (the one SPARQL feature that makes an engine send HTTP requests) as a
keyword, wherever it stands (also inside sub-selects, ``EXISTS`` and ``OPTIONAL``): on the text as written,
after SPARQL's ``\\uXXXX`` escapes are expanded (an engine expands them before parsing, so ``\\u0053ERVICE`` is
``SERVICE``), and once more with ``<`` never starting an IRI, because ``<`` is also the less-than operator.
The same tokens give the form and the ``FROM`` / ``FROM NAMED`` clauses (about 1 ms for a catalogue query).
Virtuoso's built-in function IRIs (``bif:``, ``sql:``) are refused. Every query is then also
parsed with rdflib's SPARQL parser, whose parse tree is walked for every ``ServiceGraphPattern`` (a second,
independent check) and which refuses anything but standard SPARQL. Every query on every store is parsed so.
Before any of that, :func:`check_structure` refuses a query nested too deeply or with too many parts: Oxigraph's
parser and evaluator recurse over the query and overflow the stack (SIGSEGV) at some thousand levels. The server
process runs it before a job goes to a worker. This module imports nothing heavy: it runs in the ``/sparql``
worker processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

__all__ = [
    "QueryInfo",
    "QueryRefused",
    "inspect_query",
    "check_structure",
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "MAX_UNION",
    "MAX_SELECT",
    "MAX_NEGATION",
    "expand_escapes",
    "has_service_keyword",
    "UPDATE_KEYWORDS",
]

#: Keywords that start a SPARQL update operation.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "COPY", "MOVE", "ADD", "WITH"}
)
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_NAME = rf"[{_PN_CHARS_BASE}_0-9\-\u00b7\u0300-\u036f\u203f-\u2040.]"
_TOKEN_PARTS = [
    ("comment", r"\#[^\n\r]*"),
    ("iri", r"<[^<>\"{}|^`\\\x00-\x20]*>"),
    (
        "string",
        r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
        r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\'',
    ),
    ("var", rf"[?$]{_NAME}+"),
    ("lang", r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*"),
    ("bnode", rf"_:{_NAME}+"),
    ("pname", rf"(?:[{_PN_CHARS_BASE}]{_NAME}*)?:(?:{_NAME}|:|%[0-9A-Fa-f]{{2}}|\\.)*"),
    ("word", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("space", r"\s+"),
    ("other", r"."),
]
_TOKEN = re.compile("|".join(f"(?P<{n}>{p})" for n, p in _TOKEN_PARTS), re.DOTALL)
_NO_IRI = re.compile("|".join(f"(?P<{n}>{p})" for n, p in _TOKEN_PARTS if n != "iri"), re.DOTALL)


#: Limits of :func:`check_structure`. Oxigraph 0.5.13 crashed (SIGSEGV) at 1,000 nested FILTER EXISTS or function
#: calls (300 passed), 3,000 nested groups, sub-selects or OPTIONALs, 3,000 BINDs, OPTIONALs or MINUS side by side,
#: 10,000 UNIONs, FILTERs, ``||`` or ``+`` in a row, 10,000 ``!``; every shape tried at these limits ran. The
#: catalogue queries and the W3C test queries need at most 6 levels, 228 elements, 2 UNIONs and 6 SELECTs.
MAX_DEPTH = 128  # levels of { ( [ open at once
MAX_ELEMENTS = 4_000  # keywords, operators, separators and opening brackets in the whole query
MAX_UNION = 1_000
MAX_SELECT = 256  # the query and its sub-selects
MAX_NEGATION = 128  # ! in a row
_OPEN, _CLOSE = frozenset("{(["), frozenset("})]")
_NUMBER = r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
_LITERAL_WORDS = frozenset({"a", "true", "false"})
_SHAPE_PARTS = [*(p for p in _TOKEN_PARTS if p[0] != "other"), ("number", _NUMBER), ("other", r"\|\||&&|[!<>]=|.")]
_SHAPE = re.compile("|".join(f"(?P<{n}>{p})" for n, p in _SHAPE_PARTS), re.DOTALL)
_SHAPE_NO_IRI = re.compile("|".join(f"(?P<{n}>{p})" for n, p in _SHAPE_PARTS if n != "iri"), re.DOTALL)


class QueryRefused(Exception):
    """The query is not run; ``status`` is the HTTP status, the message is one line in German and English."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class QueryInfo:
    """The form of a query (``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``) and its own dataset clauses."""

    form: str
    from_graphs: tuple[str, ...] = field(default=())
    from_named: tuple[str, ...] = field(default=())


def expand_escapes(text: str) -> str:
    r"""Expand SPARQL's codepoint escapes, as the grammar does before parsing.

    >>> expand_escapes(r"\u0053ERVICE")
    'SERVICE'
    """

    def one(m: re.Match) -> str:
        code = int(m[1] or m[2], 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m[0]

    return _ESCAPE.sub(one, text)


def _tokens(text: str, pattern: re.Pattern) -> list[tuple[str, str]]:
    return [
        (m.lastgroup or "other", m.group())
        for m in pattern.finditer(text)
        if m.lastgroup not in ("space", "comment")
    ]


def _shape(text: str, pattern: re.Pattern) -> tuple[int, int, int, int, int]:
    """Deepest bracket nesting, elements, UNIONs, SELECTs and the longest run of ``!`` in one reading."""
    depth = deepest = elements = unions = selects = run = longest = 0
    for m in pattern.finditer(text):
        kind, value = m.lastgroup, m.group()
        if kind in ("space", "comment"):
            continue
        if value == "!":
            run += 1
            longest = max(longest, run)
        else:
            run = 0
        if kind == "word":
            upper = value.upper()
            unions += upper == "UNION"
            selects += upper == "SELECT"
            elements += value not in _LITERAL_WORDS
        elif kind == "other":
            elements += 1
            if value in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif value in _CLOSE:
                elements -= 1
                depth = max(0, depth - 1)
    return deepest, elements, unions, selects, longest


def _raw_depth(text: str) -> int:
    """Bracket nesting counting every bracket, also in strings, IRIs and comments (never less than a parser)."""
    depth = deepest = 0
    for char in text:
        if char in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif char in _CLOSE and depth:
            depth -= 1
    return deepest


def check_structure(text: str) -> None:
    """Refuse (400) a query nested deeper or longer than a SPARQL engine can parse without crashing.

    A linear scan, run before any parser sees the text: brackets (``{ ( [``) open at once, ``!`` in a row,
    UNIONs, SELECTs (sub-selects) and elements (keywords, operators, separators, brackets) in the whole query,
    each against its limit (``MAX_*``). The text is read with ``\\u`` escapes expanded, with and without
    ``<`` starting an IRI, and the larger count counts: a count can come out too high, never too low.

    >>> check_structure("SELECT * WHERE { { ?s ?p ?o } UNION { ?o ?p ?s } }")
    >>> try:
    ...     check_structure("ASK " + "{" * 200 + "}" * 200)
    ... except QueryRefused as refused:
    ...     print(refused.status, str(refused).split(" / ")[1])
    400 query nested too deeply: more than 128 levels of { ( [
    """
    if len(text) <= 10_000:  # passes of catalogue-sized queries are cached; long texts would fill memory
        _check_short(text)
    else:
        _check_structure(text)


@lru_cache(maxsize=256)
def _check_short(text: str) -> None:
    _check_structure(text)


def _check_structure(text: str) -> None:
    expanded = expand_escapes(text)
    readings = [_shape(expanded, pattern) for pattern in (_SHAPE, _SHAPE_NO_IRI)]
    depth = max(max(r[0] for r in readings), _raw_depth(expanded))
    elements, unions, selects, negations = (max(r[i] for r in readings) for i in range(1, 5))
    if depth > MAX_DEPTH:
        raise QueryRefused(
            400,
            f"Abfrage zu tief verschachtelt: mehr als {MAX_DEPTH} Ebenen von {{ ( [ / query nested too deeply: "
            f"more than {MAX_DEPTH} levels of {{ ( [",
        )
    for count, limit, what_de, what_en in (
        (negations, MAX_NEGATION, "»!« hintereinander", "'!' in a row"),
        (unions, MAX_UNION, "UNION", "UNION"),
        (selects, MAX_SELECT, "SELECT (Unterabfragen)", "SELECT (sub-selects)"),
        (elements, MAX_ELEMENTS, "Sprachelemente", "syntax elements (keywords, operators, brackets)"),
    ):
        if count > limit:
            raise QueryRefused(
                400,
                f"Abfrage zu umfangreich: mehr als {limit} {what_de} / query too large: more than {limit} "
                f"{what_en}",
            )


def has_service_keyword(text: str) -> bool:
    """True if ``SERVICE`` appears as a keyword, however the text is read.

    >>> has_service_keyword("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }")
    True
    >>> has_service_keyword('SELECT * { ?s <http://x/SERVICE> "SERVICE" . ?s a ex:SERVICE }')
    False
    >>> has_service_keyword("SELECT * { FILTER(?a<?b) SERVICE?x#>\\n{ } }")
    True
    """
    for variant in {text, expand_escapes(text)}:
        for pattern in (_TOKEN, _NO_IRI):
            tokens = _tokens(variant, pattern)
            for i, (kind, value) in enumerate(tokens):
                if kind != "word" or value.upper() != "SERVICE":
                    continue
                nxt = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
                # SERVICE SILENT? VarOrIri: anything that can follow the keyword counts
                if (
                    pattern is _TOKEN
                    or nxt[0] in ("var", "pname", "iri")
                    or nxt[1] in ("<", "?", "$")
                    or nxt[1].upper() == "SILENT"
                ):
                    return True
    return False


def _first_keyword(text: str) -> str:
    """The first keyword after the prologue (``BASE``/``PREFIX`` declarations)."""
    tokens = _tokens(expand_escapes(text), _TOKEN)
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        upper = value.upper() if kind == "word" else ""
        if upper == "BASE":
            i += 2
        elif upper == "PREFIX":
            i += 3
        elif kind == "word":
            return upper
        else:
            return value
    return ""


#: Virtuoso's built-in functions (``bif:http_get``, ``sql:…``): callable from its SPARQL, some of them reach the
#: network or the file system. Without a PREFIX the parser refuses ``bif:x``; as an IRI or a prefix's IRI
#: (``<bif:http_get>``, ``PREFIX b: <bif:>``) they are refused here, wherever they appear.
_ENGINE_IRI = re.compile(r"<\s*(?:bif|sql):", re.IGNORECASE)


def _iri_value(token: str, base: str | None) -> str:
    value = token[1:-1]
    return urljoin(base, value) if base else value


def _dataset_and_prefixes(tokens: list[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """FROM / FROM NAMED of the query (prefixed names expanded, relative IRIs resolved); undeclared prefixes
    are refused."""
    prefixes: dict[str, str] = {}
    base: str | None = None
    default: list[str] = []
    named: list[str] = []
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        upper = value.upper() if kind == "word" else ""
        if upper == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            base = _iri_value(tokens[i + 1][1], base)
            i += 2
            continue
        if upper == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1][0] == "pname" and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].split(":", 1)[0]] = _iri_value(tokens[i + 2][1], base)
            i += 3
            continue
        if kind == "pname":
            prefix = value.split(":", 1)[0]
            if prefix not in prefixes:
                raise QueryRefused(
                    400, f"Präfix »{prefix}:« ist nicht deklariert / prefix {prefix!r} is not declared"
                )
        if upper == "FROM":
            j = i + 1
            target = named if j < len(tokens) and tokens[j][1].upper() == "NAMED" else default
            j += target is named
            if j >= len(tokens) or tokens[j][0] not in ("iri", "pname"):
                raise QueryRefused(400, "FROM ohne Graph / FROM without a graph")
            kind_j, value_j = tokens[j]
            if kind_j == "iri":
                target.append(_iri_value(value_j, base))
            else:
                prefix, local = value_j.split(":", 1)
                if prefix not in prefixes:
                    raise QueryRefused(
                        400, f"Präfix »{prefix}:« ist nicht deklariert / prefix {prefix!r} is not declared"
                    )
                target.append(prefixes[prefix] + local)
            i = j + 1
            continue
        i += 1
    return tuple(default), tuple(named)


def _walk_service(node: object) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue  # noqa: PLC0415

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return True
        return any(_walk_service(v) for k, v in node.items() if not str(k).startswith("_"))
    if isinstance(node, dict):
        return any(_walk_service(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_walk_service(v) for v in node)
    from pyparsing import ParseResults  # noqa: PLC0415

    if isinstance(node, ParseResults):
        return any(_walk_service(v) for v in node)
    return False


def _iri(term: object, prefixes: dict[str, str], base: str | None) -> str:
    from rdflib.plugins.sparql.parserutils import CompValue  # noqa: PLC0415

    if isinstance(term, CompValue) and term.name == "pname":
        prefix = str(term.get("prefix") or "")
        if prefix not in prefixes:
            raise QueryRefused(
                400, f"Präfix »{prefix}:« ist nicht deklariert / prefix {prefix!r} is not declared"
            )
        return prefixes[prefix] + str(term.get("localname") or "")
    value = str(term)
    return urljoin(base, value) if base else value


@lru_cache(maxsize=512)
def _parse(text: str) -> tuple[str, bool, tuple[str, ...], tuple[str, ...]]:
    from pyparsing import ParseException  # noqa: PLC0415
    from rdflib.plugins.sparql.parser import parseQuery  # noqa: PLC0415

    try:
        parsed = parseQuery(text)
    except ParseException as exc:
        raise QueryRefused(
            400,
            f"SPARQL-Syntaxfehler in Zeile {exc.lineno}, Spalte {exc.col} / SPARQL syntax error at line "
            f"{exc.lineno}, column {exc.col}",
        ) from None
    except Exception:  # rdflib raises assorted errors on odd input; none may reach the client
        raise QueryRefused(400, "SPARQL-Anfrage nicht lesbar / cannot read the SPARQL query") from None
    prologue, query = parsed[0], parsed[1]
    prefixes: dict[str, str] = {}
    base: str | None = None
    for decl in prologue:
        if decl.name == "Base":
            base = urljoin(base, str(decl["iri"])) if base else str(decl["iri"])
        elif decl.name == "PrefixDecl":
            prefixes[str(decl.get("prefix") or "")] = str(decl["iri"])
    default: list[str] = []
    named: list[str] = []
    for clause in query.get("datasetClause") or []:
        if "default" in clause:
            default.append(_iri(clause["default"], prefixes, base))
        if "named" in clause:
            named.append(_iri(clause["named"], prefixes, base))
    form = query.name.removesuffix("Query").upper()
    return form, _walk_service(query), tuple(default), tuple(named)


def inspect_query(text: str) -> QueryInfo:
    """Check a query before it runs; raise :class:`QueryRefused` for updates, ``SERVICE``, syntax errors and
    queries past the limits of :func:`check_structure`.

    Every query is parsed with rdflib's SPARQL 1.1 parser, whatever store it goes to, and refused unless the
    parse succeeds and its tree holds no ``SERVICE``: a tokenizer alone can be fooled about where a string or an
    IRI ends (``1<'>'``), a parser cannot. The parse also keeps an engine's extensions (Virtuoso's ``DEFINE``
    pragmas, ``OPTION`` clauses, SQL) from being sent on. Parses are cached by text (a catalogue query is parsed
    once per worker); the tokenizer pass before it refuses the obvious cases cheaply.

    >>> inspect_query("PREFIX e: <http://e/> SELECT * FROM e:g WHERE { ?s ?p ?o }")
    QueryInfo(form='SELECT', from_graphs=('http://e/g',), from_named=())
    >>> for q in ("INSERT DATA { <a:a> <a:b> <a:c> }", "ASK { FILTER EXISTS { SERVICE SILENT ?x { } } }"):
    ...     try:
    ...         inspect_query(q)
    ...     except QueryRefused as refused:
    ...         print(refused.status)
    403
    403
    """
    check_structure(text)
    keyword = _first_keyword(text)
    if keyword in UPDATE_KEYWORDS:
        raise QueryRefused(
            403,
            "Dieser Endpunkt ist schreibgeschützt: keine SPARQL-Updates / this endpoint is read-only: no "
            "SPARQL updates",
        )
    service = QueryRefused(
        403,
        "SERVICE ist hier nicht erlaubt: der Endpunkt fragt keine anderen Dienste an / SERVICE is not "
        "allowed: this endpoint never queries other services",
    )
    if has_service_keyword(text):
        raise service
    if _ENGINE_IRI.search(expand_escapes(text)):
        raise QueryRefused(
            403,
            "Eingebaute Funktionen des SPARQL-Servers (bif:, sql:) sind hier nicht erlaubt / the SPARQL "
            "server's built-in functions (bif:, sql:) are not allowed here",
        )
    if keyword not in _FORMS:
        raise QueryRefused(
            400, "Nur SELECT, ASK, CONSTRUCT, DESCRIBE / only SELECT, ASK, CONSTRUCT, DESCRIBE"
        )
    _dataset_and_prefixes(_tokens(expand_escapes(text), _TOKEN))  # names an undeclared prefix
    form, has_service, default, named = _parse(text)
    if has_service:
        raise service
    if form not in _FORMS:
        raise QueryRefused(400, "Nur SELECT, ASK, CONSTRUCT, DESCRIBE / only SELECT, ASK, CONSTRUCT, DESCRIBE")
    return QueryInfo(form=form, from_graphs=default, from_named=named)
