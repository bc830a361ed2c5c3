"""What a camera's pictures say about it (changing, frozen under sensor noise, black, covered), when the
monitor calls a camera down or back up, heartbeats, uptime over a window, and which status reports raise
an alert."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from PIL import Image

from rtcc.domain.entities import Camera
from rtcc.domain.events import Event
from rtcc.domain.vocab import CameraKind, HealthState
from rtcc.engines.camera_alerts import StatusChanges, alert_for
from rtcc.engines.camera_health import (
    CameraHealthMonitor,
    Condition,
    ProbeResult,
    blind,
    changed,
    condition_of,
    picture,
    spread_offset,
    uptime,
)
from tests.ingest.test_camera_probes import flat, jpeg, scene

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_sensor_noise_is_not_change_but_a_moving_car_is() -> None:
    still = [picture(scene(None)) for _ in range(3)]  # the same street, fresh noise each time
    assert not changed(still[0], still[1]) and not changed(still[1], still[2])
    assert changed(picture(scene(1)), picture(scene(2)))
    noisy = [picture(scene(None, noise=8.0)) for _ in range(2)]  # a grainy night picture
    assert not changed(noisy[0], noisy[1])


def test_a_clock_ticking_over_a_still_scene_and_the_lights_coming_on_are_change() -> None:
    still = scene(None, noise=0.0, seed=1)
    img = np.asarray(Image.open(io.BytesIO(still)).convert("L"), dtype=np.float32)
    clocked = img.copy()
    clocked[8:22, 250:258] = 255.0  # one digit of a burned-in clock turns over
    brighter = img + 12.0
    assert not changed(picture(still), picture(jpeg(img)))
    assert changed(picture(jpeg(img)), picture(jpeg(clocked)))
    assert changed(picture(jpeg(img)), picture(jpeg(brighter)))


def test_black_and_covered_pictures_are_told_apart_from_a_dim_scene() -> None:
    black, covered = blind(picture(flat(6.0))), blind(picture(flat(128.0)))
    assert black is not None and black[0] is Condition.BLACK
    assert covered is not None and covered[0] is Condition.COVERED
    assert blind(picture(scene(3))) is None
    assert blind(picture(flat(128.0, noise=0.0))) is not None


def camera(camera_id: str, url: str | None = "http://cam/snap.jpg") -> Camera:
    return Camera(
        id=camera_id,
        agency_id="cpd",
        name=camera_id,
        kind=CameraKind.TRAFFIC,
        lat=39.96,
        lon=-82.99,
        snapshot_url=url,
    )


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> datetime:
        return self.t


def monitor_for(
    shows: dict[str, list[ProbeResult]], cams: Sequence[Camera]
) -> tuple[CameraHealthMonitor, list]:
    emitted: list[dict[str, Any]] = []

    async def cameras() -> Sequence[Camera]:
        return cams

    async def probe(cam: Camera) -> ProbeResult:
        return shows[cam.id].pop(0)

    async def emit(agency_id: str, items: list[dict[str, Any]]) -> None:
        emitted.extend(items)

    return CameraHealthMonitor(cameras, probe, emit, every_s=60, now=Clock()), emitted


def image(data: bytes) -> ProbeResult:
    return ProbeResult(image=data)


def test_the_monitor_calls_each_kind_of_fault_and_a_recovery() -> None:
    rounds = 5
    shows = {
        "OK": [image(scene(i)) for i in range(rounds)],
        "FROZEN": [image(scene(None)) for _ in range(rounds)],
        "BLACK": [image(flat(5.0)) for _ in range(rounds)],
        "COVERED": [image(flat(140.0)) for _ in range(rounds)],
        "FLAKY": [ProbeResult(error="the camera answered HTTP 500"), *[image(scene(i)) for i in range(4)]],
        "DEAD": [ProbeResult(error="the camera answered HTTP 500")] * 2
        + [image(scene(i)) for i in range(rounds - 2)],
    }
    cams = [camera(c) for c in shows]
    monitor, emitted = monitor_for(shows, cams)
    per_round = []

    async def drive() -> None:  # one event loop for all rounds, as in the server
        for _ in range(rounds):
            await monitor.probe_round()
            per_round.append([(e["payload"]["camera_id"], e["payload"]["status"]) for e in emitted])
            emitted.clear()

    asyncio.run(drive())
    assert per_round[0] == []  # one bad probe is not an outage
    assert sorted(per_round[1]) == [("BLACK", "down"), ("COVERED", "down"), ("DEAD", "down")]
    assert per_round[2] == [("DEAD", "up")]
    assert per_round[3] == [("FROZEN", "down")]  # unchanged over four pictures
    assert per_round[4] == []
    watches = monitor.watches
    assert (watches["FROZEN"].condition, watches["BLACK"].condition, watches["COVERED"].condition) == (
        Condition.FROZEN,
        Condition.BLACK,
        Condition.COVERED,
    )
    assert watches["OK"].status is HealthState.UP and watches["FLAKY"].status is HealthState.UP


def test_a_status_event_carries_the_reason_and_the_place() -> None:
    shows = {"DEAD": [ProbeResult(error="could not reach the camera (ConnectError)")] * 2}
    monitor, emitted = monitor_for(shows, [camera("DEAD")])
    for _ in range(2):
        asyncio.run(monitor.probe_round())
    [event] = emitted
    assert event["type"] == "camera.status" and event["location"] == {"lat": 39.96, "lon": -82.99}
    assert event["payload"] == {
        "camera_id": "DEAD",
        "status": "down",
        "kind": "traffic",
        "reason": "unreachable: could not reach the camera (ConnectError)",
    }
    assert condition_of(HealthState.DOWN, event["payload"]["reason"]) is Condition.UNREACHABLE
    assert condition_of(HealthState.DOWN, "lens smashed") is Condition.REPORTED


def status_report(
    camera_id: str, status: str, at: datetime, seq: int = 1, *, prefix: str = "rec-", **extra: Any
) -> Event:
    return Event(
        seq=seq,
        id=f"{prefix}{seq}",
        type="camera.status",
        source_id="recorder",
        agency_id="cpd",
        occurred_at=at,
        received_at=at,
        payload={"camera_id": camera_id, "status": status, **extra},
    )


def test_a_camera_that_sends_heartbeats_is_down_when_it_goes_quiet() -> None:
    cams = [camera("BEAT", url=None), camera("ONCE", url=None)]
    monitor, emitted = monitor_for({}, cams)
    clock = monitor.now
    assert isinstance(clock, Clock)
    monitor.heard(status_report("BEAT", "up", T0, 1))
    monitor.heard(status_report("BEAT", "up", T0 + timedelta(seconds=60), 2))
    monitor.heard(status_report("ONCE", "up", T0, 3))  # reports only changes: not a heartbeat
    clock.t = T0 + timedelta(seconds=200)
    asyncio.run(monitor.probe_round())
    assert emitted == []
    clock.t = T0 + timedelta(seconds=300)  # 240 s since the last heartbeat, three intervals are 180 s
    asyncio.run(monitor.probe_round())
    [down] = emitted
    assert down["payload"]["camera_id"] == "BEAT" and down["payload"]["reason"].startswith("no heartbeat:")
    emitted.clear()
    monitor.heard(status_report("BEAT", "up", clock.t, 4))
    asyncio.run(monitor.probe_round())
    assert emitted == []  # its own report put it back up; nothing more to say
    assert monitor.watches["BEAT"].status is HealthState.UP


def test_uptime_counts_only_the_time_observed_in_the_window() -> None:
    day = timedelta(days=1)
    changes = [
        (T0 - 10 * day, HealthState.UP),
        (T0 - 3 * day, HealthState.DOWN),
        (T0 - day - timedelta(hours=6), HealthState.UP),
    ]
    assert uptime(changes, HealthState.UP, T0 - day, T0).percent == 100.0
    assert uptime(changes, HealthState.UP, T0 - 7 * day, T0).percent == round(100 * 126 / 168, 3)
    assert uptime(changes, HealthState.UP, T0 - 30 * day, T0).percent == round(100 * 198 / 240, 3)
    assert uptime([], HealthState.DOWN, T0 - day, T0).percent == 0.0
    assert uptime([(T0, HealthState.UP)], HealthState.UP, T0 - day, T0).percent is None


def test_only_changes_of_status_raise_alerts() -> None:
    changes = StatusChanges()
    reports = [
        status_report("C1", "up", T0, 1),  # first heard of while up: nothing to say
        status_report("C1", "up", T0 + timedelta(seconds=60), 2),  # a heartbeat
        status_report("C1", "down", T0 + timedelta(seconds=120), 3, reason="frozen: no change"),
        status_report("C1", "down", T0 + timedelta(seconds=180), 4, reason="unreachable: timeout"),
        status_report("C1", "up", T0 + timedelta(seconds=30), 5),  # late, older than what is known
        status_report("C1", "up", T0 + timedelta(seconds=240), 6),
        status_report("C2", "down", T0, 7),  # first heard of while down
    ]
    raised = [alert_for(e) for e in reports if changes.is_change(e)]
    assert [(a["payload"]["kind"], a["payload"]["detail"]["camera_id"]) for a in raised if a] == [
        ("camera.down", "C1"),
        ("camera.up", "C1"),
        ("camera.down", "C2"),
    ]


def test_probes_are_spread_over_the_interval() -> None:
    offsets = sorted(spread_offset(f"CAM-{i}") for i in range(1000))
    assert offsets[0] >= 0 and offsets[-1] < 1
    quarters = [sum(1 for o in offsets if q / 4 <= o < (q + 1) / 4) for q in range(4)]
    assert all(200 < n < 300 for n in quarters)
    assert spread_offset("CAM-1") == spread_offset("CAM-1")


def test_a_heartbeat_does_not_bring_back_a_camera_whose_picture_is_bad() -> None:
    changes = StatusChanges()
    monitor = "camhealth-"
    reports = [
        status_report("C1", "down", T0, 1, prefix=monitor, reason="black: the picture is dark"),
        status_report("C1", "up", T0 + timedelta(seconds=30), 2),  # the recorder: "I am alive"
        status_report("C1", "down", T0 + timedelta(seconds=60), 3, prefix=monitor, reason="black: dark"),
        status_report("C1", "up", T0 + timedelta(seconds=120), 4, prefix=monitor),  # a good picture
        status_report("C2", "down", T0, 5, prefix=monitor, reason="no heartbeat: nothing heard for 200 s"),
        status_report("C2", "up", T0 + timedelta(seconds=10), 6),  # it reports in again
    ]
    raised = [alert_for(e) for e in reports if changes.is_change(e)]
    assert [(a["payload"]["kind"], a["payload"]["detail"]["camera_id"]) for a in raised if a] == [
        ("camera.down", "C1"),
        ("camera.up", "C1"),
        ("camera.down", "C2"),
        ("camera.up", "C2"),
    ]
