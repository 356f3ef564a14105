"""Brokerage storage: accounts, lots, journal, orders, executions, transfers, statements."""
