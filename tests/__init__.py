"""Gatehouse tests."""
