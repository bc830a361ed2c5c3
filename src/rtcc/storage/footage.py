"""Exported clips and their chain of custody."""

from __future__ import annotations

from rtcc.storage.tables import metadata  # noqa: F401  (tables of this module are defined on it)
