"""The network survey over HTTP: rounds for role redaktion (create, list, status, close, invitations), a round's
ties, and the respondents' endpoints behind a personal link (open, save a draft, submit), rate-limited."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from bildungsnetz.api.deps import RedaktionDep, ServiceDep, client_id
from bildungsnetz.api.errors import ERROR_RESPONSES, ApiError
from bildungsnetz.api.ratelimit import survey_limits
from bildungsnetz.errors import SurveyLinkError
from bildungsnetz.survey import Answers, PartnerAnswer, open_questionnaire, save_answers
from bildungsnetz.survey.commands import round_dict, run_survey_command
from bildungsnetz.survey.mailmerge import invitation_link, public_base
from bildungsnetz.survey.rounds import get_round, invitations, list_rounds, status
from bildungsnetz.survey.ties import response_rates, ties

__all__ = ["router", "RoundIn", "AnswersIn"]

router = APIRouter(tags=["Befragung / survey"], responses=ERROR_RESPONSES)

NameP = Annotated[str, Path(max_length=40, description="Name der Befragungswelle, z. B. 2026")]
TokenP = Annotated[str, Path(max_length=100, description="Der Schlüssel aus dem persönlichen Link")]
ContactsQ = Annotated[bool, Query(description="mit Kontaktpersonen (nur Rolle intern) / with contact persons")]


def _limit(request: Request, service: Any) -> str:
    """Count a respondent's request against the budget the questionnaire pages share; the client's key."""
    client = client_id(request)
    wait = survey_limits(service).admit(client)
    if wait is not None:
        raise ApiError(429, "Zu viele Anfragen; bitte später noch einmal / too many requests; please try again "
                       "later", headers={"Retry-After": str(wait)})  # fmt: skip
    return client


async def _guarded(service: Any, client: str, call: Any, *args: Any, changed: bool = False, **kwargs: Any) -> Any:
    """Run ``call`` in a thread under the write lock (``changed``: the network changed, caches are renewed); a
    link that opens nothing counts as a failed try."""
    try:
        async with service.write_lock:
            result = await asyncio.to_thread(call, service.store, service.iris, *args, **kwargs)
            if changed:
                await service.after_write()
            return result
    except SurveyLinkError:
        survey_limits(service).failed(client)
        raise


# -- Rounds (role redaktion) ---------------------------------------------------------------------------------


class RoundIn(BaseModel):
    """A new round: name, title, Stichtag, end, scope (Stadtbezirke by code or name, kinds by code) or actors."""

    name: str = Field(max_length=40)
    title: str = Field("", max_length=200)
    stichtag: date | None = None
    closes: date | None = None
    stadtbezirke: list[str] = Field(default_factory=list, max_length=100)
    kinds: list[str] = Field(default_factory=list, max_length=50)
    actors: list[str] | None = Field(None, max_length=20_000)


def _base(request: Request, service: Any) -> str:
    """The public address links are made on: BILDUNGSNETZ_PUBLIC_URL, else the address this request came to."""
    return public_base(service.settings.public_url or str(request.base_url))


def _invitation(inv: Any, base: str) -> dict[str, Any]:
    row = dataclasses.asdict(inv) if dataclasses.is_dataclass(inv) else dict(inv)
    token = row.pop("token", None)
    if token:
        row["token"] = token
        row["link"] = invitation_link(base, token)
    if row.get("contact") is None:
        row.pop("contact", None)
    return row


async def _write(service, command: str, args: dict[str, Any]) -> dict[str, Any]:
    async with service.write_lock:
        result = await asyncio.to_thread(run_survey_command, service.store, service.iris, command, args)
        await service.after_write()
    return result


@router.get("/api/survey/rounds", summary="Befragungswellen / survey rounds")
def rounds(service: ServiceDep, who: RedaktionDep) -> list[dict[str, Any]]:
    """Every round, newest Stichtag first, with its overall response."""
    result = []
    for r in list_rounds(service.store, service.iris):
        rate = response_rates(service.store, service.iris, r.name).get("")
        result.append(round_dict(r) | {"invited": rate.invited if rate else 0,
                                       "answered": rate.answered if rate else 0})  # fmt: skip
    return result


@router.post("/api/survey/rounds", status_code=201, summary="Neue Befragungswelle / new survey round")
async def create(body: RoundIn, request: Request, service: ServiceDep, who: RedaktionDep) -> dict[str, Any]:
    """Create a round with its roster; the answer holds every personal link, shown only this once."""
    args = body.model_dump(mode="json") | {"agent": who.name, "city": service.city}
    base = _base(request, service)  # a wrong BILDUNGSNETZ_PUBLIC_URL stops here, before anything is written
    result = await _write(service, "survey-new", args)
    return {"round": result["round"], "invitations": [_invitation(i, base) for i in result["invitations"]]}


@router.get("/api/survey/rounds/{name}", summary="Rücklauf einer Welle / response of a round")
def round_status(name: NameP, service: ServiceDep, who: RedaktionDep) -> dict[str, Any]:
    """The round and its answer states per Stadtbezirk × kind (invited, opened, draft, answered, rate)."""
    found = get_round(service.store, service.iris, name)
    rows = [dataclasses.asdict(r) | {"rate": r.rate} for r in status(service.store, service.iris, found.name)]
    rate = response_rates(service.store, service.iris, found.name).get("")
    return {"round": round_dict(found), "status": rows, "invited": rate.invited if rate else 0,
            "answered": rate.answered if rate else 0, "rate": rate.rate if rate else 0.0}  # fmt: skip


@router.post("/api/survey/rounds/{name}/close", summary="Welle schließen / close a round")
async def close(name: NameP, service: ServiceDep, who: RedaktionDep) -> dict[str, Any]:
    """Close the round: answers are refused from now on (HTTP 409)."""
    return await _write(service, "survey-close", {"name": name, "agent": who.name})


@router.get("/api/survey/rounds/{name}/invitations", summary="Einladungsliste / invitations")
def invitation_list(
    name: NameP, service: ServiceDep, who: RedaktionDep, contacts: ContactsQ = False
) -> list[dict[str, Any]]:
    """The mail-merge list without links (only their hashes are stored); contact persons need role intern."""
    if contacts:
        who.require("intern")
    made = invitations(service.store, service.iris, name, with_contacts=contacts)
    return [_invitation(i, "") for i in made]


@router.post("/api/survey/rounds/{name}/invitations", summary="Neue Links / new links for everyone")
async def new_links(
    name: NameP, request: Request, service: ServiceDep, who: RedaktionDep, contacts: ContactsQ = False
) -> list[dict[str, Any]]:
    """A new personal link for every invited actor: **every earlier link of the round stops working**."""
    if contacts:
        who.require("intern")
    base = _base(request, service)
    result = await _write(service, "survey-invitations", {"name": name, "contacts": contacts})
    return [_invitation(i, base) for i in result["invitations"]]


@router.get("/api/survey/rounds/{name}/ties", summary="Beziehungen einer Welle / a round's ties")
def round_ties(
    name: NameP,
    service: ServiceDep,
    rule: Annotated[str, Query(alias="ties", pattern="^(alle|bestaetigt|dokumentiert)$")] = "alle",
) -> dict[str, Any]:
    """Ties with status (bestaetigt, einseitig, unbestaetigt), both sides' intensity and frequency, min, mean and
    gap, and the response rate of the round (ties are public, who answered what about trust is not)."""
    found = get_round(service.store, service.iris, name)
    rate = response_rates(service.store, service.iris, found.name).get("")
    items = [
        {"a": t.a, "b": t.b, "status": t.status, "intensity": list(t.intensity), "frequency": list(t.frequency),
         "intensity_min": t.intensity_min, "intensity_mean": t.intensity_mean, "intensity_gap": t.intensity_gap,
         "free_text": t.free_text}
        for t in ties(service.store, service.iris, found.name, rule)
    ]  # fmt: skip
    return {"round": found.name, "rule": rule, "response_rate": rate.rate if rate else 0.0, "items": items}


# -- The respondents (personal link, no login) --------------------------------------------------------------


class PartnerIn(BaseModel):
    """One chosen partner with the instrument's items (``null``: not answered)."""

    partner: str = Field(max_length=500)
    frequency: int | None = None
    intensity: int | None = None
    kinds: list[str] = Field(default_factory=list, max_length=20)
    trust: list[int | None] = Field(default_factory=lambda: [None, None, None], min_length=3, max_length=3)
    value: list[int | None] = Field(default_factory=lambda: [None, None, None], min_length=3, max_length=3)


