"""The TWS socket API of the Gateway: IB Gateway's binary protocol (ib_async, ibapi)
translated to Gatehouse's REST API and event stream. Entry point: ``serve_tws``."""

from gatehouse.clients.gateway.tws.server import TwsServer, serve_tws

__all__ = ["TwsServer", "serve_tws"]
