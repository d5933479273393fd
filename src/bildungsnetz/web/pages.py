"""What every page shares: language, login, CSRF, the template environment and the HTML response."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bildungsnetz.api.auth import ANONYMOUS, Principal
from bildungsnetz.api.service import Service
from bildungsnetz.errors import BildungsnetzError, CityProfileError
from bildungsnetz.vocab import get_vocabulary
from bildungsnetz.web.i18n import pick_language, translator
from bildungsnetz.web.session import CSRF_COOKIE, SESSION_COOKIE, Signer

__all__ = [
    "CSP",
    "Ctx",
    "context",
    "render",
    "error_page",
    "exception_page",
    "env",
    "security_headers",
    "vocab_labels",
    "STATIC",
    "fragment",
]

STATIC = Path(__file__).with_name("static")
TEMPLATES = Path(__file__).with_name("templates")
LANG_COOKIE = "bn_lang"
#: Pages load scripts, styles and images from this server only; no inline script, no frames from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'"
)


def _number(value: Any, lang: str = "de", digits: int = 0) -> str:
    """A number as people of ``lang`` write it (German: 1.234,5).

    >>> _number(1234.5, "de", 1), _number(1234.5, "en", 1), _number(None)
    ('1.234,5', '1,234.5', '–')
    """
    if value is None or value == "":
        return "–"
    try:
        text = f"{float(value):,.{digits}f}"
    except (TypeError, ValueError):
        return str(value)
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _german_date(value: Any, lang: str = "de") -> str:
    """ISO date for people: 30.06.2026 (German) or 2026-06-30.

    >>> _german_date("2026-06-30"), _german_date("2026-06-30", "en"), _german_date(None)
    ('30.06.2026', '2026-06-30', '–')
    """
    if not value:
        return "–"
    text = str(value)[:10]
    if lang == "de" and len(text) == 10 and text[4] == "-":
        return f"{text[8:10]}.{text[5:7]}.{text[0:4]}"
    return text


@cache
def env() -> Environment:
    """The Jinja2 environment of the templates (HTML autoescaped)."""
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["num"] = _number
    environment.filters["day"] = _german_date
    environment.filters["q"] = lambda value: quote(str(value or ""), safe="")
    return environment


@cache
def vocab_labels(scheme: str, lang: str = "de") -> dict[str, str]:
    """Code → label in ``lang`` of a vocabulary (``akteursart``, ``handlungsfeld`` …): the one place the
    pages pick a concept's ``skos:prefLabel`` by the page's language (German where a concept lacks ``lang``).

    >>> vocab_labels("schulform")["02"], vocab_labels("schulform", "en")["02"]
    ('Grundschule', 'Primary school')
    """
    try:
        vocabulary = get_vocabulary()
        return {code: vocabulary.label(iri, lang) for iri, code, _ in vocabulary.concepts(scheme)}
    except Exception:  # noqa: BLE001 - an unknown scheme shows codes instead of labels
        return {}


def _term(lang: str) -> Any:
    """``term(scheme, code)`` for the templates: the label of a code in the page's language, the code when
    the vocabulary does not know it; a comma-separated list of codes gives the list of labels."""

    def term(scheme: str, code: Any) -> str:
        if not code:
            return ""
        labels = vocab_labels(scheme, lang)
        return ", ".join(labels.get(part, part) for part in (p.strip() for p in str(code).split(",")) if part)

    return term


@dataclass
class Ctx:
    """One request's view of the user: language, texts, login and CSRF token."""

    request: Request
    service: Service
    lang: str
    t: Any
    who: Principal
    signer: Signer
    nonce: str
    new_nonce: bool
    started: float = field(default_factory=time.perf_counter)

    @property
    def csrf(self) -> str:
        """The hidden field every POST form carries."""
        return self.signer.csrf_token(self.nonce)

    def csrf_ok(self, token: str | None) -> bool:
        """True when ``token`` belongs to this browser's CSRF cookie."""
        return not self.new_nonce and self.signer.check_csrf(self.nonce, token)


def signer(service: Service) -> Signer:
    """The signer for the settings' ``session_secret`` (made once per service)."""
    box = service.__dict__.setdefault("_web_signer", {})
    if "signer" not in box:
        box["signer"] = Signer(service.settings.session_secret.get_secret_value())
    return box["signer"]


