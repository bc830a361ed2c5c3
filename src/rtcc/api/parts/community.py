"""The community camera program: public registration, approval, footage requests.

What the routes share: the store, the mailer, the guard on the public registration form, and the folder
where owners' uploads are kept (with what recognises a video or image file by its first bytes)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import re
import threading
import time
import unicodedata
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtcc.config import Settings
from rtcc.storage.community import CommunityStore, FootageFile, FootageRequest, Registration, new_id
from rtcc.storage.db import Database
from rtcc.storage.mail import Mailer, MailNotSent, data_folder

if TYPE_CHECKING:
    from rtcc.api.context import AppContext

# Registrations accepted from one network address per hour, and form posts (valid or not) per ten minutes.
# Behind a reverse proxy every visitor shares the proxy's address: raise these there.
REGISTRATIONS_PER_ADDRESS_PER_HOUR = 5
POSTS_PER_ADDRESS_PER_10_MIN = 30
# Unconfirmed registrations for one email address per day: the form cannot be used to flood a mailbox.
UNCONFIRMED_PER_EMAIL_PER_DAY = 3
# How long the links sent by mail work.
CONFIRM_LINK_DAYS = 7
# How often registrations whose link expired unconfirmed are deleted.
PURGE_EVERY_S = 3600.0
FOOTAGE_LINK_DAYS = 30
# The largest file an owner may upload (one file; a request may have several).
MAX_UPLOAD_BYTES = 2 * 1024**3
# Files one request may receive: enough for a few cameras' clips and stills, not a place to store anything.
MAX_FILES_PER_REQUEST = 20
HASH_CHUNK = 1024 * 1024
# Enough of a file's beginning to recognise its type (an MPEG transport stream needs two 188-byte packets).
SNIFF_BYTES = 512
EXTENSIONS = {
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "video/x-matroska": ".mkv",
    "video/x-msvideo": ".avi",
    "video/mp2t": ".ts",
    "video/mpeg": ".mpg",
    "video/x-ms-asf": ".asf",
    "video/x-flv": ".flv",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/avif": ".avif",
}


class SlidingWindow:
    """At most ``limit`` events per key within ``window_s`` seconds (kept in memory: a restart forgets)."""

    def __init__(self, limit: int, window_s: float):
        self.limit = limit
        self.window_s = window_s
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, key: str, *, record: bool) -> float:
        """Seconds until ``key`` may act again (0: it may now; then the event is counted when ``record``)."""
        now = time.monotonic()
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return events[0] + self.window_s - now
            if record:
                events.append(now)
            if not events:
                del self._events[key]
            return 0.0

    def count(self, key: str) -> None:
        with self._lock:
            self._events[key].append(time.monotonic())


# Recognised by the file's first bytes, whatever name or type the sender gave it.
def sniff_media_type(head: bytes) -> str | None:
    """The media type of a video or still image file from its first bytes, or None if it is neither."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif"):
            return "image/avif" if brand == b"avif" else "image/heic"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if len(head) >= 8 and head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "video/quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return "video/mp2t"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "video/mpeg"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "video/x-ms-asf"
    if head.startswith(b"FLV\x01"):
        return "video/x-flv"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return None


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


SHARING_TERMS = {
    "registered": "Registered only: the agency knows the camera is there and may ask the owner about it.",
    "footage_on_request": "Footage on request: the agency may ask for recorded footage; the owner decides "
    "each time.",
    "live": "Live: the agency may also view the camera live (its stream address is set up with the agency).",
}
# Areas of the public participation counts: CELL_DEG of latitude (about 2.2 km) by as many kilometres of
# longitude, so no area is narrower than about 2 km at any latitude.
CELL_DEG = 0.02


@dataclass(frozen=True, slots=True)
class AreaTotals:
    south: float
    west: float
    north: float
    east: float
    business: int
    resident: int
    total: int


def _area_width(row: int) -> float:
    return CELL_DEG / max(math.cos(math.radians((row + 0.5) * CELL_DEG)), 0.05)


