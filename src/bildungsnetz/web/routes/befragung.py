"""The questionnaire of the network survey, opened through a personal link: no login, three short steps.

The link's token is the only key: it opens that one actor's questionnaire in that one round, and an unknown or
wrong token gets the same "not found" as an unknown page. Every form carries a secret bound to the link and to
the browser's CSRF cookie, so a page elsewhere cannot post answers. Requests per client are counted, failed
links more strictly, so links cannot be guessed by trying. The pages work without JavaScript; ``app.js`` only
adds the live search over the roster.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bildungsnetz.api.deps import ServiceDep, client_id
from bildungsnetz.api.ratelimit import survey_limits
from bildungsnetz.errors import BildungsnetzError, UsageError
from bildungsnetz.web.pages import Ctx, context, error_page, finish, render

__all__ = ["router", "STEPS"]

router = APIRouter(include_in_schema=False)

#: The questionnaire's steps in order: partners chosen, details per partner, the own institution.
STEPS = ("partner", "angaben", "einrichtung")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_MAX_OTHERS = 50
_FORM_LIMITS = {"max_files": 0, "max_fields": 5000, "max_part_size": 64 * 1024}


def _throttled(ctx: Ctx, wait: int) -> Response:
    response = error_page(ctx, 429, ctx.t("befragung.too_many"))
    response.headers["Retry-After"] = str(wait)
    return response


# -- the link and its form secret ---------------------------------------------------------------------------


def _form_secret(ctx: Ctx, token: str) -> str:
    """The hidden field of the questionnaire's forms: bound to this link and to the browser's CSRF cookie."""
    bound = hashlib.sha256(token.encode("utf-8")).hexdigest()
    return ctx.signer.csrf_token(f"{ctx.nonce}|befragung|{bound}")


def _form_ok(ctx: Ctx, token: str, secret: object) -> bool:
    return not ctx.new_nonce and isinstance(secret, str) and hmac.compare_digest(_form_secret(ctx, token), secret)


def _private(response: Response) -> Response:
    """A questionnaire is nobody else's: not cached on the way, not indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _open(ctx: Ctx, service, token: str):
    """The questionnaire of ``token``, or the refusal page (429 when throttled, the same 404 for every bad link)."""
    from bildungsnetz.errors import SurveyLinkError  # noqa: PLC0415
    from bildungsnetz.survey.answers import open_questionnaire  # noqa: PLC0415

    limits = survey_limits(service)
    client = client_id(ctx.request)
    wait = limits.admit(client)
    if wait is not None:
        return None, _throttled(ctx, wait)
    try:
        if _TOKEN.match(token):
            return open_questionnaire(service.store, service.iris, token), None
        raise SurveyLinkError()
    except SurveyLinkError:
        limits.failed(client)
        return None, _private(error_page(ctx, 404, ctx.t("befragung.not_found")))


# -- choices of the instrument --------------------------------------------------------------------------------


def _instrument(lang: str) -> dict[str, list[tuple[str, str]]]:
    """The instrument's scales as ``(value, label)`` pairs in ``lang``, in the order the form shows them."""
    from bildungsnetz.survey import model  # noqa: PLC0415

    i = 1 if lang == "en" else 0
    scales = {"frequency": model.FREQUENCY, "intensity": model.INTENSITY, "tie_kinds": model.TIE_KINDS,
              "agreement": model.AGREEMENT, "contributes": model.CONTRIBUTES}  # fmt: skip
    choices = {name: [(str(v), labels[i]) for v, labels in scale.items()] for name, scale in scales.items()}
    choices["trust_items"] = [(code, de_en[i]) for code, *de_en in model.TRUST_ITEMS]
    choices["value_items"] = [(code, de_en[i]) for code, *de_en in model.VALUE_ITEMS]
    return choices


# -- reading the forms ----------------------------------------------------------------------------------------


def _empty_answers():
    from bildungsnetz.survey.model import Answers  # noqa: PLC0415

    return Answers()


