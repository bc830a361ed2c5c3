"""The sensor side of gunshot location: find impulses in a microphone's audio and time them.

    from rtcc.sensor import listen_file
    result = listen_file("sensor.wav")           # WAV with the sensor's smj0 metadata chunk
    for pulse in result.pulses:                   # messages for the acoustic feed
        publish(pulse)

Depends only on the standard library, numpy, scipy and ``rtcc.domain``; publishing (HTTP, MQTT) is the
command line's job (``rtcc sensor listen``).
"""

from rtcc.sensor.impulses import DetectorConfig, Impulse, ImpulseDetector, detect_impulses, detect_stream
from rtcc.sensor.listen import FileResult, MissingStartTime, listen_file, listen_stream, pulse_message
from rtcc.sensor.wav import (
    SensorMetadata,
    WavError,
    WavRecording,
    WavStream,
    gps_to_utc_ns,
    open_wav_stream,
    parse_time_ns,
    parse_wav,
    read_wav,
)

__all__ = [
    "DetectorConfig",
    "FileResult",
    "Impulse",
    "ImpulseDetector",
    "MissingStartTime",
    "SensorMetadata",
    "WavError",
    "WavRecording",
    "WavStream",
    "detect_impulses",
    "detect_stream",
    "gps_to_utc_ns",
    "listen_file",
    "listen_stream",
    "open_wav_stream",
    "parse_time_ns",
    "parse_wav",
    "pulse_message",
    "read_wav",
]
