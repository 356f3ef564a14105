"""The `gatehouse` command: one module per command group; app.py assembles them."""
