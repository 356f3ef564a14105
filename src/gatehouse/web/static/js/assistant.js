// ibot: the server reads the request (POST /v1/api/assistant → a typed intent); this page
// answers it with the API — quotes, account figures, positions — and turns an order into
// the same preview as the ticket, which the user must confirm.

import { accountId, amount, dayPnl, liveOrders, pnl, positions, summary } from "./account.js";
import { post } from "./api.js";
import { $, h, replaceChildren, show } from "./dom.js";
import { formatMoney, formatPercent, formatPrice, formatQty, formatSigned, formatSignedMoney } from "./format.js";
import { describe } from "./messages.js";
import { preview } from "./order-preview.js";
import { cancel, modify, orderBody } from "./orders.js";
import { resolve, snapshot } from "./quotes.js";
import { voiceInput } from "./voice.js";

const FIELDS = {
  netliquidation: "Net liquidation value",
  buyingpower: "Buying power",
  totalcashvalue: "Cash",
  availablefunds: "Available funds",
  excessliquidity: "Excess liquidity",
  cushion: "Margin cushion",
  daypnl: "Today's P&L",
};

function say(text, who = "bot") {
  const item = h("li", { class: who }, text);
  $("#chat").append(item);
  item.scrollIntoView({ block: "nearest" });
  return item;
}

function suggest(examples) {
  $("#suggestions").replaceChildren(...(examples || []).map((text) => {
    const chip = h("button", { class: "chip", type: "button" }, text);
    chip.addEventListener("click", () => ask(text));
    return chip;
  }));
}

async function quote(symbols) {
  const ids = [];
  for (const symbol of symbols) {
    const conid = await resolve(symbol);
    if (conid) ids.push(conid);
    else say(`I couldn't find ${symbol}.`);
  }
  for (const q of await snapshot(ids)) {
    say(`${q.symbol || ""} last ${formatPrice(q.last)} · bid ${formatPrice(q.bid)} · ask ${formatPrice(q.ask)} · ${formatSigned(q.change)} (${formatPercent((q.changePct ?? 0) / 100)}) today`);
  }
}

async function account(field) {
  if (field === "daypnl") return say(`${FIELDS[field]}: ${formatSignedMoney(dayPnl(await pnl()))}`);
  const body = await summary();
  const value = amount(body, field);
  say(`${FIELDS[field]} on ${accountId()}: ${field === "cushion" ? formatPercent(value) : formatMoney(value)}`);
}

async function holdings(symbol) {
  const rows = (await positions()).filter((p) => !symbol || (p.ticker || "").toUpperCase() === symbol);
  if (!rows.length) return say(symbol ? `You hold no ${symbol}.` : "You have no positions.");
  for (const p of rows) say(`${p.ticker}: ${formatQty(p.position)} shares, worth ${formatMoney(p.mktValue)} (${formatSigned(p.unrealizedPnl)} unrealized)`);
}

async function orders() {
  const found = (await liveOrders()).orders || [];
  if (!found.length) return say("You have no orders today.");
  for (const o of found) say(`${o.side} ${formatQty(o.totalSize ?? o.remainingQuantity)} ${o.ticker} ${o.orderType} ${o.price ? formatPrice(o.price) : ""} — ${o.status}`);
}

async function order(intent) {
  const conid = await resolve(intent.symbol);
  if (!conid) return say(`I couldn't find ${intent.symbol}.`);
  say("Here is the order. Check it, then submit it — or change your mind.");
  const body = orderBody({
    conid,
    side: intent.side,
    quantity: intent.quantity,
    cashQty: intent.cash_quantity,
    orderType: intent.order_type,
    limitPrice: intent.limit_price,
    stopPrice: intent.stop_price,
    tif: intent.tif,
  });
  const placed = await preview($("#preview"), body, intent.symbol);
  say(placed ? "Your order was sent. Watch it under Orders." : "OK, nothing was sent.");
}

const WORKING = new Set(["PendingSubmit", "PreSubmitted", "Submitted"]);
const describeOrder = (o) =>
  `${/^B/.test(o.side) ? "Buy" : "Sell"} ${formatQty(o.remainingQuantity ?? o.totalSize)} ${o.ticker} ${o.orderType}${o.price ? ` ${formatPrice(o.price)}` : ""}`;

