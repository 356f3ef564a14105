// Watchlists through the IBKR-shaped API (iserver/watchlists, iserver/watchlist).

import { del, get, post, put } from "./api.js";

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

const body = (id, name, conids) => ({ id: String(id), name, rows: conids.map((c) => ({ C: Number(c) })) });

/** A new watchlist (IBKR's POST; an id already in use is refused). */
export const create = (id, name, conids = []) => post("/v1/api/iserver/watchlist", body(id, name, conids));

/** Replace an existing watchlist's instruments (Gatehouse's PUT of the same body). */
export const save = (id, name, conids) => put("/v1/api/iserver/watchlist", body(id, name, conids));

export const remove = (id) => del(`/v1/api/iserver/watchlist?id=${encodeURIComponent(id)}`, { id: String(id) });
