"""The real-time WebSocket endpoints: ``/events`` (account events) and ``/ws`` (IBKR)."""
