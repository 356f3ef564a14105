"""The outside world behind the ports: database, bus, mail, SMS, crypto, market data."""
