"""Gatehouse workstation package."""
