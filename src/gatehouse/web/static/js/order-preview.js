// The order preview every order goes through (ticket or assistant): what-if figures, then
// "Submit order" with IBKR's confirmation questions, or "Change".

import { $, h, replaceChildren, show, toast } from "./dom.js";
import { formatPrice, formatQty } from "./format.js";
import { describe } from "./messages.js";
import { place, previewRows, whatIf } from "./orders.js";

function trail(order) {
  return order.trailingType === "%" ? `${order.trailingAmt}%` : formatPrice(order.trailingAmt);
}

function summary(order, symbol) {
  const kind = {
    MKT: "at market",
    LMT: `limit ${formatPrice(order.price)}`,
    STP: `stop ${formatPrice(order.price)}`,
    STOP_LIMIT: `stop ${formatPrice(order.auxPrice)} limit ${formatPrice(order.price)}`,
    TRAIL: `trailing stop ${trail(order)}`,
    TRAILLMT: `trailing stop limit ${trail(order)}`,
  }[order.orderType];
  const size = order.cashQty ? `$${formatPrice(order.cashQty)} of` : formatQty(order.quantity);
  const rth = order.outsideRTH ? " · outside RTH" : "";
  return `${order.side === "BUY" ? "Buy" : "Sell"} ${size} ${symbol} ${kind} · ${order.tif}${rth}`;
}

/**
 * Show the preview of ``order`` in ``box``; resolves to the placed order's answer, or null
 * when the user changes their mind. Nothing is sent but the what-if until "Submit order".
 */
export async function preview(box, order, symbol, children = []) {
  replaceChildren(box, h("p", { class: "muted" }, "Checking the order…"));
  show(box, true);
  let result;
  try {
    result = await whatIf(order);
  } catch (error) {
    replaceChildren(box, h("p", { class: "error-text" }, describe(error)));
    return null;
  }
  const submit = h("button", { class: `btn ${order.side === "BUY" ? "btn-buy" : "btn-sell"}`, type: "button" }, "Submit order");
  const back = h("button", { class: "btn btn-ghost", type: "button" }, "Change");
  const problem = result?.error ? h("p", { class: "error-text" }, String(result.error)) : null;
  replaceChildren(
    box,
    h("h3", { class: "preview-title" }, summary(order, symbol)),
    children.length ? h("ul", { class: "small bracket-legs" }, children.map((child) => h("li", {}, `then ${summary(child, symbol)}`))) : null,
    h("table", { class: "table preview-table" }, h("tbody", {}, previewRows(result, order.side).map(([label, value]) => h("tr", {}, h("th", {}, label), h("td", { class: "num" }, String(value)))))),
    result?.warn ? h("p", { class: "warn small" }, String(result.warn)) : null,
    problem,
    h("div", { class: "preview-actions" }, back, problem ? null : submit),
  );
  return new Promise((resolve) => {
    back.addEventListener("click", () => {
      show(box, false);
      resolve(null);
    });
    submit.addEventListener("click", async () => {
      submit.disabled = true;
      try {
        const placed = await place(order, children);
        if (placed === null) {
          submit.disabled = false;
          return;
        }
        const first = Array.isArray(placed) ? placed[0] : placed;
        const state = String(first?.order_status ?? "submitted").toLowerCase();
        toast(`${summary(order, symbol)}: ${state === "filled" ? "filled" : `order ${state}`}.`);
        show(box, false);
        resolve(placed);
      } catch (error) {
        submit.disabled = false;
        const note = $(".error-text", box) || box.appendChild(h("p", { class: "error-text" }));
        note.textContent = describe(error);
      }
    });
  });
}
