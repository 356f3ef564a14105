// ibot: the server reads the request (POST /v1/api/assistant → a typed intent); this page
// answers it with the API — quotes, account figures, positions — and turns an order into
// the same preview as the ticket, which the user must confirm.

import { accountId, amount, dayPnl, liveOrders, pnl, positions, summary } from "./account.js";
import { post } from "./api.js";
import { $, h } from "./dom.js";
import { formatMoney, formatPercent, formatPrice, formatQty, formatSigned } from "./format.js";
import { describe } from "./messages.js";
import { preview } from "./order-preview.js";
import { orderBody } from "./orders.js";
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
  if (field === "daypnl") return say(`${FIELDS[field]}: ${formatSigned(dayPnl(await pnl()))}`);
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

export async function ask(text) {
  if (!text.trim()) return;
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
suggest(["quote AAPL", "what's my buying power?", "buy 10 MSFT limit 400"]);
