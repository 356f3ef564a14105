"""Gatehouse adapters bus package."""
