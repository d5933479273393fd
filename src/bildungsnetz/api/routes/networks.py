"""``/api/networks``: networks and committees; one network with its members."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from bildungsnetz.api.deps import ServiceDep
from bildungsnetz.api.errors import LIST_RESPONSES, ApiError
from bildungsnetz.api.formats import csv_response, wants_csv
from bildungsnetz.api.models import NetworkDetail, NetworkPage
from bildungsnetz.api.routes import DateQ, FormatQ, LimitQ, OffsetQ, paged, snake, today
from bildungsnetz.errors import BildungsnetzError

__all__ = ["router"]

router = APIRouter(prefix="/api/networks", tags=["Netzwerke / networks"], responses=LIST_RESPONSES)
_ITEM = {"network": "iri", "networkId": "id", "networkLabel": "label"}
_COLUMNS = ["id", "label", "kind", "area_label", "coordinator_label", "member_count", "iri"]


@router.get("", response_model=NetworkPage, summary="Netzwerke / networks")
def list_networks(
    request: Request,
    service: ServiceDep,
    netzwerkart: Annotated[str | None, Query(max_length=64, description="Art: Code oder Name")] = None,
    date: DateQ = None,
    limit: LimitQ = 100,
    offset: OffsetQ = 0,
    format: FormatQ = None,
) -> Any:
    """Networks active at ``date`` with area, coordinator and member count; with several cities in the store,
    only the chosen city's (``city``)."""
    values = {"netzwerkart": netzwerkart, "date": date, "gemeinde": service.city_area()}
    page = service.page("api/networks", values, limit=limit, offset=offset)
    return paged(request, page, [snake(r, _ITEM) for r in page.rows], columns=_COLUMNS, name="netzwerke")


@router.get("/{network_id}", response_model=NetworkDetail, summary="Ein Netzwerk / one network")
def get_network(
    request: Request,
    network_id: Annotated[str, Path(min_length=1, max_length=200, description="Kennung, z. B. BN-8")],
    service: ServiceDep,
    date: DateQ = None,
    format: FormatQ = None,
) -> Any:
    """One network and its members at ``date``."""
    try:
        rows = service.query("api/network", {"network": network_id}).rows
    except BildungsnetzError as exc:
        if getattr(exc, "http_status", 400) != 400:
            raise
        rows = []
    if not rows:
        shown = network_id if len(network_id) <= 60 else network_id[:60] + "…"
        raise ApiError(404, f'Netzwerk "{shown}" nicht gefunden / network not found')
    detail = snake(rows[0], {"networkId": "id", "networkLabel": "label"})
    detail["iri"] = str(service.iris.netzwerk(network_id)) if "://" not in network_id else network_id
    members = [snake(r) for r in service.query("network-members", {"network": network_id, "date": date}).rows]
    if wants_csv(request):
        columns = ["member_id", "member_label", "kind", "role", "since", "until", "member"]
        return csv_response(columns, members, filename="mitglieder")
    detail.update(members=members, member_count=len({m["member"] for m in members}), date=date or today())
    return detail
