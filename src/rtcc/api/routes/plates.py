"""License plates: hotlists (entries by hand, files on a schedule), plate search, a plate's movements,
vehicles travelling with it, and the checks made before acting on a hit.

Every search of plate reads states a purpose and a case number and is audited with its terms (California
SB 34); results hold only the user's agency's reads and those another agency shares with it.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import AwareDatetime, BaseModel, Field

from rtcc.api.deps import Ctx, audit_action, note_shared_access, require, require_stated_purpose
from rtcc.domain.alpr import CheckItem, CheckResult, HotlistRecord, normalise_plate
from rtcc.domain.entities import User
from rtcc.domain.roles import Permission
from rtcc.domain.sharing import SharingKind

router = APIRouter(prefix="/api/v1", tags=["plates"])
PlateReader = Annotated[User, Depends(require(Permission.ALPR_READ))]
HotlistManager = Annotated[User, Depends(require(Permission.HOTLISTS_MANAGE))]
Resolver = Annotated[User, Depends(require(Permission.ALERTS_RESOLVE))]


class EntryOut(BaseModel):
    entry_id: str
    agency_id: str
    plate: str
    state: str | None
    reason: str
    source: str
    entered: datetime
    expires: datetime | None
    added_by: str
    list_name: str
    removed_at: datetime | None


class EntryIn(BaseModel):
    plate: str = Field(..., min_length=1, max_length=16)
    state: str | None = Field(None, max_length=8)
    reason: str = Field(..., min_length=1, max_length=300)
    source: str = Field("agency BOLO", min_length=1, max_length=100)
    expires: AwareDatetime | None = Field(None, description="When the entry stops matching.")


@router.get("/hotlists", response_model=list[EntryOut])
async def list_entries(
    ctx: Ctx, user: PlateReader, plate: str | None = None, include_removed: bool = False
) -> list[EntryOut]:
    wanted = normalise_plate(plate) if plate else None
    rows = await asyncio.to_thread(
        ctx.hotlists.entries, user.agency_id, plate=wanted, include_removed=include_removed
    )
    return [EntryOut(**{k: v for k, v in asdict(r).items() if k != "updated_at"}) for r in rows]


@router.post("/hotlists", response_model=EntryOut, status_code=status.HTTP_201_CREATED)
async def add_entry(body: EntryIn, request: Request, ctx: Ctx, user: HotlistManager) -> EntryOut:
    """Enter a plate by hand (a BOLO); it matches the next read."""
    now = datetime.now(UTC)
    try:
        record = HotlistRecord(
            entry_id="m-" + secrets.token_hex(6),
            plate=body.plate,
            state=body.state,
            reason=body.reason,
            source=body.source,
            entered=now,
            expires=body.expires,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"plate: {exc}") from exc
    if record.expires is not None and record.expires <= now:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="expires: already past")
    await asyncio.to_thread(
        ctx.hotlists.upsert, user.agency_id, [record], added_by=user.username, list_name="manual", at=now
    )
    await audit_action(
        ctx,
        user,
        request,
        action="hotlist.add",
        resource=f"hotlist {record.entry_id}",
        detail={"plate": record.plate, "reason": record.reason, "source": record.source},
    )
    stored = await asyncio.to_thread(ctx.hotlists.get, user.agency_id, record.entry_id)
    assert stored is not None
    return EntryOut(**{k: v for k, v in asdict(stored).items() if k != "updated_at"})


@router.delete("/hotlists/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_entry(entry_id: str, request: Request, ctx: Ctx, user: HotlistManager) -> None:
    if not await asyncio.to_thread(ctx.hotlists.remove, user.agency_id, entry_id, datetime.now(UTC)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no active hotlist entry {entry_id!r}")
    await audit_action(ctx, user, request, action="hotlist.remove", resource=f"hotlist {entry_id}")


class HotlistFileIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    path: str = Field(..., min_length=1, max_length=1000, description="A CSV file on the server.")
    every_minutes: int = Field(60, ge=1, le=10_080)


@router.post("/hotlists/files", status_code=status.HTTP_204_NO_CONTENT)
async def register_file(body: HotlistFileIn, request: Request, ctx: Ctx, user: HotlistManager) -> None:
    """A hotlist file refreshed on a schedule: each load makes the file's entries the list."""
    await asyncio.to_thread(
        ctx.hotlists.register_file, user.agency_id, body.name, body.path, body.every_minutes
    )
    await audit_action(
        ctx,
        user,
        request,
        action="hotlist.file",
        resource=f"hotlist file {body.name}",
        detail={"path": body.path, "every_minutes": body.every_minutes},
    )


