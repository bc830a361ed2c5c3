"""OpenID Connect single sign-on."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["oidc"])
