"""MQTT transport for sensors: each source publishes to <prefix>/<source name>.

A message holds one item (a JSON object) or several (a JSON array). The broker's access rules decide who
may publish to a source's topic. Messages are received with QoS 1 and acknowledged to the broker only
after they are committed, so a crash before the commit makes the broker deliver them again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import aiomqtt
import orjson
import structlog

from rtcc.domain.entities import Source
from rtcc.domain.errors import FieldError
from rtcc.ingest.pipeline import IngestService, SourceContext, UnreadableItem, raw_text

log = structlog.get_logger(__name__)
TRANSPORT = "mqtt"


def decode_message(payload: bytes) -> list[Any]:
    """Items of one MQTT message; undecodable bytes become one unreadable item."""
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        return [UnreadableItem(payload.decode("utf-8", "replace"), f"not valid JSON: {exc}")]
    return doc if isinstance(doc, list) else [doc]


def _as_bytes(payload: Any) -> bytes:
    if isinstance(payload, bytes | bytearray):
        return bytes(payload)
    return str(payload).encode()


class MqttIngest:
    def __init__(
        self,
        ingest: IngestService,
        source_by_name: Callable[[str], Source | None],
        *,
        url: str,
        topic_prefix: str,
        client_id: str = "openrtcc-ingest",
        max_items: int = 5000,
        max_bytes: int = 8 * 1024 * 1024,
    ):
        parsed = urlparse(url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 1883
        self.username = parsed.username
        self.password = parsed.password
        self.prefix = topic_prefix.rstrip("/")
        self.client_id = client_id
        self.ingest = ingest
        self.source_by_name = source_by_name
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._contexts: dict[str, SourceContext] = {}
        self.connected = asyncio.Event()
        self.received = 0

    async def run(self) -> None:
        """Consume until cancelled, reconnecting with back-off when the broker goes away."""
        delay = 1.0
        while True:
            try:
                await self._consume()
            except aiomqtt.MqttError as exc:
                self.connected.clear()
                log.warning("mqtt_disconnected", error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _consume(self) -> None:
        async with aiomqtt.Client(
            self.host,
            self.port,
            username=self.username,
            password=self.password,
            identifier=self.client_id,
            clean_session=False,
        ) as client:
            paho: Any = getattr(client, "_client", None)
            manual_ack = paho is not None and hasattr(paho, "manual_ack_set")
            if manual_ack:
                paho.manual_ack_set(True)
            await client.subscribe(f"{self.prefix}/#", qos=1)
            self.connected.set()
            async for message in client.messages:
                self.received += 1
                await self.handle(str(message.topic), _as_bytes(message.payload))
                if manual_ack and message.qos > 0:
                    paho.ack(message.mid, message.qos)

    def _context(self, name: str) -> SourceContext | None:
        ctx = self._contexts.get(name)
        if ctx is None:
            source = self.source_by_name(name)
            if source is None or not source.enabled:
                return None
            ctx = self.ingest.context(source)
            self._contexts[name] = ctx
        return ctx

    async def handle(self, topic: str, payload: bytes) -> None:
        name = topic[len(self.prefix) + 1 :].split("/", 1)[0] if topic.startswith(self.prefix + "/") else ""
        ctx = await asyncio.to_thread(self._context, name)
        if ctx is None:
            await asyncio.to_thread(
                self.ingest.refuse,
                TRANSPORT,
                FieldError(field="topic", reason=f"no enabled source named {name!r} for topic {topic!r}"),
                raw_text(payload[:2000]),
            )
            return
        reason = None
        if len(payload) > self.max_bytes:
            reason = f"message of {len(payload)} bytes; at most {self.max_bytes}"
        else:
            items = decode_message(payload)
            if len(items) > self.max_items:
                reason = f"{len(items)} items; at most {self.max_items}"
        if reason is not None:
            await asyncio.to_thread(
                self.ingest.refuse,
                TRANSPORT,
                FieldError(field="(message)", reason=reason),
                raw_text(payload[:2000]),
                ctx.source.id,
            )
            return
        outcome = await self.ingest.submit(ctx, items, TRANSPORT)
        if outcome.rejected:
            log.info("mqtt_items_refused", source=name, refused=len(outcome.rejected))
