"""Gatehouse adapters db package."""
