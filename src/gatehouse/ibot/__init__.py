"""Gatehouse ibot package."""
