from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rtcc.ingest.adapter import AdapterConfig


class SensorPosition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(..., ge=-90, le=90)
    lon: float = Field(..., ge=-180, le=180)
    elevation_m: float | None = None


class AcousticConfig(AdapterConfig):
    expected_every_s: float = Field(60.0, gt=0, description="Heartbeat interval of the sensors.")
    sensors: dict[str, SensorPosition] = Field(
        default_factory=dict,
        description="Surveyed sensor positions, used when a message does not carry its own.",
    )
