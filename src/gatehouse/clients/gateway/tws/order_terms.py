"""A placeOrder's fields as Gatehouse order terms: MKT, LMT, STP, STP LMT, TRAIL and TRAIL
LIMIT (auxPrice or trailingPercent the trail, trailStopPrice the starting stop,
lmtPriceOffset the limit's distance from it), OCA groups, outsideRth; or why not."""

from __future__ import annotations

from typing import Any

from gatehouse.clients.gateway.tws.requests import Request

ORDER_TYPES_IN = {
    "MKT": "MKT",
    "LMT": "LMT",
    "STP": "STP",
    "STP LMT": "STP_LIMIT",
    "TRAIL": "TRAIL",
    "TRAIL LIMIT": "TRAILLMT",
}
TIFS = {"DAY", "GTC", "IOC"}
OCA_TYPES = {0, 1}  # 1: cancel the others (0: TWS's unset, the same); reducing is not offered


def _refusal(req: Request) -> str | None:
    kind = str(req["order_type"])
    if kind not in ORDER_TYPES_IN:
        return f"Order type {kind} is not supported (MKT, LMT, STP, STP LMT, TRAIL, TRAIL LIMIT)"
    if req["tif"] not in TIFS:
        return f"Time in force {req['tif']} is not supported (DAY, GTC, IOC)"
    if req["action"] not in ("BUY", "SELL"):
        return f"Action {req['action']} is not supported (BUY, SELL)"
    quantity = req["quantity"]
    if quantity is None or quantity <= 0 or quantity != int(quantity):
        return "The order size must be a positive whole number of shares"
    if req.get("oca_group") and req.get("oca_type", 0) not in OCA_TYPES:
        return "OCA type 2 and 3 (reduce the others) are not supported; use ocaType 1"
    if req.get("conditions"):
        return "Order conditions are not supported"
    if req.get("algo"):
        return "Algo orders are not supported"
    if req.get("what_if"):
        return "What-if orders are not supported"
    return None


def _trail(req: Request, terms: dict[str, Any]) -> str | None:
    """The trail (``trailingAmt``/``trailingType``) and starting prices of a trailing order."""
    percent, amount = req.get("trailing_percent"), req["aux_price"]
    if percent is not None:
        terms["trailingAmt"], terms["trailingType"] = percent, "%"
    elif amount is not None:
        terms["trailingAmt"], terms["trailingType"] = amount, "amt"
    else:
        return "A trailing order needs its trailing amount (auxPrice) or trailingPercent"
    stop, lmt = req.get("trail_stop_price"), req["lmt_price"]
    if req["order_type"] == "TRAIL":
        if stop is not None:
            terms["price"] = stop
        return None
    offset = req.get("lmt_price_offset")
    if lmt is not None and offset is not None:
        return "A trailing limit order takes lmtPrice or lmtPriceOffset, not both"
    if stop is not None:
        terms["auxPrice"] = stop
        if lmt is None and offset is not None:  # a sell's limit sits below its stop
            lmt = stop - offset if req["action"] == "SELL" else stop + offset
    if lmt is not None:
        terms["price"] = round(lmt, 4)
    return None


def order_terms(req: Request) -> tuple[dict[str, Any], str | None]:
    """Gatehouse's order fields for a placeOrder, or the reason it cannot be placed."""
    refused = _refusal(req)
    if refused is not None:
        return {}, refused
    kind = str(req["order_type"])
    terms: dict[str, Any] = {
        "orderType": ORDER_TYPES_IN[kind],
        "side": req["action"],
        "quantity": int(req["quantity"]),
        "tif": req["tif"],
    }
    lmt, aux = req["lmt_price"], req["aux_price"]
    if kind in ("LMT", "STP LMT"):
        if lmt is None:
            return {}, "A limit order needs a limit price"
        terms["price"] = lmt
    if kind == "STP":
        if aux is None:
            return {}, "A stop order needs a stop price (auxPrice)"
        terms["price"] = aux
    if kind == "STP LMT":
        if aux is None:
            return {}, "A stop limit order needs a stop price (auxPrice)"
        terms["auxPrice"] = aux
    if kind in ("TRAIL", "TRAIL LIMIT"):
        refused = _trail(req, terms)
        if refused is not None:
            return {}, refused
    if req.get("oca_group"):
        terms["ocaGroup"] = str(req["oca_group"])
    if req.get("outside_rth"):
        terms["outsideRTH"] = True
    return terms, None
