"""A real shooting, from microphone audio to a location: the 2022-09-18 Chicago District 5 incident
(ShotSpotter research recordings, MIT licence). Impulses found in each sensor's recording, with the
sensors' own positions and GPS-derived times, go through the same grouping and location as live pulses."""

import math

from rtcc.domain.geo import haversine_m
from rtcc.engines.gunshot.association import AssociationConfig
from rtcc.engines.gunshot.locate import SensorPulse, locate
from rtcc.sensor import detect_impulses, read_wav
from tests.sensor.wavs import d5_files


def test_district5_is_located_from_audio_alone() -> None:
    pulses, temperatures, first_heard = [], [], None
    for path in d5_files():
        rec = read_wav(path)
        meta = rec.metadata
        assert meta.latitude is not None and meta.longitude is not None and meta.start_ns is not None
        if meta.temperature_c is not None:
            temperatures.append(meta.temperature_c)
        for k, imp in enumerate(detect_impulses(rec.samples, rec.sample_rate, start_ns=meta.start_ns)):
            assert imp.t_ns is not None
            pulses.append(
                SensorPulse(
                    f"{meta.sensor_id}-{k}",
                    meta.sensor_id,
                    imp.t_ns,
                    meta.latitude,
                    meta.longitude,
                    meta.elevation_m,
                )
            )
            if first_heard is None or imp.t_ns < first_heard[0]:
                first_heard = (imp.t_ns, meta.latitude, meta.longitude)
    assert first_heard is not None and temperatures
    # A four-sensor array: allow four to agree.
    shots, unexplained = locate(
        pulses, temperature_c=temperatures[0], config=AssociationConfig(min_sensors=4)
    )
    [shot] = shots
    assert shot.lat is not None and shot.lon is not None
    assert shot.sensor_count == 4 and shot.residual_rms_ms < 2.5
    assert "too_few_sensors" in shot.warnings  # four sensors locate a shot but cannot check themselves
    # Near the sensor that heard it first and loudest, as a shot in its block would be.
    assert haversine_m(shot.lat, shot.lon, first_heard[1], first_heard[2]) < 250
    assert shot.time.isoformat().startswith("2022-09-18T05:20:54")
    # the two later impulses are echoes of the same shot
    assert len(unexplained) == 0 and len(shot.extra_pulse_ids) == 2
    assert math.isfinite(shot.uncertainty["radius_90_m"])
