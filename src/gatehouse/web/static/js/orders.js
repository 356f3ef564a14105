// Orders through the IBKR-shaped API: what-if preview, place (with questions), modify, cancel.

import { accountId } from "./account.js";
import { del, post } from "./api.js";
import { submitWithQuestions } from "./questions.js";

const acct = () => encodeURIComponent(accountId());
let counter = 0;

/** The IBKR order body from a ticket: {conid, side, quantity, orderType, price?, auxPrice?, tif}. */
export function orderBody({ conid, side, quantity, orderType, limitPrice, stopPrice, tif, cashQty }) {
  const order = { acctId: accountId(), conid: Number(conid), side, orderType, tif: tif || "DAY" };
  if (cashQty) order.cashQty = Number(cashQty);
  else order.quantity = Number(quantity);
  if (orderType === "LMT") order.price = Number(limitPrice);
  if (orderType === "STP") order.price = Number(stopPrice);
  if (orderType === "STOP_LIMIT") {
    order.price = Number(limitPrice);
    order.auxPrice = Number(stopPrice);
  }
  counter += 1;
  order.cOID = `web-${Date.now().toString(36)}-${counter}`;
  return order;
}

export const whatIf = (order) => post(`/v1/api/iserver/account/${acct()}/orders/whatif`, { orders: [order] });

export const place = (order) =>
  submitWithQuestions(() => post(`/v1/api/iserver/account/${acct()}/orders`, { orders: [order] }));

export const modify = (orderId, order) =>
  submitWithQuestions(() => post(`/v1/api/iserver/account/${acct()}/order/${encodeURIComponent(orderId)}`, order));

export const cancel = (orderId) => del(`/v1/api/iserver/account/${acct()}/order/${encodeURIComponent(orderId)}`);

/** A what-if answer as [label, value] rows (IBKR sends figures as strings or numbers). */
export function previewRows(result) {
  const pick = (section, key) => result?.[section]?.[key] ?? "—";
  return [
    ["Order value", pick("amount", "amount")],
    ["Commission", pick("amount", "commission")],
    ["Total", pick("amount", "total")],
    ["Equity with loan after", pick("equity", "after")],
    ["Initial margin after", pick("initial", "after")],
    ["Maintenance margin after", pick("maintenance", "after")],
  ];
}

/** Validate a ticket before anything is sent; returns an error sentence or "". */
export function ticketProblem({ symbol, conid, quantity, cashQty, orderType, limitPrice, stopPrice }) {
  if (!symbol) return "Enter a symbol.";
  if (!conid) return `No instrument matches ${symbol}.`;
  if (!cashQty && !(Number(quantity) > 0 && Number.isInteger(Number(quantity)))) return "Enter a whole number of shares.";
  if (["LMT", "STOP_LIMIT"].includes(orderType) && !(Number(limitPrice) > 0)) return "Enter a limit price above zero.";
  if (["STP", "STOP_LIMIT"].includes(orderType) && !(Number(stopPrice) > 0)) return "Enter a stop price above zero.";
  return "";
}
