// Recent transactions (trades, deposits, withdrawals) in Gatehouse's one definition: the signed
// net amount with the commission, the trade date and time in New York (ET) — as on statements.

import { accountId } from "./account.js";
import { get } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { direction, formatPrice, formatQty, formatSignedMoney } from "./format.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const KINDS = { deposit: "Deposit", withdrawal: "Withdrawal" };

export const activity = (days = 7) =>
  get(`/v1/api/accounts/${encodeURIComponent(accountId())}/activity?days=${days}`);

/** "Dec 4, 20:24 ET": the trade date and time as the server gives them (never the browser's zone). */
export function when(t) {
  const [, month, day] = (t.trade_date || "").split("-").map(Number);
  if (!month) return "—";
  return `${MONTHS[month - 1]} ${day}, ${(t.time || "").slice(0, 5)} ${t.timezone || "ET"}`;
}

export const kindOf = (t) => KINDS[t.kind] || (/^B/.test(t.side || "") ? "Buy" : "Sell");

/** Fill a <tbody> with the account's transactions (optionally trades only). */
export async function renderTransactions(body, { days = 7, limit = 12, tradesOnly = false, emptyText } = {}) {
  const found = (await activity(days)).transactions.filter((t) => !tradesOnly || t.kind === "trade");
  if (!found.length) {
    const text = emptyText || (tradesOnly ? "No trades in the last 7 days." : "No transactions in the last 7 days.");
    return replaceChildren(body, h("tr", {}, h("td", { colspan: 6, class: "empty" }, text)));
  }
  replaceChildren(body, found.slice(0, limit).map((t) => {
    const kind = kindOf(t);
    return h("tr", { "data-kind": t.kind, title: t.description },
      h("td", { class: "nowrap" }, when(t)),
      h("td", { class: kind === "Buy" || kind === "Deposit" ? "up" : "down" }, kind),
      h("td", {}, t.symbol || "—"),
      h("td", { class: "num" }, t.quantity === null ? "" : formatQty(t.quantity)),
      h("td", { class: "num hide-narrow" }, t.price === null ? "" : formatPrice(t.price)),
      h("td", { class: `num ${direction(t.net_amount)}` }, formatSignedMoney(t.net_amount)),
    );
  }));
}
