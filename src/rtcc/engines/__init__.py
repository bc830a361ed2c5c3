"""Engines take events (and repositories through ports) and emit events. No HTTP, no SQL here."""
