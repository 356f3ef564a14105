"""Async use cases: depend on the domain and on ports only."""
