"""Benchmarks: each prints Gatehouse's figure, a baseline from the same run, and the ratio."""
