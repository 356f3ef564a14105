"""Gatehouse adapters sms package."""