def _scale(form, field: str, allowed: Sequence[tuple[str, str]], what: tuple[str, str]) -> int | None:
    value = str(form.get(field) or "").strip()
    if not value:
        return None
    if value not in {v for v, _ in allowed}:
        raise UsageError(f"Ungültiger Wert für {what[0]}: {value[:20]!r} / invalid value for {what[1]}: {value[:20]!r}")
    return int(value)


def _text(form, field: str) -> str | None:
    value = " ".join(str(form.get(field) or "").split())
    return value or None


def _merged(step: str, form, answers, instrument: Mapping[str, Sequence[tuple[str, str]]]):
    """``answers`` with the fields of one step's form put in."""
    from dataclasses import replace  # noqa: PLC0415

    from bildungsnetz.survey.model import PartnerAnswer  # noqa: PLC0415

    if step == "partner":
        kept = {p.partner: p for p in answers.partners}
        chosen = list(dict.fromkeys(str(v) for v in form.getlist("partner")))
        partners = tuple(kept.get(iri) or PartnerAnswer(partner=iri) for iri in chosen)
        desired = tuple(dict.fromkeys(str(v) for v in form.getlist("desired")))
        return replace(answers, partners=partners, desired=desired)
    if step == "angaben":
        kinds = {v for v, _ in instrument["tie_kinds"]}
        partners = []
        for i, p in enumerate(answers.partners):
            if form.get(f"p{i}") != p.partner:  # a form from before the partners changed: keep what is stored
                partners.append(p)
                continue
            trust = tuple(_scale(form, f"p{i}_t{n}", instrument["agreement"], ("Vertrauen", "trust")) for n in range(3))
            value = tuple(_scale(form, f"p{i}_v{n}", instrument["agreement"], ("Wert", "value")) for n in range(3))
            chosen = tuple(k for k in dict.fromkeys(str(v) for v in form.getlist(f"p{i}_k")) if k in kinds)
            partners.append(replace(
                p,
                frequency=_scale(form, f"p{i}_h", instrument["frequency"], ("Häufigkeit", "frequency")),
                intensity=_scale(form, f"p{i}_i", instrument["intensity"], ("Intensität", "intensity")),
                kinds=chosen, trust=trust, value=value,
            ))  # fmt: skip
        return replace(answers, partners=tuple(partners))
    contributes = {v for v, _ in instrument["contributes"]}
    # nothing is cut short silently: a name over the library's limit is refused with its place named
    lines = [" ".join(line.split()) for line in str(form.get("others") or "").splitlines()]
    others = tuple(dict.fromkeys(line for line in lines if line))
    if len(others) > _MAX_OTHERS:
        raise UsageError(f"Höchstens {_MAX_OTHERS} weitere Partner / at most {_MAX_OTHERS} further partners")
    return replace(
        answers,
        others=others,
        contributes=tuple(c for c in dict.fromkeys(str(v) for v in form.getlist("contributes")) if c in contributes),
        consent=form.get("consent") == "ja",
        respondent_name=_text(form, "respondent_name"),
        respondent_mail=_text(form, "respondent_mail"),
    )


# -- the pages -------------------------------------------------------------------------------------------------


def _roster_groups(q, lang: str) -> tuple[list[dict], list[dict]]:
    """The roster without the actor itself: its own Stadtbezirk by kind, then the other Stadtbezirke by kind."""
    own, other = {}, {}
    for entry in sorted(q.roster, key=lambda e: (e.stadtbezirk_label or "", e.kind_label or "", e.label or "")):
        if entry.actor == q.actor.actor:
            continue
        if entry.stadtbezirk == q.actor.stadtbezirk:
            own.setdefault(entry.kind_label or entry.kind, []).append(entry)
        else:
            district = other.setdefault(entry.stadtbezirk_label or entry.stadtbezirk or "–", {})
            district.setdefault(entry.kind_label or entry.kind, []).append(entry)
    own_groups = [{"kind": kind, "entries": entries} for kind, entries in own.items()]
    other_groups = [
        {"district": district, "count": sum(len(e) for e in kinds.values()),
         "kinds": [{"kind": kind, "entries": entries} for kind, entries in kinds.items()]}
        for district, kinds in other.items()
    ]  # fmt: skip
    return own_groups, other_groups


