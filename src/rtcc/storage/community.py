"""The community camera program's registrations, confirmations, approvals and footage requests."""

from __future__ import annotations

from rtcc.storage.tables import metadata  # noqa: F401  (tables of this module are defined on it)
