"""Gatehouse web package."""