def _page(ctx: Ctx, token: str, q, step: str, *, status: int = 200, message: dict | None = None,
          answers=None) -> Response:  # fmt: skip
    answers = answers or q.answers or _empty_answers()
    labels = {e.actor: e.label for e in q.roster}
    own, other = _roster_groups(q, ctx.lang)
    response = render(
        ctx, "befragung.html", status=status, q=q, step=step, steps=STEPS, answers=answers, labels=labels,
        chosen={p.partner for p in answers.partners}, desired=set(answers.desired), own=own, other=other,
        instrument=_instrument(ctx.lang), form_secret=_form_secret(ctx, token), base=f"/befragung/{token}",
        message=message,
    )  # fmt: skip
    return _private(response)


@router.get("/befragung/{token}")
def questionnaire(request: Request, token: str, service: ServiceDep) -> Response:
    """One actor's questionnaire: the step in ``?schritt=``, a confirmation after saving (``?gespeichert=``)."""
    ctx = context(request, service)
    q, refused = _open(ctx, service, token)
    if refused is not None:
        return refused
    step = request.query_params.get("schritt")
    step = step if step in (*STEPS, "fertig") else STEPS[0]
    saved = request.query_params.get("gespeichert")
    message = None
    if q.closed:
        message = {"kind": "note", "text": ctx.t("befragung.closed")}
    elif saved == "entwurf":
        message = {"kind": "ok", "text": ctx.t("befragung.draft_saved")}
    elif step == "fertig" and not q.draft and q.submitted is not None:
        message = {"kind": "ok", "text": ctx.t("befragung.thanks")}
    elif step == "fertig":
        step = STEPS[-1]
    return _page(ctx, token, q, step, message=message)


@router.post("/befragung/{token}")
async def questionnaire_save(request: Request, token: str, service: ServiceDep) -> Response:
    """Save one step's answers: as a draft, or for good (``aktion=absenden`` on the last step)."""
    from bildungsnetz.survey.answers import save_answers  # noqa: PLC0415

    ctx = context(request, service)
    q, refused = _open(ctx, service, token)
    if refused is not None:
        return refused
    form = await request.form(**_FORM_LIMITS)
    if not _form_ok(ctx, token, form.get("form")):
        return _private(error_page(ctx, 403, ctx.t("site.csrf")))
    step = str(form.get("schritt") or "")
    action = str(form.get("aktion") or "speichern")
    if step not in STEPS or action not in ("speichern", "weiter", "zurueck", "absenden"):
        return _private(error_page(ctx, 400, ctx.t("befragung.bad_form")))
    if q.closed:
        return _page(ctx, token, q, step, status=409, message={"kind": "error", "text": ctx.t("befragung.closed")})
    final = action == "absenden"
    answers = q.answers or _empty_answers()
    try:
        answers = _merged(step, form, answers, _instrument(ctx.lang))
        if final and not answers.consent:
            raise UsageError(ctx.t("befragung.consent_missing"))
        async with service.write_lock:
            await asyncio.to_thread(save_answers, service.store, service.iris, token, answers, final=final,
                                    agent=f"befragung:{q.actor.actor}")  # fmt: skip
            await service.after_write()
    except BildungsnetzError as exc:
        status = int(getattr(exc, "http_status", 400))
        text = exc.text(ctx.lang)
        return _page(ctx, token, q, step, status=status, answers=answers, message={"kind": "error", "text": text})
    index = STEPS.index(step)
    if final:
        target = f"/befragung/{token}?schritt=fertig"
    elif action == "weiter":
        target = f"/befragung/{token}?schritt={STEPS[min(index + 1, len(STEPS) - 1)]}"
    elif action == "zurueck":
        target = f"/befragung/{token}?schritt={STEPS[max(index - 1, 0)]}"
    else:
        target = f"/befragung/{token}?schritt={step}&gespeichert=entwurf"
    return _private(finish(ctx, RedirectResponse(target, status_code=303)))
