from __future__ import annotations

from pydantic import Field

from rtcc.ingest.adapter import AdapterConfig


class AlprConfig(AdapterConfig):
    expected_every_s: float = Field(120.0, gt=0, description="Readers on quiet streets may see few cars.")
    default_state: str | None = Field(None, description="State assumed when a read carries none.")
