"""Gatehouse key package."""
