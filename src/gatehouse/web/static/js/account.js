// The brokerage API as the pages read it (IBKR Client Portal paths and shapes), and a
// debounced "something in the account changed" signal from the sync events.

import { get } from "./api.js";
import { onEvent, onResync } from "./live.js";

export const accountId = () => document.querySelector('meta[name="account-id"]')?.content || "";
const acct = () => encodeURIComponent(accountId());

export const summary = () => get(`/v1/api/portfolio/${acct()}/summary`);
export const ledger = () => get(`/v1/api/portfolio/${acct()}/ledger`);
export const positions = () => get(`/v1/api/portfolio/${acct()}/positions/0`);
export const liveOrders = () => get(`/v1/api/iserver/account/orders?force=true&accountId=${acct()}`);
export const trades = (days = 7) => get(`/v1/api/iserver/account/trades?days=${days}&accountId=${acct()}`);
export const pnl = () => get("/v1/api/iserver/account/pnl/partitioned");

/** A summary field's number, whichever of IBKR's shapes ({amount}, {value}, bare) it has. */
export function amount(summaryBody, key) {
  const entry = summaryBody?.[key];
  if (entry === null || entry === undefined) return null;
  if (typeof entry === "number") return entry;
  const value = entry.amount ?? entry.value;
  return value === null || value === undefined ? null : Number(value);
}

/** The day's P&L from pnl/partitioned ({upnl: {"U1.Core": {dpl, upl, nl}}}). */
export function dayPnl(body) {
  const rows = Object.values(body?.upnl || {});
  if (!rows.length) return null;
  return rows.reduce((sum, row) => sum + Number(row.dpl || 0), 0);
}

/** The day's P&L as a fraction of the NLV at the start of the day plus today's net deposits
 * (the server's dplRatio, docs/brokerage.md); null when that base is 0 or less. */
export function dayPnlRatio(body) {
  const rows = Object.values(body?.upnl || {});
  if (rows.length !== 1) return null;
  const ratio = rows[0].dplRatio;
  return ratio === null || ratio === undefined ? null : Number(ratio);
}

const QUIET = /^(session|user|passkey|message)\./;

/** Call ``refresh`` (at most every 200 ms) whenever account data changes or on resync. */
export function onAccountChange(refresh) {
  let timer = 0;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  };
  onEvent("*", (event) => {
    if (!QUIET.test(event.type || "")) soon();
  });
  onResync(soon);
}

/** "not there yet" answers of a brokerage endpoint that has not landed on this server. */
export const missing = (error) => error?.status === 404 || error?.status === 405;