class AnswersIn(BaseModel):
    """A questionnaire as sent by the browser or a client."""

    partners: list[PartnerIn] = Field(default_factory=list, max_length=500)
    desired: list[str] = Field(default_factory=list, max_length=500)
    others: list[str] = Field(default_factory=list, max_length=50)
    contributes: list[str] = Field(default_factory=list, max_length=20)
    consent: bool = False
    respondent_name: str | None = Field(None, max_length=200)
    respondent_mail: str | None = Field(None, max_length=200)

    def answers(self) -> Answers:
        return Answers(
            partners=tuple(PartnerAnswer(p.partner, p.frequency, p.intensity, tuple(p.kinds), tuple(p.trust),
                                         tuple(p.value)) for p in self.partners),  # type: ignore[arg-type]
            desired=tuple(self.desired), others=tuple(self.others), contributes=tuple(self.contributes),
            consent=self.consent, respondent_name=self.respondent_name, respondent_mail=self.respondent_mail,
        )  # fmt: skip


def _questionnaire(q) -> dict[str, Any]:
    # the personal link is the permission: no token needed, and the answer holds only this actor's own data
    return json.loads(json.dumps(dataclasses.asdict(q), default=str))


@router.get("/api/befragung/{token}", summary="Fragebogen öffnen / open the questionnaire")
async def open_link(token: TokenP, request: Request, service: ServiceDep) -> dict[str, Any]:
    """The questionnaire behind a personal link: the round, the own institution, the roster and what was saved.

    Unknown and replaced links get the same 404."""
    client = _limit(request, service)
    q = await _guarded(service, client, open_questionnaire, token)  # the first opening is recorded
    return _questionnaire(q)


async def _save(token: str, body: AnswersIn, request: Request, service, *, final: bool) -> dict[str, Any]:
    client = _limit(request, service)
    answers = body.answers()
    # a submitted answer changes the network; drafts do not
    q = await _guarded(service, client, save_answers, token, answers, final=final, changed=final)
    return _questionnaire(q)


@router.post("/api/befragung/{token}/draft", summary="Entwurf speichern / save a draft")
async def save_draft(token: TokenP, body: AnswersIn, request: Request, service: ServiceDep) -> dict[str, Any]:
    """Save the answers as a draft (not counted until submitted; after submission every save counts)."""
    return await _save(token, body, request, service, final=False)


@router.post("/api/befragung/{token}/submit", summary="Abschicken / submit")
async def submit(token: TokenP, body: AnswersIn, request: Request, service: ServiceDep) -> dict[str, Any]:
    """Submit the answers (consent required); they can be amended until the round closes (then HTTP 409)."""
    return await _save(token, body, request, service, final=True)

