"""Calls as CAD incidents: the whole record and timeline, the threat brief, notes, the nearest units by
driving time, EIDO exchange, bulletins to the units on a call, and response-time figures."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from rtcc.api.deps import Ctx, audit_action, require
from rtcc.domain.cad import CadIncident, CallNote, response_times
from rtcc.domain.eido import EidoError, from_eido, to_eido
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission
from rtcc.domain.threat import ThreatBrief
from rtcc.domain.vocab import Priority, UnitStatus
from rtcc.engines.routing import UnitPosition
from rtcc.storage.field import Bulletin

router = APIRouter(prefix="/api/v1", tags=["calls"])
LiveReader = Annotated[User, Depends(require(Permission.LIVE_READ))]
BriefReader = Annotated[User, Depends(require(Permission.BRIEF_READ))]
CallManager = Annotated[User, Depends(require(Permission.CALLS_MANAGE))]
Sender = Annotated[User, Depends(require(Permission.BULLETINS_SEND))]
Reporter = Annotated[User, Depends(require(Permission.REPORTS_READ))]

URGENT = (Priority.HIGHEST, Priority.HIGH)


async def _incident(ctx: Ctx, user: User, call_id: str) -> CadIncident:
    incident = await asyncio.to_thread(ctx.cad.get, user.agency_id, call_id)
    if incident is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no call {call_id!r}")
    return incident


async def brief_of(ctx: Ctx, user: User, request: Request, incident: CadIncident) -> ThreatBrief:
    """The brief, with an audit entry naming whose records it showed (every view of a brief is audited)."""
    brief = await asyncio.to_thread(
        ctx.briefs.brief_for,
        user.agency_id,
        lat=incident.lat,
        lon=incident.lon,
        address=incident.address,
        now=datetime.now(UTC),
        exclude_call=incident.call_id,
    )
    await audit_action(
        ctx,
        user,
        request,
        action="brief.view",
        resource=f"call {incident.call_id}",
        detail={
            "call_id": incident.call_id,
            "level": brief.level.value,
            "address_id": brief.address_id,
            "residents": [r.person.person_id for r in brief.residents],
            "associates": [a.person.person_id for a in brief.associates],
        },
    )
    return brief


@router.get("/calls/{call_id}", response_model=CadIncident)
async def get_call(call_id: str, ctx: Ctx, user: LiveReader) -> CadIncident:
    """The whole incident: lifecycle times, every unit with its stage times, disposition and notes."""
    return await _incident(ctx, user, call_id)


@router.get("/calls/{call_id}/brief", response_model=ThreatBrief)
async def get_brief(call_id: str, request: Request, ctx: Ctx, user: BriefReader) -> ThreatBrief:
    return await brief_of(ctx, user, request, await _incident(ctx, user, call_id))


class NoteIn(BaseModel):
    text: str = Field(..., min_length=1, max_length=4000)


@router.post("/calls/{call_id}/notes", response_model=CadIncident, status_code=status.HTTP_201_CREATED)
async def add_note(call_id: str, body: NoteIn, ctx: Ctx, user: CallManager) -> CadIncident:
    await _incident(ctx, user, call_id)
    note = CallNote(at=datetime.now(UTC), author=user.username, text=body.text)
    await asyncio.to_thread(ctx.cad.add_note, user.agency_id, call_id, note)
    return await _incident(ctx, user, call_id)


class NearestUnit(BaseModel):
    unit_id: str
    status: UnitStatus
    eta_s: float = Field(..., description="Driving time over the road network, seconds.")
    route_m: float
    straight_m: float


@router.get("/calls/{call_id}/units/nearest", response_model=list[NearestUnit])
async def nearest_units(
    call_id: str,
    ctx: Ctx,
    user: LiveReader,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    available_only: bool = True,
) -> list[NearestUnit]:
    """Units ranked by driving time to the call over the city's road graph, with their ETA."""
    incident = await _incident(ctx, user, call_id)
    if incident.lat is None or incident.lon is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="the call has no location to route to"
        )
    roads = await asyncio.to_thread(ctx.road_graph)
    if roads is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="no road network is loaded")
    units = await asyncio.to_thread(ctx.live.units, agency_id=user.agency_id)
    usable = {
        u.unit_id: u
        for u in units
        if u.lat is not None
        and u.lon is not None
        and u.status is not UnitStatus.OUT_OF_SERVICE
        and (not available_only or u.status is UnitStatus.AVAILABLE)
    }
    positions = [
        UnitPosition(u.unit_id, u.lat, u.lon)
        for u in usable.values()
        if u.lat is not None and u.lon is not None
    ]
    ranked = await asyncio.to_thread(
        roads.rank_units, incident.lat, incident.lon, positions, limit, incident.priority in URGENT
    )
    return [
        NearestUnit(
            unit_id=r.unit_id,
            status=usable[r.unit_id].status,
            eta_s=round(r.eta_s, 1),
            route_m=round(r.route_m, 1),
            straight_m=round(r.straight_m, 1),
        )
        for r in ranked
    ]


