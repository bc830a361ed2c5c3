"""Event buses. The in-process bus is the default; a NATS JetStream bus implements the same interface."""

from rtcc.bus.memory import InProcessBus, topic_matches

__all__ = ["InProcessBus", "topic_matches"]
