"""Drone docks, dispatch, telemetry and flight logs."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["drones"])