@router.get("/calls/{call_id}/eido")
async def export_eido(call_id: str, ctx: Ctx, user: LiveReader) -> dict[str, Any]:
    """The incident as a NENA EIDO document (NENA-STA-021), for another agency's CAD."""
    incident = await _incident(ctx, user, call_id)
    return to_eido(incident, issuing_element=f"openrtcc:{user.agency_id}", agency_name=user.agency_id)


class EidoImported(BaseModel):
    imported: list[str]


@router.post("/eido", response_model=EidoImported, status_code=status.HTTP_201_CREATED)
async def import_eido(doc: Annotated[dict[str, Any], Body()], ctx: Ctx, user: CallManager) -> EidoImported:
    """Take incidents from an EIDO document into this agency's calls. Every bad field is named."""
    try:
        incidents = from_eido(doc, agency_id=user.agency_id)
    except EidoError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[e.model_dump() for e in exc.errors]
        ) from exc
    await asyncio.to_thread(ctx.cad.save, incidents, "eido")
    return EidoImported(imported=[i.call_id for i in incidents])


# ---- bulletins -------------------------------------------------------------------------------------------


class BulletinIn(BaseModel):
    text: str = Field(..., min_length=1, max_length=4000)
    camera_id: str | None = Field(None, max_length=64, description="A camera whose snapshot goes with it.")
    snapshot_ref: str | None = Field(None, max_length=500)
    plate: str | None = Field(None, max_length=16)
    person_id: str | None = Field(None, max_length=64)
    units: list[str] | None = Field(None, description="Defaults to every unit on the call.")


class ReceiptOut(BaseModel):
    unit_id: str
    delivered_at: datetime | None
    delivered_to: str | None
    read_at: datetime | None
    read_by: str | None


class BulletinOut(BaseModel):
    id: str
    call_id: str
    sent_by: str
    sent_at: datetime
    text: str
    camera_id: str | None
    snapshot_ref: str | None
    plate: str | None
    person_id: str | None
    receipts: list[ReceiptOut]


def bulletin_out(b: Bulletin) -> BulletinOut:
    return BulletinOut(
        id=b.id,
        call_id=b.call_id,
        sent_by=b.sent_by,
        sent_at=b.sent_at,
        text=b.text,
        camera_id=b.camera_id,
        snapshot_ref=b.snapshot_ref,
        plate=b.plate,
        person_id=b.person_id,
        receipts=[ReceiptOut(**asdict(r)) for r in b.receipts],
    )


@router.post("/calls/{call_id}/bulletins", response_model=BulletinOut, status_code=status.HTTP_201_CREATED)
async def send_bulletin(call_id: str, body: BulletinIn, ctx: Ctx, user: Sender) -> BulletinOut:
    incident = await _incident(ctx, user, call_id)
    units = (
        body.units if body.units is not None else [u.unit_id for u in incident.units if u.cleared_at is None]
    )
    if not units:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="units: no units are on this call")
    bulletin = await asyncio.to_thread(
        ctx.field_store.send,
        agency_id=user.agency_id,
        call_id=call_id,
        sent_by=user.username,
        at=datetime.now(UTC),
        text=body.text,
        units=units,
        camera_id=body.camera_id,
        snapshot_ref=body.snapshot_ref,
        plate=body.plate,
        person_id=body.person_id,
    )
    if ctx.emit is not None:
        await ctx.emit(
            user.agency_id,
            [
                {
                    "id": bulletin.id,
                    "type": "call.bulletin",
                    "occurred_at": bulletin.sent_at.isoformat(),
                    "location": {"lat": incident.lat, "lon": incident.lon}
                    if incident.lat is not None
                    else None,
                    "payload": {
                        "bulletin_id": bulletin.id,
                        "call_id": call_id,
                        "units": units,
                        "text": body.text,
                    },
                }
            ],
        )
    return bulletin_out(bulletin)


@router.get("/calls/{call_id}/bulletins", response_model=list[BulletinOut])
async def list_bulletins(call_id: str, ctx: Ctx, user: LiveReader) -> list[BulletinOut]:
    """Bulletins sent on the call, each with its delivery and read receipts per unit."""
    await _incident(ctx, user, call_id)
    return [
        bulletin_out(b) for b in await asyncio.to_thread(ctx.field_store.for_call, user.agency_id, call_id)
    ]


# ---- response times ----------------------------------------------------------------------------------------


class IntervalOut(BaseModel):
    interval: str
    count: int
    median_s: float | None
    p90_s: float | None


class GroupOut(BaseModel):
    group: str
    calls: int
    intervals: list[IntervalOut]


@router.get("/reports/response-times", response_model=list[GroupOut])
async def response_time_report(
    ctx: Ctx,
    user: Reporter,
    by: Literal["priority", "type"] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[GroupOut]:
    """Received to dispatched, dispatched to on scene and received to on scene (first unit on scene):
    count, median and 90th percentile, in seconds."""
    times = await asyncio.to_thread(ctx.cad.call_times, user.agency_id, since=since, until=until, by=by)
    return [
        GroupOut(group=g.group, calls=g.calls, intervals=[IntervalOut(**asdict(i)) for i in g.intervals])
        for g in response_times(times)
    ]
