"""Gatehouse: one identity that opens every access point to a brokerage account."""

__version__ = "0.1.0"
