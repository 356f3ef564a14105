"""Gatehouse adapters marketdata package."""