def areas_of(locations: list[tuple[float, float, str]]) -> list[AreaTotals]:
    """(lat, lon, kind) of cameras, counted by area: the areas' bounds and totals, nothing finer."""
    cells: dict[tuple[int, int], Counter[str]] = {}
    for lat, lon, kind in locations:
        row = math.floor(lat / CELL_DEG)
        cells.setdefault((row, math.floor(lon / _area_width(row))), Counter())[kind] += 1
    areas = []
    for (row, col), counts in sorted(cells.items()):
        width = _area_width(row)
        areas.append(
            AreaTotals(
                south=round(row * CELL_DEG, 5),
                west=round(col * width, 5),
                north=round((row + 1) * CELL_DEG, 5),
                east=round((col + 1) * width, 5),
                business=counts["business"],
                resident=counts["resident"],
                total=counts.total(),
            )
        )
    return areas


def describe(reg: Registration) -> str:
    """What was registered, as the owner reads it in mail."""
    where = reg.address or f"{reg.lat:.5f}, {reg.lon:.5f}"
    lines = [
        f"  Camera: {reg.label or reg.kind}",
        f"  Where: {where}",
        f"  Sharing: {SHARING_TERMS[reg.sharing]}",
    ]
    if reg.public_count:
        lines.append("  Counted on the public participation page (by area only).")
    return "\n".join(lines)


class UploadRefused(Exception):
    def __init__(self, status_code: int, reason: str):
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason


