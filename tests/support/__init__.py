"""Shared test support: backends, a real HTTP server in the test's event loop, sign-in steps."""
