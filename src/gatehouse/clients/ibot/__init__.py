"""ibot, the assistant: reads plain-language requests into typed intents (no server imports)."""

from gatehouse.clients.ibot.intents import Intent
from gatehouse.clients.ibot.parser import parse

__all__ = ["Intent", "parse"]
