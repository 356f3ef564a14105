"""Gatehouse gateway package."""