def context(request: Request, service: Service) -> Ctx:
    """Language (``?lang=`` or cookie), login (signed session cookie) and CSRF cookie of a request."""
    lang = pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
    sign = signer(service)
    session = sign.load(request.cookies.get(SESSION_COOKIE))
    who = Principal(session.roles, name=session.name) if session else ANONYMOUS
    nonce = request.cookies.get(CSRF_COOKIE) or ""
    fresh = not nonce or len(nonce) > 64
    if fresh:
        nonce = sign.new_nonce()
    return Ctx(request, service, lang, translator(lang), who, sign, nonce, fresh)


def security_headers(response: Response, *, csp: str = CSP) -> Response:
    """Headers every page carries: CSP, no sniffing, no referrer to other sites, no framing elsewhere."""
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def finish(ctx: Ctx, response: Response) -> Response:
    """Set the cookies this request needs (language chosen, new CSRF value) and the timing header."""
    secure = ctx.request.url.scheme == "https"
    if ctx.request.query_params.get("lang") == ctx.lang:
        response.set_cookie(LANG_COOKIE, ctx.lang, max_age=365 * 86400, samesite="strict", secure=secure)
    if ctx.new_nonce:
        response.set_cookie(CSRF_COOKIE, ctx.nonce, httponly=True, samesite="strict", secure=secure)
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - ctx.started) * 1000:.1f}"
    return security_headers(response)


def fragment(ctx: Ctx, key: str, macro: str, args: Callable[[], tuple]) -> Markup:
    """A heavy part of a page (a network picture, a map): the macro ``macro`` of ``macros.html`` called with
    what ``args()`` returns (nothing where it returns ``None``), rendered once per state of the store and
    language under ``key`` (at 20,000 actors a district's network picture took seconds to render, on every
    visit)."""

    def compute() -> str:
        values = args()
        return "" if values is None else str(getattr(env().get_template("macros.html").module, macro)(*values))

    return Markup(ctx.service.cached(f"{key}:{ctx.lang}", compute))


def render(ctx: Ctx, template: str, *, status: int = 200, nav: str = "", **values: Any) -> HTMLResponse:
    """Render ``template`` with the shared context (texts, language, user, CSRF token)."""
    path = ctx.request.url.path
    other = "en" if ctx.lang == "de" else "de"
    params = dict(ctx.request.query_params)
    params["lang"] = other
    switch = path + "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in params.items())
    try:
        city, city_name = ctx.service.city_label, ctx.service.city
    except CityProfileError:  # an unknown ?stadt=: the error page says so, with the chooser
        city = city_name = ""
    html = (
        env()
        .get_template(template)
        .render(
            t=ctx.t,
            lang=ctx.lang,
            who=ctx.who,
            csrf=ctx.csrf,
            nav=nav,
            path=path,
            switch_url=switch,
            other_lang=other,
            city=city,
            city_name=city_name,
            cities=ctx.service.held_cities(),
            kinds=vocab_labels("akteursart", ctx.lang),
            fields=vocab_labels("handlungsfeld", ctx.lang),
            sectors=vocab_labels("sektor", ctx.lang),
            term=_term(ctx.lang),
            static=_static_version(),
            demo_login=getattr(ctx.service, "demo_login", False),
            **values,
        )
    )
    return finish(ctx, HTMLResponse(html, status_code=status))


def error_page(ctx: Ctx, status: int, message: str) -> HTMLResponse:
    """An error as a page (the API's errors stay JSON)."""
    title = ctx.t("site.not_found") if status == 404 else ctx.t("site.error")
    return render(ctx, "error.html", status=status, title=title, message=message)


def exception_page(request: Request, status: int, exc: BildungsnetzError | None, message: str | None) -> Response:
    """The page the service's one error handler shows a browser (see
    :func:`bildungsnetz.api.errors.install_error_handlers`): the error's status, its message in the page's
    language."""
    ctx = context(request, request.app.state.service)
    if exc is not None:
        text = exc.text(ctx.lang)
    elif message:
        text = message.partition(" / ")[2] if ctx.lang == "en" and " / " in message else message.partition(" / ")[0]
    else:
        text = ctx.t("site.not_found") if status == 404 else ctx.t("site.error")
    return error_page(ctx, status, text)


@cache
def _static_version() -> str:
    """A short hash of the static files, appended to their URLs so that browsers never keep stale copies."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    from bildungsnetz.report.colours import sector_css  # noqa: PLC0415 - farben.css is generated from it

    digest.update(sector_css().encode())
    return digest.hexdigest()[:10]
