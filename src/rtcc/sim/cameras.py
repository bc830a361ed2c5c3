"""Camera health: fixed cameras fail and recover; only the changes are reported.

A few cameras are already broken when the run starts (as in every real city) and stay down for hours.
Others drop out now and then, mostly for minutes: a network hiccup, a frozen encoder, a black image.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from rtcc.domain.vocab import CameraKind, HealthState
from rtcc.sim.assets import Camera
from rtcc.sim.context import SimContext
from rtcc.sim.core import HOUR, MINUTE, derive_rng

OUTAGES_PER_HOUR = 8.0  # at scale 1, across the fixed cameras
BROKEN_AT_START = 0.03
REASONS = (
    "unreachable",
    "unreachable",
    "frozen",
    "black image",
    "no video signal",
    "stream authentication failed",
)
MOBILE = (CameraKind.BODY_WORN, CameraKind.DASH, CameraKind.DRONE)


class CameraHealth:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.rng = derive_rng(ctx.seed, "cameras")
        self.fixed = [c for c in ctx.registry.cameras if c.kind not in MOBILE]
        self.down: dict[str, Camera] = {}
        if not ctx.emitter.enabled("cameras") or not self.fixed:
            return
        t0 = ctx.start_ns
        for cam in self.fixed:
            if self.rng.random() < BROKEN_AT_START:
                self._go_down(cam, t0, round(self.rng.uniform(2, 30) * HOUR))
        self.gap = HOUR / (OUTAGES_PER_HOUR * ctx.scale)
        ctx.scheduler.at(t0 + round(self.rng.expovariate(1.0) * self.gap), self._outage)

    def _outage(self, t_ns: int) -> None:
        self.ctx.scheduler.at(t_ns + round(self.rng.expovariate(1.0) * self.gap), self._outage)
        cam = self.rng.choice(self.fixed)
        if cam.id in self.down:
            return
        minutes = min(240.0, max(1.0, self.rng.lognormvariate(math.log(15.0), 0.9)))
        self._go_down(cam, t_ns, round(minutes * MINUTE))

    def _go_down(self, cam: Camera, t_ns: int, duration_ns: int) -> None:
        self.down[cam.id] = cam
        self._emit(cam, t_ns, HealthState.DOWN, self.rng.choice(REASONS))
        self.ctx.scheduler.at(t_ns + duration_ns, self._come_back(cam))

    def _come_back(self, cam: Camera) -> Callable[[int], None]:
        def up(t_ns: int) -> None:
            del self.down[cam.id]
            self._emit(cam, t_ns, HealthState.UP, "recovered")

        return up

    def _emit(self, cam: Camera, t_ns: int, status: HealthState, reason: str) -> None:
        self.ctx.emitter.emit(
            "cameras",
            "camera.status",
            t_ns,
            cam.lat,
            cam.lon,
            {"camera_id": cam.id, "status": status.value, "kind": cam.kind.value, "reason": reason},
        )
