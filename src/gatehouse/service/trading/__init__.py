"""The brokerage core's use cases: accounts, orders, the matching engine, funding, portfolio."""