class ReadOut(BaseModel):
    event_id: str
    agency_id: str
    plate: str
    state: str | None
    reader_id: str
    occurred_at: datetime
    lat: float | None
    lon: float | None
    image_ref: str | None


@router.get("/plates/search", response_model=list[ReadOut])
async def search_reads(
    request: Request,
    ctx: Ctx,
    user: PlateReader,
    plate: Annotated[
        str, Query(min_length=1, max_length=20, description="Full or partial: * any run, ? one.")
    ],
    since: datetime | None = None,
    until: datetime | None = None,
    reader_id: str | None = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[float, Query(gt=0, le=50_000)] = 500.0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[ReadOut]:
    require_stated_purpose(request, "search plate reads")
    agencies = await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, SharingKind.PLATES)
    near = (lat, lon, radius_m) if lat is not None and lon is not None else None
    try:
        found = await asyncio.to_thread(
            ctx.plate_reads.search,
            agencies,
            pattern=plate,
            since=since,
            until=until,
            reader_id=reader_id,
            near=near,
            limit=limit,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    await note_shared_access(ctx, user, request, (r.agency_id for r in found), "plate reads")
    return [ReadOut(**asdict(r)) for r in found]


def _plate(plate: str) -> str:
    normal = normalise_plate(plate)
    if normal is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"plate: {plate!r} is not a usable plate"
        )
    return normal


@router.get("/plates/{plate}/track", response_model=list[ReadOut])
async def track(
    plate: str,
    request: Request,
    ctx: Ctx,
    user: PlateReader,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ReadOut]:
    """A plate's movements across readers and agencies, in time order, for the map."""
    require_stated_purpose(request, "track a plate")
    agencies = await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, SharingKind.PLATES)
    found = await asyncio.to_thread(ctx.plate_reads.track, agencies, _plate(plate), since=since, until=until)
    await note_shared_access(ctx, user, request, (r.agency_id for r in found), "plate reads")
    return [ReadOut(**asdict(r)) for r in found]


class CompanionOut(BaseModel):
    plate: str
    readers: list[str]
    sightings: int


@router.get("/plates/{plate}/companions", response_model=list[CompanionOut])
async def companions(
    plate: str,
    request: Request,
    ctx: Ctx,
    user: PlateReader,
    since: datetime | None = None,
    until: datetime | None = None,
    window_s: Annotated[int, Query(ge=5, le=3600)] = 120,
    min_readers: Annotated[int, Query(ge=2, le=50)] = 2,
) -> list[CompanionOut]:
    """Vehicles seen with the target: at two or more of the same readers, each within the window."""
    require_stated_purpose(request, "search vehicles travelling with a plate")
    agencies = await asyncio.to_thread(ctx.sharing.visible_agencies, user.agency_id, SharingKind.PLATES)
    found = await asyncio.to_thread(
        ctx.plate_reads.companions,
        agencies,
        _plate(plate),
        since=since,
        until=until,
        window=timedelta(seconds=window_s),
        min_readers=min_readers,
    )
    return [CompanionOut(plate=c.plate, readers=c.readers, sightings=c.sightings) for c in found]


class CheckIn(BaseModel):
    item: CheckItem
    result: CheckResult
    note: str | None = Field(None, max_length=500)


class CheckOut(BaseModel):
    item: str
    result: str
    note: str | None
    by: str
    at: datetime


@router.post("/alerts/{alert_id}/checks", response_model=list[CheckOut], status_code=status.HTTP_201_CREATED)
async def record_check(alert_id: str, body: CheckIn, ctx: Ctx, user: Resolver) -> list[CheckOut]:
    """Record one thing confirmed (or found not to match) before acting on a hit: who, what, when."""
    alert = await asyncio.to_thread(ctx.live.alert, alert_id)
    if alert is None or alert.agency_id != user.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no alert {alert_id!r}")
    if alert.kind != "alpr.hit":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="checks are for plate hits")
    await asyncio.to_thread(
        ctx.alert_checks.record,
        alert_id,
        body.item.value,
        body.result.value,
        body.note,
        user.username,
        datetime.now(UTC),
    )
    return await list_checks(alert_id, ctx, user)


@router.get("/alerts/{alert_id}/checks", response_model=list[CheckOut])
async def list_checks(alert_id: str, ctx: Ctx, user: Resolver) -> list[CheckOut]:
    alert = await asyncio.to_thread(ctx.live.alert, alert_id)
    if alert is None or alert.agency_id != user.agency_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no alert {alert_id!r}")
    rows = await asyncio.to_thread(ctx.alert_checks.for_alert, alert_id)
    return [CheckOut(item=r.item, result=r.result, note=r.note, by=r.by, at=r.at) for r in rows]
