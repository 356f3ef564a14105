"""Brokerage rules: instruments, orders, matching, ledger and margin."""
