"""Searching plate reads: by full or partial plate (wildcards), time window, area and reader; a plate's
movements in time order; and vehicles seen travelling with it."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, intersect, select

from rtcc.domain.geo import haversine_m
from rtcc.storage.db import Database
from rtcc.storage.tables import plate_reads, plate_trigrams, plate_vocab


@dataclass(frozen=True, slots=True)
class PlateRead:
    event_id: str
    agency_id: str
    plate: str
    state: str | None
    reader_id: str
    occurred_at: datetime
    lat: float | None
    lon: float | None
    image_ref: str | None


@dataclass(frozen=True, slots=True)
class Companion:
    plate: str
    readers: list[str]  # the target's readers it was also seen at, within the window
    sightings: int


def like_pattern(pattern: str) -> str:
    """A plate pattern with * (any run) and ? (one character) as a SQL LIKE pattern. Letters and digits
    only otherwise, so nothing in it can be a LIKE wildcard of its own."""
    out = []
    for ch in pattern.upper():
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch.isalnum():
            out.append(ch)
        elif ch in " -.":
            continue
        else:
            raise ValueError(f"pattern: {ch!r} is not allowed (letters, digits, * and ?)")
    if not any(c.isalnum() for c in out):
        raise ValueError("pattern: needs at least one letter or digit")
    return "".join(out)


def _read(r: Row[Any]) -> PlateRead:
    return PlateRead(
        r.event_id,
        r.agency_id,
        r.plate,
        r.state,
        r.reader_id,
        r.occurred_at,
        r.lat,
        r.lon,
        r.image_ref,
    )


def _literal_run(like: str) -> str:
    """The characters before the first wildcard of a LIKE pattern."""
    cut = [i for i in (like.find("%"), like.find("_")) if i >= 0]
    return like[: min(cut)] if cut else like


# A pattern with no literal start or end ("*7X9*") is first matched against the plate vocabulary (every
# plate read, once). When at most this many plates match, their reads are fetched by plate through the
# index; a pattern that matches more is common enough that walking the reads newest first finds the page
# of results soon.
VOCAB_MAX_PLATES = 2000


def _range(column: Any, start: str) -> list[ColumnElement[bool]]:
    upper = start[:-1] + chr(ord(start[-1]) + 1)
    return [column >= start, column < upper]


class PlateReads:
    def __init__(self, db: Database):
        self.db = db

    def search(
        self,
        agency_ids: Sequence[str],
        *,
        pattern: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        reader_id: str | None = None,
        near: tuple[float, float, float] | None = None,  # lat, lon, radius in metres
        limit: int = 1000,
    ) -> list[PlateRead]:
        where: list[ColumnElement[bool]] = [plate_reads.c.agency_id.in_(list(agency_ids))]
        ranged = False
        if pattern:
            like = like_pattern(pattern)
            if "%" not in like and "_" not in like:
                where.append(plate_reads.c.plate == like)
                ranged = True
            else:
                where.append(plate_reads.c.plate.like(like))
                # The literal start (or, failing that, the literal end read backwards) as a range, which an
                # index answers on both databases; SQLite's LIKE is case-blind and cannot use one itself.
                prefix = _literal_run(like)
                suffix = _literal_run(like[::-1])
                if prefix:
                    where += _range(plate_reads.c.plate, prefix)
                    ranged = True
                elif suffix:
                    where += _range(plate_reads.c.plate_rev, suffix)
                    ranged = True
                else:
                    plates = self._vocabulary_matches(like)
                    if plates is not None:
                        if not plates:
                            return []
                        where.append(plate_reads.c.plate.in_(plates))
                        ranged = True
        # With a plate range, the time bounds are checked on the rows the range finds rather than offered
        # to the planner, which would otherwise walk a month of reads by time.
        occurred = (
            func.coalesce(plate_reads.c.occurred_at, plate_reads.c.occurred_at)
            if ranged
            else plate_reads.c.occurred_at
        )
        if since is not None:
            where.append(occurred >= since)
        if until is not None:
            where.append(occurred < until)
        if reader_id:
            where.append(plate_reads.c.reader_id == reader_id)
        if near is not None:
            lat, lon, radius = near
            dlat = radius / 111_320.0
            dlon = radius / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
            where += [
                plate_reads.c.lat.between(lat - dlat, lat + dlat),
                plate_reads.c.lon.between(lon - dlon, lon + dlon),
            ]
        q = select(plate_reads).where(and_(*where)).order_by(plate_reads.c.occurred_at.desc()).limit(limit)
        with self.db.read() as conn:
            found = [_read(r) for r in conn.execute(q)]
        if near is not None:
            lat, lon, radius = near
            found = [
                r
                for r in found
                if r.lat is not None and r.lon is not None and haversine_m(lat, lon, r.lat, r.lon) <= radius
            ]
        return found

    def _vocabulary_matches(self, like: str) -> list[str] | None:
        """The plates ever read that match the pattern, or None when there are too many to list.

        The longest literal run of the pattern, when it has three characters or more, gives the candidates
        through the trigram index (plates holding all its trigrams); otherwise the vocabulary is scanned."""
        run = max(re.split(r"[%_]", like), key=len)
        q = select(plate_vocab.c.plate).where(plate_vocab.c.plate.like(like))
        if len(run) >= 3:
            pieces = list(dict.fromkeys(run[i : i + 3] for i in range(len(run) - 2)))
            holding = [select(plate_trigrams.c.plate).where(plate_trigrams.c.trigram == t) for t in pieces]
            q = q.where(plate_vocab.c.plate.in_(intersect(*holding) if len(holding) > 1 else holding[0]))
        with self.db.read() as conn:
            plates = [str(p) for p in conn.execute(q.limit(VOCAB_MAX_PLATES + 1)).scalars()]
        return plates if len(plates) <= VOCAB_MAX_PLATES else None

    def track(
        self,
        agency_ids: Sequence[str],
        plate: str,
        *,
        since: datetime | None,
        until: datetime | None,
        limit: int = 5000,
    ) -> list[PlateRead]:
        """A plate's reads across readers (and agencies sharing plate reads), oldest first."""
        reads = self.search(agency_ids, pattern=plate, since=since, until=until, limit=limit)
        return sorted(reads, key=lambda r: r.occurred_at)

    def companions(
        self,
        agency_ids: Sequence[str],
        plate: str,
        *,
        since: datetime | None,
        until: datetime | None,
        window: timedelta = timedelta(minutes=2),
        min_readers: int = 2,
    ) -> list[Companion]:
        """Vehicles read at two or more of the same readers as the target, each time within the window of
        the target's read there: vehicles travelling with it."""
        target = self.track(agency_ids, plate, since=since, until=until)
        seen: dict[str, set[str]] = defaultdict(set)
        count: dict[str, int] = defaultdict(int)
        with self.db.read() as conn:
            for t in target:
                rows = conn.execute(
                    select(plate_reads.c.plate).where(
                        plate_reads.c.reader_id == t.reader_id,
                        plate_reads.c.agency_id.in_(list(agency_ids)),
                        plate_reads.c.occurred_at >= t.occurred_at - window,
                        plate_reads.c.occurred_at <= t.occurred_at + window,
                        plate_reads.c.plate != t.plate,
                    )
                )
                for (other,) in rows:
                    seen[other].add(t.reader_id)
                    count[other] += 1
        out = [Companion(p, sorted(r), count[p]) for p, r in seen.items() if len(r) >= min_readers]
        out.sort(key=lambda c: (-len(c.readers), -c.sightings, c.plate))
        return out