def clean_filename(name: str | None) -> str:
    """The sender's file name, kept for the record: no folders, no control characters, at most 200 long."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")
    return base.strip().lstrip(".")[:200] or "footage"


@dataclass
class CommunityPart:
    store: CommunityStore
    mailer: Mailer
    public_base_url: str
    # Owners' uploads: <folder>/<request id>/<file id>. Kept out of any served folder.
    footage_folder: Path
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    registrations_by_address: SlidingWindow = field(
        default_factory=lambda: SlidingWindow(REGISTRATIONS_PER_ADDRESS_PER_HOUR, 3600.0)
    )
    posts_by_address: SlidingWindow = field(
        default_factory=lambda: SlidingWindow(POSTS_PER_ADDRESS_PER_10_MIN, 600.0)
    )

    def link(self, path: str) -> str:
        return f"{self.public_base_url.rstrip('/')}{path}"

    # ---- mail to owners (blocking: call from a worker thread) --------------------------------------------
    def send_confirmation(self, reg: Registration, agency_name: str, token: str) -> None:
        """The confirmation link. Raises MailNotSent."""
        self.mailer.send(
            reg.email,
            "Confirm your camera registration",
            f"Hello {reg.contact_name},\n\n"
            f"Thank you for registering a {reg.kind} camera with {agency_name}'s community camera program.\n\n"
            f"To confirm it, open this link within {CONFIRM_LINK_DAYS} days:\n\n"
            f"  {self.link(f'/community/confirm/{token}')}\n\n"
            f"What you registered:\n{describe(reg)}\n\n"
            "If you did not register a camera, ignore this message: nothing happens without the link.\n",
        )

    def tell_owner_reviewed(self, reg: Registration) -> None:
        """The agency's decision. A mail failure does not undo it (the review is in the audit log)."""
        if reg.status == "approved":
            subject = "Your camera registration was approved"
            text = f"Your camera registration was approved. Thank you for taking part.\n\n{describe(reg)}\n"
        else:
            subject = "Your camera registration was not approved"
            text = f"Your camera registration was not approved.\n\nReason: {reg.review_note}\n"
        with contextlib.suppress(MailNotSent):
            self.mailer.send(reg.email, subject, f"Hello {reg.contact_name},\n\n{text}")

    def send_footage_request(
        self, reg: Registration, fr: FootageRequest, agency_name: str, token: str
    ) -> None:
        """The owner's private link to a footage request. Raises MailNotSent."""
        self.mailer.send(
            reg.email,
            "A request for footage from your camera",
            f"Hello {reg.contact_name},\n\n"
            f"{agency_name} asks for footage from your camera ({reg.label or reg.kind}), which you registered "
            "with the community camera program.\n\n"
            f"  From: {fr.window_start:%Y-%m-%d %H:%M} UTC\n  To:   {fr.window_end:%Y-%m-%d %H:%M} UTC\n"
            f"  Why:  {fr.reason}\n  Case: {fr.case_number}\n\n"
            "You decide whether to share it. To see the request, accept or decline it, and upload the footage, "
            f"open this private link within {FOOTAGE_LINK_DAYS} days (do not forward it):\n\n"
            f"  {self.link(f'/community/footage/{token}')}\n",
        )

    # ---- uploads ----------------------------------------------------------------------------------------
    def stored_path(self, file: FootageFile) -> Path:
        return self.footage_folder / file.stored_as

    async def receive(self, request_id: str, filename: str | None, body: AsyncIterator[bytes]) -> FootageFile:
        """Store an upload as it arrives, hashing it on the way; refuse it (and keep nothing) when it is too
        large or is not a video or image file."""
        file_id = new_id("file")
        folder = self.footage_folder / request_id
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        partial = folder / f"{file_id}.part"
        digest = hashlib.sha256()
        size = 0
        head = b""
        media_type: str | None = None
        out = await asyncio.to_thread(partial.open, "wb")
        try:
            async for chunk in body:
                size += len(chunk)
                if size > self.max_upload_bytes:
                    raise UploadRefused(413, f"the file is larger than {_size(self.max_upload_bytes)}")
                if media_type is None and len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                digest.update(chunk)
                await asyncio.to_thread(out.write, chunk)
            media_type = sniff_media_type(head)
            if size == 0:
                raise UploadRefused(422, "the file is empty")
            if media_type is None:
                raise UploadRefused(
                    415, "not a video or image file (MP4, MOV, WebM, MKV, AVI, MPEG, JPEG, PNG, GIF, WebP)"
                )
        except BaseException:
            out.close()
            partial.unlink(missing_ok=True)
            raise
        out.close()
        stored_as = f"{request_id}/{file_id}{EXTENSIONS[media_type]}"
        await asyncio.to_thread(partial.replace, self.footage_folder / stored_as)
        return FootageFile(
            id=file_id,
            request_id=request_id,
            filename=clean_filename(filename),
            stored_as=stored_as,
            content_type=media_type,
            size_bytes=size,
            sha256=digest.hexdigest(),
            received_at=datetime.now(UTC),
        )


def _size(n: int) -> str:
    return f"{n / 1024**3:g} GB" if n >= 1024**3 else f"{n / 1024**2:g} MB" if n >= 1024**2 else f"{n} bytes"


def build(settings: Settings, db: Database) -> CommunityPart:
    return CommunityPart(
        store=CommunityStore(db),
        mailer=Mailer.from_settings(settings),
        public_base_url=settings.public_url,
        footage_folder=data_folder(settings) / "community-footage",
    )


async def purge_unconfirmed(ctx: AppContext) -> int:
    """Forget registrations whose confirmation link expired unused, and note it in the audit log."""
    before = datetime.now(UTC) - timedelta(days=CONFIRM_LINK_DAYS)
    purged = await asyncio.to_thread(ctx.community.store.purge_unconfirmed, created_before=before)
    if purged:
        await asyncio.to_thread(
            ctx.audit.record,
            action="community.purge_unconfirmed",
            resource="community/registrations",
            outcome="success",
            detail={"registrations": purged, "created_before": before.isoformat()},
        )
    return purged


async def purge_unconfirmed_forever(ctx: AppContext) -> None:
    while True:
        await purge_unconfirmed(ctx)
        await asyncio.sleep(PURGE_EVERY_S)


def background(ctx: AppContext) -> list[Coroutine[Any, Any, None]]:
    return [purge_unconfirmed_forever(ctx)]
