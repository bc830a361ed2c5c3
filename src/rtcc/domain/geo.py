"""Locations: WGS84 latitude/longitude with an optional civic address (NENA PIDF-LO field names)."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

EARTH_RADIUS_M = 6_371_008.8


class CivicAddress(BaseModel):
    """A civic address using the PIDF-LO element names that NENA EIDO carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str | None = Field(None, description="Country code, e.g. US.")
    a1: str | None = Field(None, description="State or province (A1).")
    a3: str | None = Field(None, description="City (A3).")
    prd: str | None = Field(None, description="Leading street direction (PRD), e.g. N.")
    rd: str | None = Field(None, description="Street name (RD).")
    sts: str | None = Field(None, description="Street suffix (STS), e.g. AVE.")
    hno: str | None = Field(None, description="House number (HNO).")
    text: str | None = Field(None, description="The whole address or intersection as one line.")

    def one_line(self) -> str:
        if self.text:
            return self.text
        street = " ".join(p for p in (self.hno, self.prd, self.rd, self.sts) if p)
        return ", ".join(p for p in (street, self.a3, self.a1) if p)


class Location(BaseModel):
    """A point on the earth. Coordinates outside WGS84 ranges are refused by validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: float = Field(..., ge=-90.0, le=90.0, description="Latitude in decimal degrees (WGS84).")
    lon: float = Field(..., ge=-180.0, le=180.0, description="Longitude in decimal degrees (WGS84).")
    accuracy_m: float | None = Field(None, ge=0, description="Horizontal uncertainty in metres.")
    address: CivicAddress | None = Field(None, description="Civic address, when known.")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north in [0, 360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360.0) % 360.0


# A fixed grid of 0.002-degree cells (about 220 m north-south, 170 m east-west at 40 degrees latitude)
# indexes calls and addresses so that "within 150 m of here" reads a handful of cells through an ordinary
# B-tree index, the same on SQLite and PostgreSQL.
GRID_DEG = 0.002
_GRID_COLS = 200_000  # more than 360 / GRID_DEG


def grid_cell(lat: float, lon: float) -> int:
    row = math.floor((lat + 90.0) / GRID_DEG)
    col = math.floor((lon + 180.0) / GRID_DEG)
    return row * _GRID_COLS + col


# Metres per degree of latitude on the sphere haversine_m uses.
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0


def grid_cells_within(lat: float, lon: float, radius_m: float) -> list[int]:
    """Every cell that may hold a point within radius_m of (lat, lon) (with a 1% margin)."""
    dlat = radius_m * 1.01 / M_PER_DEG
    dlon = dlat / max(0.01, math.cos(math.radians(lat)))
    r0 = math.floor((lat - dlat + 90.0) / GRID_DEG)
    r1 = math.floor((lat + dlat + 90.0) / GRID_DEG)
    c0 = math.floor((lon - dlon + 180.0) / GRID_DEG)
    c1 = math.floor((lon + dlon + 180.0) / GRID_DEG)
    return [r * _GRID_COLS + c for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
