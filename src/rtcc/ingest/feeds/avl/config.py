from __future__ import annotations

from typing import Literal

from pydantic import Field

from rtcc.ingest.adapter import AdapterConfig


class AvlConfig(AdapterConfig):
    expected_every_s: float = Field(15.0, gt=0, description="Ping interval of the fleet's modems.")
    speed_unit: Literal["mps", "kmh", "mph"] = Field("kmh", description="Unit of the speed field.")
    unit_prefix: str = Field("", description="Prefix added to unit ids, to keep agencies' units apart.")
