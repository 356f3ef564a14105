// Statements and tax documents: download links for the chosen period (CSV or PDF).

import { accountId } from "./account.js";
import { $, h, replaceChildren, show } from "./dom.js";

const base = () => `/v1/api/accounts/${encodeURIComponent(accountId())}/statements`;
const iso = (d) => d.toISOString().slice(0, 10);

function update() {
  const from = $("#statement-from").value;
  const to = $("#statement-to").value;
  const bad = !from || !to || from > to;
  $("#statement-error").textContent = bad ? "Choose a start date on or before the end date." : "";
  show($("#statement-error"), bad);
  for (const [id, format] of [["#statement-csv", "csv"], ["#statement-pdf", "pdf"]]) {
    const link = $(id);
    if (bad) link.removeAttribute("href");
    else link.href = `${base()}/activity?start=${from}&end=${to}&format=${format}`;
  }
}

const today = new Date();
$("#statement-to").value = iso(today);
$("#statement-from").value = iso(new Date(today.getFullYear(), today.getMonth(), 1));
$("#statement-form").addEventListener("input", update);
update();
const years = [0, 1, 2].map((n) => today.getFullYear() - n);
replaceChildren($("#tax-list"), years.map((year) => h("li", { class: "session-row" },
  h("div", {}, h("strong", {}, `Realized gains ${year}`), h("p", { class: "muted small" }, year === today.getFullYear() ? "Year to date" : "Full year")),
  h("div", { class: "preview-actions" },
    h("a", { class: "btn btn-sm", href: `${base()}/realized?year=${year}&format=csv`, download: "" }, "CSV"),
    h("a", { class: "btn btn-sm", href: `${base()}/realized?year=${year}&format=pdf`, download: "" }, "PDF")))));
