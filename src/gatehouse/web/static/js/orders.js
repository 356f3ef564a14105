// Orders through the IBKR-shaped API: what-if preview, place (with questions), modify, cancel.

import { accountId } from "./account.js";
import { del, post } from "./api.js";
import { submitWithQuestions } from "./questions.js";

const acct = () => encodeURIComponent(accountId());
let counter = 0;

const LIMIT_TYPES = ["LMT", "STOP_LIMIT", "TRAILLMT"];
const TRAILING_TYPES = ["TRAIL", "TRAILLMT"];

function newCoid() {
  counter += 1;
  return `web-${Date.now().toString(36)}-${counter}`;
}

/** The IBKR order body from a ticket: {conid, side, quantity, orderType, price?, auxPrice?,
 * trailingAmt?, trailingType?, outsideRTH?, tif}. */
export function orderBody({ conid, side, quantity, orderType, limitPrice, stopPrice, tif, cashQty, trailingAmt, trailingType, outsideRTH }) {
  const order = { acctId: accountId(), conid: Number(conid), side, orderType, tif: tif || "DAY" };
  if (cashQty) order.cashQty = Number(cashQty);
  else order.quantity = Number(quantity);
  if (orderType === "LMT") order.price = Number(limitPrice);
  if (orderType === "STP") order.price = Number(stopPrice);
  if (orderType === "STOP_LIMIT") {
    order.price = Number(limitPrice);
    order.auxPrice = Number(stopPrice);
  }
  if (TRAILING_TYPES.includes(orderType)) {
    order.trailingAmt = Number(trailingAmt);
    order.trailingType = trailingType === "%" ? "%" : "amt";
  }
  if (outsideRTH && LIMIT_TYPES.includes(orderType)) order.outsideRTH = true;
  order.cOID = newCoid();
  return order;
}

/** A bracket's children: a take-profit limit and a stop-loss stop on the other side, each
 * naming the parent by its cOID (IBKR's parentId); empty prices are left out. */
export function bracketChildren(parent, { takeProfit, stopLoss }) {
  const side = parent.side === "BUY" ? "SELL" : "BUY";
  const base = { acctId: parent.acctId, conid: parent.conid, side, quantity: parent.quantity, tif: "GTC", parentId: parent.cOID };
  const children = [];
  if (Number(takeProfit) > 0) children.push({ ...base, orderType: "LMT", price: Number(takeProfit), cOID: newCoid() });
  if (Number(stopLoss) > 0) children.push({ ...base, orderType: "STP", price: Number(stopLoss), cOID: newCoid() });
  return children;
}

export const whatIf = (order) => post(`/v1/api/iserver/account/${acct()}/orders/whatif`, { orders: [order] });

export const place = (order, children = []) =>
  submitWithQuestions(() => post(`/v1/api/iserver/account/${acct()}/orders`, { orders: [order, ...children] }));

export const modify = (orderId, order) =>
  submitWithQuestions(() => post(`/v1/api/iserver/account/${acct()}/order/${encodeURIComponent(orderId)}`, order));

export const cancel = (orderId) => del(`/v1/api/iserver/account/${acct()}/order/${encodeURIComponent(orderId)}`);

/** A what-if answer as [label, value] rows (IBKR sends figures as strings or numbers). */
export function previewRows(result, side = "BUY") {
  const pick = (section, key) => result?.[section]?.[key] ?? "—";
  // IBKR writes "1,150.25 USD (5 Shares)": shown as "1,150.25 USD (5 shares)"
  const shares = (text) => String(text).replace(/\((\d+) Shares\)/, (_, n) =>
    `(${Number(n).toLocaleString("en-US")} ${Number(n) === 1 ? "share" : "shares"})`);
  return [
    ["Order value", shares(pick("amount", "amount"))],
    ["Commission", pick("amount", "commission")],
    [side === "SELL" ? "Proceeds less commission" : "Total cost", pick("amount", "total")],
    ["Equity with loan after", pick("equity", "after")],
    ["Initial margin after", pick("initial", "after")],
    ["Maintenance margin after", pick("maintenance", "after")],
  ];
}

/** Validate a ticket before anything is sent; returns an error sentence or "". */
export function ticketProblem({ symbol, conid, quantity, cashQty, orderType, limitPrice, stopPrice, trailingAmt, trailingType, takeProfit, stopLoss }) {
  if (!symbol) return "Enter a symbol.";
  if (!conid) return `No instrument matches ${symbol}.`;
  if (!cashQty && !(Number(quantity) > 0 && Number.isInteger(Number(quantity)))) return "Enter a whole number of shares.";
  if (["LMT", "STOP_LIMIT"].includes(orderType) && !(Number(limitPrice) > 0)) return "Enter a limit price above zero.";
  if (["STP", "STOP_LIMIT"].includes(orderType) && !(Number(stopPrice) > 0)) return "Enter a stop price above zero.";
  if (TRAILING_TYPES.includes(orderType) && !(Number(trailingAmt) > 0)) return "Enter how far the stop trails, above zero.";
  if (TRAILING_TYPES.includes(orderType) && trailingType === "%" && Number(trailingAmt) >= 50) return "Trail by less than 50%.";
  for (const [label, value] of [["take-profit", takeProfit], ["stop-loss", stopLoss]]) {
    if (value !== undefined && value !== "" && !(Number(value) > 0)) return `Enter a ${label} price above zero, or leave it empty.`;
  }
  return "";
}
