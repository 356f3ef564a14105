"""ibot, the assistant: reads plain-language requests into typed intents (no server imports)."""

from gatehouse.ibot.intents import Intent
from gatehouse.ibot.parser import parse

__all__ = ["Intent", "parse"]
