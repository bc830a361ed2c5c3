"""Gunshot location: from per-sensor pulses to located shots, incidents with round counts, and alerts.

The same grouping and solving serve the live engine and `rtcc gunshot locate` (offline, for evidence).
"""
