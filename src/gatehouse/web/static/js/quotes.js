// Market data for the pages: symbol → conid (secdef search), and snapshots that tick.
// Fields are IBKR's: 31 last, 84 bid, 86 ask, 82 change, 83 change %, 55 symbol, 7762 volume.

import { get } from "./api.js";

const FIELDS = "31,84,86,82,83,55,7762,7295,70,71";
const conids = new Map();

/** The conid of a US stock symbol (cached); null when nothing matches. */
export async function resolve(symbol) {
  const key = symbol.trim().toUpperCase();
  if (!key) return null;
  if (conids.has(key)) return conids.get(key);
  const found = await get(`/v1/api/iserver/secdef/search?symbol=${encodeURIComponent(key)}&secType=STK`);
  const match = (Array.isArray(found) ? found : []).find((r) => (r.symbol || "").toUpperCase() === key) || found?.[0];
  const conid = match ? Number(match.conid) : null;
  conids.set(key, conid);
  return conid;
}

/** One snapshot per conid: {conid, last, bid, ask, change, changePct, symbol, volume}. */
export async function snapshot(ids) {
  if (!ids.length) return [];
  const rows = await get(`/v1/api/iserver/marketdata/snapshot?conids=${ids.join(",")}&fields=${FIELDS}`);
  const num = (v) => (v === undefined || v === null || v === "" ? null : Number(String(v).replace(/^[CH]/, "")));
  return (rows || []).map((r) => ({
    conid: Number(r.conid),
    symbol: r["55"],
    last: num(r["31"]),
    bid: num(r["84"]),
    ask: num(r["86"]),
    change: num(r["82"]),
    changePct: num(String(r["83"] ?? "").replace("%", "")),
    volume: r["7762"],
    open: num(r["7295"]),
    high: num(r["70"]),
    low: num(r["71"]),
  }));
}

/** Poll snapshots of ``ids()`` every ``every`` ms while the page is visible; returns stop(). */
export function ticking(ids, onQuotes, { every = 1500, onError = () => {} } = {}) {
  let timer = 0;
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    if (document.visibilityState === "visible") {
      try {
        const wanted = ids();
        if (wanted.length) onQuotes(await snapshot(wanted));
      } catch (error) {
        onError(error);
      }
    }
    timer = setTimeout(tick, every);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
