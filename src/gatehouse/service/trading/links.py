"""Linked orders of one account: brackets (children held until their parent fills) and
one-cancels-all groups.

``resolve`` turns a request's ``parentId`` (the parent's ``cOID`` in the same request),
``isSingleGroup`` and ``ocaGroup`` into order ids and group names; ``after_fill`` cancels
the rest of a group once one of its orders fills; ``settle`` releases the children of a
filled parent (or cuts them to what a partly filled parent bought, or cancels them when it
bought nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.order_requests import OrderRequest
from gatehouse.domain.trading.orders import Order, OrderStatus, cancel, release
from gatehouse.service.trading.ports import TrackedOrder
from gatehouse.service.trading.workspace import Workspace

Link = tuple[str | None, str | None]  # (parent order id, one-cancels-all group)


def resolve(requests: Sequence[OrderRequest], order_ids: Sequence[str]) -> list[Link]:
    """The parent and group of each request, checked: a child names the ``cOID`` of an earlier
    order of the same request, trades the same contract and quantity, on the other side."""
    by_coid: dict[str, int] = {}
    shared = f"G{order_ids[0]}" if any(r.single_group for r in requests) else None
    links: list[Link] = []
    for index, request in enumerate(requests):
        parent_id, group = None, request.oca_group or shared
        if request.parent_ref is not None:
            found = by_coid.get(request.parent_ref)
            if found is None:
                raise InvalidInput(
                    "'parentId' must be the cOID of an earlier order in the same request.",
                    field="parentId",
                )
            parent = requests[found]
            if parent.parent_ref is not None:
                raise InvalidInput("A bracket child cannot have children of its own.")
            if (
                request.conid != parent.conid
                or request.side == parent.side
                or request.quantity != parent.quantity
            ):
                raise InvalidInput(
                    "A bracket child must trade the parent's contract and quantity, on the "
                    "other side.",
                    field="parentId",
                )
            parent_id = order_ids[found]
            group = group or f"B{parent_id}"  # a bracket's children cancel each other
        if request.client_order_id is not None:
            by_coid[request.client_order_id] = index
        links.append((parent_id, group))
    return links


def held(ws: Workspace, order: Order) -> bool:
    """A bracket child whose parent is still working."""
    if order.parent_id is None:
        return False
    parent = ws.tracked.get(order.parent_id)
    return parent is not None and parent.order.is_active


def after_fill(ws: Workspace, order: Order) -> None:
    """One order of a group filled (even partly): cancel the group's other working orders."""
    if order.oca_group is None:
        return
    for tracked in ws.tracked.values():
        other = tracked.order
        if other is not order and other.is_active and other.oca_group == order.oca_group:
            cancel(other, now=ws.now)


def settle(ws: Workspace) -> list[TrackedOrder]:
    """Release or cancel the children of parents that ended; the children released."""
    released: list[TrackedOrder] = []
    for tracked in list(ws.tracked.values()):
        child = tracked.order
        if child.parent_id is None or not child.is_active:
            continue
        parent = ws.tracked.get(child.parent_id)
        if parent is None or parent.order.is_active:
            continue
        bought = parent.order.filled_quantity
        if parent.order.status is not OrderStatus.FILLED and bought <= 0:
            cancel(child, now=ws.now)
            continue
        if bought < child.quantity:
            child.quantity = bought  # protect what the parent did buy
        release(child, now=ws.now)
        released.append(tracked)
    return released
