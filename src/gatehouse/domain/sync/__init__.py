"""Sync: account events and the event log's resume rules."""
