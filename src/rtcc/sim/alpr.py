"""Plate reads at the fixed readers, following the daily rhythm of traffic.

Most reads are of ordinary cars from a skewed pool (regulars pass the same readers day after day). About
one in a hundred is a hotlisted car; the reader misreads those, like any other plate, some of the time,
which is the case an ALPR engine must handle without sending officers after the wrong car.
"""

from __future__ import annotations

from collections.abc import Callable

from rtcc.sim.assets import AlprReader
from rtcc.sim.context import SimContext
from rtcc.sim.core import MINUTE, derive_rng, hourly_profile, local_hour
from rtcc.sim.plates import Vehicle, VehiclePool, misread, random_state
from rtcc.sim.truth import TruePlateRead

READS_PER_READER_MINUTE = 2.5
HOTLIST_SHARE = 0.01
MISREAD_SHARE = 0.04
HOTLIST_MISREAD_SHARE = 0.3
# Relative traffic by local hour: morning and evening peaks, quiet small hours.
TRAFFIC_PROFILE = (
    0.30,
    0.20,
    0.15,
    0.12,
    0.15,
    0.30,
    0.70,
    1.30,
    1.50,
    1.20,
    1.00,
    1.05,
    1.15,
    1.15,
    1.20,
    1.35,
    1.55,
    1.60,
    1.35,
    1.05,
    0.85,
    0.70,
    0.55,
    0.40,
)
TRAFFIC_MEAN = sum(TRAFFIC_PROFILE) / len(TRAFFIC_PROFILE)


class PlateReads:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.rng = derive_rng(ctx.seed, "alpr")
        self.pool = VehiclePool(ctx.seed, round(20_000 * ctx.scale))
        hotlist = ctx.registry.hotlist
        # Most hotlisted cars are out driving in the city; the rest never pass a reader.
        self.hot = [
            Vehicle(h.plate, h.state, h.vehicle_make, h.vehicle_colour)
            for h in hotlist
            if self.rng.random() < 0.8
        ] or [Vehicle(h.plate, h.state, h.vehicle_make, h.vehicle_colour) for h in hotlist]
        self.reads = 0
        if not ctx.emitter.enabled("alpr"):
            return
        for reader in ctx.registry.readers:
            busy = self.rng.uniform(0.5, 1.5)  # some readers sit on busier roads
            ctx.scheduler.at(ctx.start_ns + self._gap(ctx.start_ns, busy), self._reader(reader, busy))

    def _gap(self, t_ns: int, busy: float) -> int:
        rate = (
            READS_PER_READER_MINUTE * busy * hourly_profile(TRAFFIC_PROFILE, local_hour(t_ns)) / TRAFFIC_MEAN
        )
        return max(1, round(self.rng.expovariate(rate) * MINUTE))

    def _reader(self, reader: AlprReader, busy: float) -> Callable[[int], None]:
        def read(t_ns: int) -> None:
            self.ctx.scheduler.at(t_ns + self._gap(t_ns, busy), read)
            self._read(reader, t_ns)

        return read

    def _read(self, reader: AlprReader, t_ns: int) -> None:
        rng = self.rng
        hotlisted = bool(self.hot) and rng.random() < HOTLIST_SHARE
        vehicle = rng.choice(self.hot) if hotlisted else self.pool.draw(rng)
        plate = vehicle.plate
        if rng.random() < (HOTLIST_MISREAD_SHARE if hotlisted else MISREAD_SHARE):
            plate = misread(plate, rng)
            confidence = rng.uniform(45.0, 85.0)
        else:
            confidence = min(99.9, rng.triangular(78.0, 99.9, 95.0))
        roll = rng.random()
        state: str | None = vehicle.state if roll < 0.93 else (None if roll < 0.98 else random_state(rng))
        self.reads += 1
        event_id = self.ctx.emitter.emit(
            "alpr",
            "alpr.read",
            t_ns,
            reader.lat,
            reader.lon,
            {
                "reader_id": reader.id,
                "plate": plate,
                "state": state,
                "confidence": round(confidence, 1),
                "direction": reader.direction,
                "image_ref": f"alpr/{reader.id}/{self.reads:08d}.jpg",
                "vehicle_make": vehicle.make,
                "vehicle_colour": vehicle.colour,
            },
        )
        if event_id is not None and (hotlisted or plate != vehicle.plate):
            self.ctx.truth.plate_reads.append(
                TruePlateRead(event_id, reader.id, vehicle.plate, vehicle.state, plate, hotlisted)
            )
