"""The community camera program: public pages and the agency's approvals."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["community"])
