"""Gatehouse adapters mail package."""
