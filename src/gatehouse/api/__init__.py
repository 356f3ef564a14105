"""HTTP and WebSocket entry: app factory, the one error-to-HTTP mapping, routers."""
