// Dashboard: the account's key figures, positions and recent transactions, kept live.

import { accountId, amount, dayPnl, dayPnlRatio, missing, onAccountChange, pnl, positions, summary } from "./account.js";
import { $, $$, h, replaceChildren, show } from "./dom.js";
import { direction, formatMoney, formatPercent, formatPrice, formatQty, formatSigned, formatSignedMoney } from "./format.js";
import { describe } from "./messages.js";
import { renderTransactions } from "./transactions.js";

// Figures follow the market: re-read at most once a second while the page is visible (the
// server values the book at each quote tick), and at once when an account event arrives.
const LIVE_MS = 1000;
let flashing = true; // highlight changes that an account event caused, not every tick

function setFigure(key, text, { sub = "", dir = "" } = {}) {
  const card = $(`.kpi[data-key="${key}"]`);
  if (!card) return;
  const figure = $("[data-figure]", card);
  figure.title = text; // the whole figure, even where the card is narrow
  if (flashing && figure.textContent !== text && figure.textContent !== "—") {
    card.classList.remove("flash");
    void card.offsetWidth; // restart the highlight
    card.classList.add("flash");
  }
  figure.textContent = text;
  figure.className = `figure num ${dir}`;
  const subLine = $("[data-sub]", card);
  if (subLine) subLine.textContent = sub;
}

async function loadFigures() {
  const body = await summary();
  // a new live account starts empty: say how to fund it (gone once a deposit settles)
  show($("#dashboard-unfunded"), amount(body, "netliquidation") === 0);
  setFigure("netliquidation", formatMoney(amount(body, "netliquidation")), { sub: `Cash ${formatMoney(amount(body, "totalcashvalue"))}` });
  setFigure("buyingpower", formatMoney(amount(body, "buyingpower")), { sub: `Available funds ${formatMoney(amount(body, "availablefunds"))}` });
  setFigure("excessliquidity", formatMoney(amount(body, "excessliquidity")), { sub: `Maintenance margin ${formatMoney(amount(body, "maintmarginreq"))}` });
  const cushion = amount(body, "cushion");
  setFigure("cushion", formatPercent(cushion));
  const meter = $('.kpi[data-key="cushion"] [data-meter]');
  if (meter && cushion !== null) {
    meter.style.width = `${Math.max(0, Math.min(1, cushion)) * 100}%`;
    meter.dataset.level = cushion < 0.1 ? "danger" : cushion < 0.25 ? "warn" : "ok";
  }
  try {
    const partitioned = await pnl();
    const day = dayPnl(partitioned);
    const ratio = dayPnlRatio(partitioned);
    setFigure("daypnl", formatSignedMoney(day), { dir: direction(day), sub: ratio === null ? "" : formatPercent(ratio) });
  } catch (error) {
    if (!missing(error)) throw error;
  }
}

async function loadPositions() {
  const rows = await positions();
  const body = $("#positions-table tbody");
  if (!rows.length) return replaceChildren(body, h("tr", {}, h("td", { colspan: 5, class: "empty" }, "No positions yet.")));
  replaceChildren(body, rows.map((p) =>
    h("tr", { "data-conid": p.conid },
      h("td", {}, h("strong", {}, p.ticker || p.contractDesc)),
      h("td", { class: "num" }, formatQty(p.position)),
      h("td", { class: "num hide-narrow" }, formatPrice(p.mktPrice)),
      h("td", { class: "num" }, formatMoney(p.mktValue)),
      h("td", { class: `num ${direction(p.unrealizedPnl)}` }, formatSigned(p.unrealizedPnl)),
    )));
}

async function loadTrades() {
  await renderTransactions($("#trades-table tbody"));
}

async function refresh() {
  const errorBox = $("#dashboard-error");
  const results = await Promise.allSettled([loadFigures(), loadPositions(), loadTrades()]);
  const failed = results.find((r) => r.status === "rejected")?.reason;
  if (!failed) return show(errorBox, false);
  errorBox.textContent = missing(failed)
    ? `Account data for ${accountId()} is not available on this server yet.`
    : describe(failed);
  show(errorBox, true);
  if (missing(failed)) for (const cell of $$(".empty")) cell.textContent = "Not available yet.";
}

let busy = false;
async function follow() {
  if (!busy && document.visibilityState === "visible") {
    busy = true;
    flashing = false;
    try {
      await Promise.allSettled([loadFigures(), loadPositions()]);
    } finally {
      flashing = true;
      busy = false;
    }
  }
  setTimeout(follow, LIVE_MS);
}

onAccountChange(refresh);
refresh().then(() => setTimeout(follow, LIVE_MS));
