// Watchlists through the IBKR-shaped API (iserver/watchlists, iserver/watchlist).

import { del, get, post } from "./api.js";

export async function list() {
  const body = await get("/v1/api/iserver/watchlists?SC=USER_WATCHLIST");
  return body?.data?.user_lists || [];
}

export async function read(id) {
  const body = await get(`/v1/api/iserver/watchlist?id=${encodeURIComponent(id)}`);
  const rows = body.instruments || body.rows || [];
  return {
    id: body.id,
    name: body.name,
    conids: rows.map((r) => Number(r.conid ?? r.C)).filter(Boolean),
    symbols: Object.fromEntries(rows.map((r) => [Number(r.conid ?? r.C), r.ticker || r.symbol || r.name || ""])),
  };
}

/** Create or replace a watchlist with exactly these instruments. */
export const save = (id, name, conids) =>
  post("/v1/api/iserver/watchlist", { id: String(id), name, rows: conids.map((c) => ({ C: Number(c) })) });

export const remove = (id) => del(`/v1/api/iserver/watchlist?id=${encodeURIComponent(id)}`, { id: String(id) });
