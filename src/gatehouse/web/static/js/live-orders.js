// Live orders (cancel, modify), positions and trades, refreshed by sync events.

import { liveOrders, missing, onAccountChange, positions } from "./account.js";
import { $, h, replaceChildren, toast } from "./dom.js";
import { direction, formatMoney, formatPrice, formatQty, formatSigned } from "./format.js";
import { describe } from "./messages.js";
import { renderTransactions } from "./transactions.js";
import { cancel, modify } from "./orders.js";

const OPEN = new Set(["PendingSubmit", "PreSubmitted", "Submitted", "PendingCancel"]);
const empty = (cols, text) => h("tr", {}, h("td", { colspan: cols, class: "empty" }, text));

function editRow(order, row) {
  const price = h("input", { type: "number", step: "0.01", min: "0.01", value: order.price ?? "", "aria-label": "New price", class: "inline-input" });
  const qty = h("input", { type: "number", step: "1", min: "1", value: order.remainingQuantity ?? order.totalSize ?? "", "aria-label": "New quantity", class: "inline-input" });
  const save = h("button", { class: "btn btn-primary btn-sm", type: "button" }, "Save");
  const cell = h("td", { colspan: 8, class: "edit-cell" }, "New quantity ", qty, " price ", price, " ", save);
  const editor = h("tr", { class: "edit-row" }, cell);
  row.after(editor);
  save.addEventListener("click", async () => {
    save.disabled = true;
    try {
      const body = { conid: order.conid, side: order.side, orderType: order.orderType, tif: order.timeInForce || "DAY", quantity: Number(qty.value) };
      if (price.value) body.price = Number(price.value);
      const done = await modify(order.orderId, body);
      if (done !== null) toast("Order modified.");
      editor.remove();
      await refresh();
    } catch (error) {
      save.disabled = false;
      toast(describe(error), "error");
    }
  });
}

function orderRow(order) {
  const status = order.status || order.order_status || "";
  const row = h("tr", { "data-order-id": order.orderId },
    h("td", {}, h("strong", {}, order.ticker || order.symbol || order.conid)),
    h("td", { class: /^B/.test(order.side) ? "up" : "down" }, /^B/.test(order.side) ? "Buy" : "Sell"),
    h("td", { class: "num" }, formatQty(order.totalSize ?? (Number(order.filledQuantity || 0) + Number(order.remainingQuantity || 0)))),
    h("td", {}, order.orderType),
    h("td", { class: "num", "data-label": "at" }, formatPrice(order.price ?? order.avgPrice)),
    h("td", { class: "num", "data-label": "filled" }, formatQty(order.filledQuantity)),
    h("td", {}, h("span", { class: `status status-${status.toLowerCase()}` }, status)),
  );
  const actions = h("td", { class: "actions" });
  if (OPEN.has(status)) {
    const edit = h("button", { class: "btn btn-ghost btn-sm", type: "button" }, "Modify");
    const stop = h("button", { class: "btn btn-danger btn-sm", type: "button" }, "Cancel");
    edit.addEventListener("click", () => editRow(order, row));
    stop.addEventListener("click", async () => {
      try {
        await cancel(order.orderId);
        toast("Cancel request sent.");
        await refresh();
      } catch (error) {
        toast(describe(error), "error");
      }
    });
    actions.append(edit, stop);
  }
  row.append(actions);
  return row;
}

async function loadOrders() {
  const body = $("#orders-table tbody");
  if (!body) return;
  const found = (await liveOrders()).orders || [];
  replaceChildren(body, found.length ? found.map(orderRow) : empty(8, "No orders today."));
}

async function loadPositions() {
  const body = $("#positions-table tbody");
  if (!body) return;
  const rows = await positions();
  replaceChildren(body, rows.length ? rows.map((p) =>
    h("tr", {},
      h("td", {}, h("a", { href: `?symbol=${encodeURIComponent(p.ticker || "")}&side=SELL` }, p.ticker || p.contractDesc)),
      h("td", { class: "num" }, formatQty(p.position)),
      h("td", { class: "num hide-narrow" }, formatPrice(p.mktPrice)),
      h("td", { class: "num" }, formatMoney(p.mktValue)),
      h("td", { class: `num ${direction(p.unrealizedPnl)}` }, formatSigned(p.unrealizedPnl)),
    )) : empty(5, "No positions."));
}

async function loadTrades() {
  const body = $("#trades-table tbody");
  if (body) await renderTransactions(body, { tradesOnly: true, limit: 50 });
}

export async function refresh() {
  const results = await Promise.allSettled([loadOrders(), loadPositions(), loadTrades()]);
  for (const result of results) {
    if (result.status === "rejected") {
      const text = missing(result.reason) ? "Not available on this server yet." : describe(result.reason);
      for (const cell of document.querySelectorAll("td.empty")) cell.textContent = text;
    }
  }
}

export function start() {
  onAccountChange(refresh);
  return refresh();
}
