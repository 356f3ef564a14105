// A watchlist as a table of ticking quotes; add and remove symbols. Changes made anywhere
// (another tab, the phone, the Workstation) arrive as sync events and redraw it.

import { $, h, replaceChildren, show } from "./dom.js";
import { direction, formatPercent, formatPrice, formatSigned } from "./format.js";
import { onEvent, onResync } from "./live.js";
import { describe } from "./messages.js";
import { resolve, ticking } from "./quotes.js";
import * as data from "./watchlists-data.js";

let current = null; // {id, name, conids, symbols}
const quotes = new Map();

function fail(error) {
  $("#watch-error").textContent = typeof error === "string" ? error : describe(error);
  show($("#watch-error"), true);
}

function draw() {
  const body = $("#watch-table tbody");
  if (!current) return replaceChildren(body, h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No watchlist yet: create one.")));
  if (!current.conids.length) return replaceChildren(body, h("tr", {}, h("td", { colspan: 6, class: "empty" }, "Empty: add a symbol above.")));
  replaceChildren(body, current.conids.map((conid) => {
    const q = quotes.get(conid) || {};
    const symbol = q.symbol || current.symbols[conid] || String(conid);
    const remove = h("button", { class: "btn btn-ghost btn-sm", type: "button", "aria-label": `Remove ${symbol}` }, "Remove");
    remove.addEventListener("click", () => edit(current.conids.filter((c) => c !== conid)));
    return h("tr", { "data-conid": conid, "data-symbol": symbol },
      h("td", {}, h("a", { href: `trade?symbol=${encodeURIComponent(symbol)}` }, h("strong", {}, symbol))),
      h("td", { class: "num" }, formatPrice(q.last)),
      h("td", { class: `num ${direction(q.change)}` }, q.change === undefined ? "—" : `${formatSigned(q.change)} (${formatPercent((q.changePct ?? 0) / 100)})`),
      h("td", { class: "num" }, formatPrice(q.bid)),
      h("td", { class: "num" }, formatPrice(q.ask)),
      h("td", { class: "actions" }, remove));
  }));
}

async function edit(conids) {
  show($("#watch-error"), false);
  try {
    await data.save(current.id, current.name, conids);
    await open(current.id);
  } catch (error) {
    fail(error);
  }
}

export async function open(id) {
  current = id ? await data.read(id) : null;
  draw();
  window.dispatchEvent(new CustomEvent("gatehouse:watchlist-open", { detail: current }));
}

async function add(event) {
  event.preventDefault();
  const input = $("#watch-symbol");
  const symbol = input.value.trim().toUpperCase();
  if (!symbol) return;
  try {
    const conid = await resolve(symbol);
    if (!conid) return fail(`No instrument matches ${symbol}.`);
    if (!current) return fail("Create a watchlist first.");
    input.value = "";
    if (!current.conids.includes(conid)) await edit([...current.conids, conid]);
  } catch (error) {
    fail(error);
  }
}

export const currentId = () => current?.id ?? null;

export function start() {
  $("#watch-add")?.addEventListener("submit", add);
  const reopen = () => current && open(current.id).catch(fail);
  onEvent("*", (event) => {
    if (/^watchlist/.test(event.type || "")) reopen();
  });
  onResync(reopen);
  ticking(() => current?.conids || [], (rows) => {
    for (const row of rows) quotes.set(row.conid, row);
    draw();
  });
}
