// Portfolio analysis: the equity curve (pa/performance) and the allocation by holding,
// drawn as SVG by charts.js.

import { accountId, amount, missing, onAccountChange, positions, summary } from "./account.js";
import { post } from "./api.js";
import { $, $$ } from "./dom.js";
import { formatMoney } from "./format.js";
import { donut, lineChart } from "./charts.js";
import { describe } from "./messages.js";

let period = "1M";
const short = (v) => (Math.abs(v) >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : Math.abs(v) >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0));

function navPoints(body) {
  const nav = body?.nav;
  const series = nav?.data?.[0];
  const dates = nav?.dates || [];
  if (!series) return [];
  return (series.navs || []).map((v, i) => {
    const d = String(dates[i] || "");
    return { t: d.length === 8 ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : d, v: Number(v) };
  });
}

async function equity() {
  const box = $("#equity-chart");
  try {
    const body = await post("/v1/api/pa/performance", { acctIds: [accountId()], period });
    const points = navPoints(body);
    if (points.length < 2) {
      // The NAV history is kept from the account's first daily close on; today is live.
      box.replaceChildren(Object.assign(document.createElement("p"), { className: "empty", textContent: "The equity curve starts at the account's first daily close; come back tomorrow." }));
      return;
    }
    lineChart(box, points, { format: short });
  } catch (error) {
    box.replaceChildren(Object.assign(document.createElement("p"), { className: "empty", textContent: missing(error) ? "Performance history is not available on this server yet." : describe(error) }));
  }
}

async function allocation() {
  const box = $("#allocation-chart");
  try {
    const [rows, body] = await Promise.all([positions(), summary()]);
    const slices = rows.map((p) => ({ label: p.ticker || p.contractDesc, value: Math.abs(Number(p.mktValue || 0)) }));
    const cash = amount(body, "totalcashvalue");
    if (cash > 0) slices.push({ label: "Cash", value: cash });
    donut(box, slices, { format: (v) => formatMoney(v).replace(/\.\d\d$/, "") });
  } catch (error) {
    box.replaceChildren(Object.assign(document.createElement("p"), { className: "empty", textContent: missing(error) ? "Not available on this server yet." : describe(error) }));
  }
}

for (const button of $$("#period [data-period]")) {
  button.addEventListener("click", () => {
    period = button.dataset.period;
    for (const b of $$("#period [data-period]")) b.setAttribute("aria-pressed", String(b === button));
    equity();
  });
}
onAccountChange(() => Promise.all([equity(), allocation()]));
equity();
allocation();
