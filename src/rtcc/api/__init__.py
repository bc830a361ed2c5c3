"""The HTTP and WebSocket API. One router per resource; wiring happens in rtcc.app."""
