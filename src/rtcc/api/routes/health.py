"""Liveness, readiness and Prometheus metrics: public, for load balancers and monitoring."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from rtcc.api.deps import Ctx

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(ctx: Ctx) -> JSONResponse:
    def probe() -> None:
        with ctx.db.read() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await asyncio.to_thread(probe)
    except Exception as exc:
        return JSONResponse({"status": "not ready", "database": str(exc)}, status_code=503)
    return JSONResponse({"status": "ready", "database": "ok", "bus_subscribers": ctx.bus.subscriber_count})


@router.get("/metrics")
async def metrics(ctx: Ctx) -> Response:
    ctx.metrics.published.set(ctx.bus.published)
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
