"""Gatehouse sdk package."""
