"""Error values that name the field at fault and the reason, for every transport alike."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str = Field(..., description="Dotted path of the field at fault, e.g. location.lat.")
    reason: str = Field(..., description="Why it was refused, in plain words.")


class ItemRejected(BaseModel):
    """One refused item of a batch."""

    index: int = Field(..., description="Position of the item in the submitted batch (0-based).")
    errors: list[FieldError]


class FeedParseError(Exception):
    """Raised by a feed adapter's parser when an item cannot become events."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))

    @classmethod
    def one(cls, field: str, reason: str) -> FeedParseError:
        return cls([FieldError(field=field, reason=reason)])
