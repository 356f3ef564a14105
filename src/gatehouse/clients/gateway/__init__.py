"""The Gateway: a headless process that signs in unattended with its device key and serves the
IBKR Client Portal Web API on the local machine (docs/gateway.md)."""
