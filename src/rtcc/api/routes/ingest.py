"""HTTP batch ingest for feeds, authenticated by each source's API key.

The body is a JSON array of items, an object {"items": [...]}, or JSON Lines (one item per line). The
answer lists how many were accepted, how many were duplicates, and each refused item's index and reasons.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request, status

from rtcc.api.deps import Ctx, client_ip
from rtcc.domain.errors import FieldError
from rtcc.ingest.pipeline import BatchOutcome, SourceContext, UnreadableItem

router = APIRouter(prefix="/api/v1/ingest", tags=["ingest"])

TRANSPORT = "http"


def api_key_of(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None once it passes the limit (without reading the rest into memory)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def parse_items(body: bytes, content_type: str) -> list[Any]:
    """Items from a JSON array, an {"items": [...]} object, or JSON Lines. Raises ValueError with a reason."""
    if "ndjson" in content_type or "jsonl" in content_type or "json-seq" in content_type:
        items: list[Any] = []
        for n, line in enumerate(body.splitlines(), start=1):
            if line.strip():
                try:
                    items.append(orjson.loads(line))
                except orjson.JSONDecodeError as exc:
                    # A bad line is one bad item: keep its text so it is refused on its own.
                    items.append(
                        UnreadableItem(line.decode("utf-8", "replace"), f"line {n}: not valid JSON: {exc}")
                    )
        return items
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"body is not valid JSON: {exc}") from None
    if isinstance(doc, dict) and isinstance(doc.get("items"), list):
        return list(doc["items"])
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        return [doc]
    raise ValueError("body must be a JSON array of items, an object with an items array, or JSON Lines")


async def _source(ctx: Ctx, request: Request, raw_preview: str) -> SourceContext:
    key = api_key_of(request)
    source = await asyncio.to_thread(ctx.accounts.source_for_key, key) if key else None
    if source is None:
        reason = "missing API key (send X-API-Key)" if not key else "unknown or disabled API key"
        await asyncio.to_thread(
            ctx.ingest.refuse,
            TRANSPORT,
            FieldError(field="X-API-Key", reason=reason),
            f"from {client_ip(request)}: {raw_preview}",
        )
        ctx.metrics.dead_letters.labels(TRANSPORT).inc()
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=reason)
    return ctx.ingest.context(source)


@router.post("", response_model=BatchOutcome)
async def ingest_batch(request: Request, ctx: Ctx) -> BatchOutcome:
    limit = ctx.settings.max_body_bytes
    body = await read_capped(request, limit)
    preview = (body or b"")[:2000].decode("utf-8", "replace")
    source_ctx = await _source(ctx, request, preview)
    source_id = source_ctx.source.id
    if body is None:
        reason = f"request body larger than {limit} bytes; split the batch"
        await asyncio.to_thread(
            ctx.ingest.refuse,
            TRANSPORT,
            FieldError(field="(body)", reason=reason),
            "(not kept: too large)",
            source_id,
        )
        ctx.metrics.dead_letters.labels(TRANSPORT).inc()
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=reason)
    try:
        items = parse_items(body, request.headers.get("content-type", ""))
    except ValueError as exc:
        await asyncio.to_thread(
            ctx.ingest.refuse, TRANSPORT, FieldError(field="(body)", reason=str(exc)), preview, source_id
        )
        ctx.metrics.dead_letters.labels(TRANSPORT).inc()
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from None
    if len(items) > ctx.settings.max_batch_items:
        reason = f"{len(items)} items in one batch; at most {ctx.settings.max_batch_items}"
        await asyncio.to_thread(
            ctx.ingest.refuse, TRANSPORT, FieldError(field="(body)", reason=reason), preview, source_id
        )
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=reason)
    started = time.perf_counter()
    outcome = await ctx.ingest.submit(source_ctx, items, TRANSPORT)
    ctx.metrics.ingest_seconds.labels(TRANSPORT).observe(time.perf_counter() - started)
    name = source_ctx.source.name
    ctx.metrics.ingest_items.labels(name, "accepted").inc(outcome.accepted)
    ctx.metrics.ingest_items.labels(name, "duplicate").inc(outcome.duplicates)
    if outcome.rejected:
        ctx.metrics.ingest_items.labels(name, "rejected").inc(len(outcome.rejected))
        ctx.metrics.dead_letters.labels(TRANSPORT).inc(len(outcome.rejected))
    return outcome
