from __future__ import annotations

from pydantic import Field

from rtcc.ingest.adapter import AdapterConfig


class NativeConfig(AdapterConfig):
    allowed_types: list[str] | None = Field(
        None, description="Event types this source may submit; any registered type when absent."
    )