async function working(symbol) {
  const found = ((await liveOrders()).orders || []).filter((o) => WORKING.has(o.status));
  return symbol ? found.filter((o) => (o.ticker || "").toUpperCase() === symbol) : found;
}

/** Ask in the preview box; resolves true when the user confirms. */
function confirmIn(title, lines, yes, no = "Keep it") {
  const box = $("#preview");
  const ok = h("button", { class: "btn btn-danger", type: "button", id: "ibot-confirm" }, yes);
  const back = h("button", { class: "btn btn-ghost", type: "button", id: "ibot-keep" }, no);
  replaceChildren(box, h("h3", { class: "preview-title" }, title), h("ul", { class: "list" }, lines.map((l) => h("li", {}, l))), h("div", { class: "preview-actions" }, back, ok));
  show(box, true);
  return new Promise((resolve) => {
    ok.addEventListener("click", () => { show(box, false); resolve(true); });
    back.addEventListener("click", () => { show(box, false); resolve(false); });
  });
}

async function cancelOrders(symbol) {
  const found = await working(symbol);
  if (!found.length) return say(symbol ? `You have no working ${symbol} order.` : "You have no working orders.");
  say(found.length === 1 ? "Cancel this order?" : `Cancel these ${found.length} orders?`);
  if (!(await confirmIn("Cancel", found.map(describeOrder), found.length === 1 ? "Cancel order" : "Cancel orders"))) return say("OK, the order stays.");
  for (const o of found) await cancel(o.orderId);
  say(found.length === 1 ? `Cancel request sent for ${describeOrder(found[0])}.` : `Cancel requests sent for ${found.length} orders.`);
}

async function modifyOrder(intent) {
  const found = await working(intent.symbol);
  if (!found.length) return say(`You have no working ${intent.symbol} order.`);
  if (found.length > 1) return say(`You have ${found.length} working ${intent.symbol} orders: change one under Orders.`);
  const o = found[0];
  const body = { conid: o.conid, side: o.side, orderType: o.orderType, tif: o.timeInForce || "DAY", quantity: Number(intent.quantity ?? o.remainingQuantity ?? o.totalSize) };
  const price = intent.price ?? o.price;
  if (price !== undefined && price !== null) body.price = Number(price);
  if (body.orderType === "MKT" && intent.price) return say("That is a market order: it has no price to change.");
  const change = [`Now: ${describeOrder(o)}`, `New: ${describeOrder({ ...o, remainingQuantity: body.quantity, price: body.price })}`];
  say("Change this order?");
  if (!(await confirmIn("Modify", change, "Modify order"))) return say("OK, the order stays as it is.");
  const done = await modify(o.orderId, body);
  say(done === null ? "OK, nothing was changed." : "Your order was changed. Watch it under Orders.");
}

async function closePosition(symbol) {
  const held = (await positions()).find((p) => (p.ticker || "").toUpperCase() === symbol && Number(p.position));
  if (!held) return say(`You hold no ${symbol}.`);
  const quantity = Math.abs(Number(held.position));
  await order({ side: Number(held.position) > 0 ? "SELL" : "BUY", symbol, quantity, order_type: "MKT", tif: "DAY" });
}

export async function ask(text) {
  if (!text.trim()) return;
  show($("#preview"), false); // an earlier preview does not stay under later answers
  say(text, "me");
  $("#ask-text").value = "";
  try {
    const intent = await post("/v1/api/assistant", { text });
    suggest(intent.examples);
    if (intent.intent === "quote") await quote(intent.symbols);
    else if (intent.intent === "account") await account(intent.field);
    else if (intent.intent === "positions") await holdings(intent.symbol);
    else if (intent.intent === "orders") await orders();
    else if (intent.intent === "order") await order(intent);
    else if (intent.intent === "cancel_order") await cancelOrders(intent.symbol);
    else if (intent.intent === "modify_order") await modifyOrder(intent);
    else if (intent.intent === "close_position") await closePosition(intent.symbol);
    else say(intent.message);
  } catch (error) {
    say(error.status === 404 ? "That part of the account isn't available on this server yet." : describe(error));
  }
}

$("#ask").addEventListener("submit", (event) => {
  event.preventDefault();
  ask($("#ask-text").value);
});
voiceInput($("#voice"), (text) => {
  $("#ask-text").value = text;
  ask(text);
});
suggest(["quote AAPL", "what's my buying power?", "buy 10 MSFT limit 400", "cancel my MSFT order"]);
