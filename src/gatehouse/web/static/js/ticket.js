// The order ticket: symbol with a ticking quote, size, type and prices; "Preview order"
// shows the what-if figures, and only "Submit order" there places it.

import { $, show } from "./dom.js";
import { direction, formatPercent, formatPrice, formatSigned } from "./format.js";
import { describe } from "./messages.js";
import { preview } from "./order-preview.js";
import { bracketChildren, orderBody, ticketProblem } from "./orders.js";
import { resolve, ticking } from "./quotes.js";

let conid = null;
let symbol = "";

function showQuote([quote]) {
  const line = $("#ticket-quote");
  if (!quote || !line) return;
  line.textContent = "";
  const parts = [
    ["Last", formatPrice(quote.last)],
    ["Bid", formatPrice(quote.bid)],
    ["Ask", formatPrice(quote.ask)],
  ].map(([label, value]) => `${label} ${value}`);
  line.append(parts.join("   "));
  const change = document.createElement("span");
  change.className = direction(quote.change);
  change.textContent = `   ${formatSigned(quote.change)} (${formatPercent((quote.changePct ?? 0) / 100)})`;
  line.append(change);
  if (!$("#ticket-limit").value && quote.last) $("#ticket-limit").placeholder = formatPrice(quote.last);
}

async function pickSymbol() {
  const typed = $("#ticket-symbol").value.trim().toUpperCase();
  if (typed === symbol) return;
  symbol = typed;
  conid = null;
  $("#ticket-quote").textContent = "";
  if (!typed) return;
  try {
    const found = await resolve(typed);
    if (symbol !== typed) return; // typed on meanwhile: the newer symbol wins
    conid = found;
    if (!conid) $("#ticket-quote").textContent = `No instrument matches ${typed}.`;
  } catch (error) {
    $("#ticket-quote").textContent = describe(error);
  }
}

function typeChanged() {
  const type = $("#ticket-type").value;
  const trailing = type === "TRAIL" || type === "TRAILLMT";
  show($("#limit-field"), type === "LMT" || type === "STOP_LIMIT");
  show($("#stop-field"), type === "STP" || type === "STOP_LIMIT");
  show($("#trail-field"), trailing);
  show($("#trail-type-field"), trailing);
  const limitType = ["LMT", "STOP_LIMIT", "TRAILLMT"].includes(type);
  $("#ticket-outside-rth").disabled = !limitType; // IBKR refuses market orders outside RTH
  if (!limitType) $("#ticket-outside-rth").checked = false;
}

/** Fill the ticket (from the assistant, a watchlist row, a position). */
export async function fill({ side, symbol: wanted, quantity, orderType, limitPrice, stopPrice, tif }) {
  if (side) $(side === "SELL" ? "#side-sell" : "#side-buy").checked = true;
  if (wanted) $("#ticket-symbol").value = wanted;
  if (quantity) $("#ticket-quantity").value = quantity;
  if (orderType) $("#ticket-type").value = orderType;
  if (limitPrice) $("#ticket-limit").value = limitPrice;
  if (stopPrice) $("#ticket-stop").value = stopPrice;
  if (tif) $("#ticket-tif").value = tif;
  typeChanged();
  await pickSymbol();
}

async function onPreview(event) {
  event.preventDefault();
  await pickSymbol();
  const ticket = {
    symbol,
    conid,
    side: $("input[name=side]:checked").value,
    quantity: $("#ticket-quantity").value,
    orderType: $("#ticket-type").value,
    limitPrice: $("#ticket-limit").value,
    stopPrice: $("#ticket-stop").value,
    tif: $("#ticket-tif").value,
    trailingAmt: $("#ticket-trail").value,
    trailingType: $("#ticket-trail-type").value,
    outsideRTH: $("#ticket-outside-rth").checked,
    takeProfit: $("#ticket-take-profit").value,
    stopLoss: $("#ticket-stop-loss").value,
  };
  const problem = ticketProblem(ticket);
  $("#ticket-error").textContent = problem;
  show($("#ticket-error"), Boolean(problem));
  if (problem) return;
  show($("#ticket"), false);
  const order = orderBody(ticket);
  const placed = await preview($("#preview"), order, symbol, bracketChildren(order, ticket));
  show($("#ticket"), true);
  if (placed) $("#ticket-quantity").value = "";
}

export function start({ onPlaced = () => {} } = {}) {
  const form = $("#ticket");
  if (!form) return;
  form.addEventListener("submit", (e) => onPreview(e).then(onPlaced));
  $("#ticket-symbol").addEventListener("change", pickSymbol);
  let typing = 0; // the quote shows while typing, not only when the field loses focus
  $("#ticket-symbol").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(pickSymbol, 300);
  });
  $("#ticket-type").addEventListener("change", typeChanged);
  const wanted = new URLSearchParams(location.search);
  if (wanted.get("symbol")) fill({ symbol: wanted.get("symbol"), side: wanted.get("side") });
  typeChanged();
  ticking(() => (conid ? [conid] : []), showQuote);
}
