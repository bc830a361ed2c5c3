"""OpenRTCC: an open Real-Time Crime Center hub."""

__version__ = "0.1.0"
