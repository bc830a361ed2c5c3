"""Pure domain models and rules. Nothing here performs I/O or imports another layer."""
