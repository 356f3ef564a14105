"""Clients of the public API: they reach the server only over HTTP/WebSocket, through the SDK."""
