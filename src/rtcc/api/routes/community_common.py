"""What the community program's public and agency routes share: refusals in the shape of the app's other
validation errors, and optional text as people type it."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError


def refuse(field: str, reason: str) -> RequestValidationError:
    """A 422 naming the field, in the same shape as the app's other validation errors."""
    return RequestValidationError([{"loc": ("body", field), "msg": reason, "type": "value_error"}])


def optional_text(value: str | None) -> str | None:
    """Stripped text, or None when nothing is left."""
    value = (value or "").strip()
    return value or None
