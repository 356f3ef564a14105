// Price alerts (IBKR paths: iserver/account/{acct}/alert, …/alerts, …/alert/{id}).

import { accountId } from "./account.js";
import { del, get, post } from "./api.js";
import { $, h, replaceChildren, show, toast } from "./dom.js";
import { formatTime } from "./format.js";
import { onEvent } from "./live.js";
import { describe } from "./messages.js";
import { resolve } from "./quotes.js";

const acct = () => encodeURIComponent(accountId());

function fail(error) {
  $("#alert-error").textContent = typeof error === "string" ? error : describe(error);
  show($("#alert-error"), true);
}

function row(alert) {
  const id = alert.order_id ?? alert.alertId ?? alert.id;
  const remove = h("button", { class: "btn btn-ghost btn-sm", type: "button" }, "Delete");
  remove.addEventListener("click", async () => {
    try {
      await del(`/v1/api/iserver/account/${acct()}/alert/${encodeURIComponent(id)}`);
      await load();
    } catch (error) {
      fail(error);
    }
  });
  const state = alert.alert_triggered ? "Triggered" : alert.alert_active === 0 ? "Paused" : "Active";
  return h("li", { class: "session-row" },
    h("div", {}, h("strong", {}, alert.alert_name || alert.alertName || "Alert"),
      h("p", { class: "muted small" }, `${state} · created ${formatTime(alert.order_time || alert.created_at)}`)),
    remove);
}

export async function load() {
  const list = $("#alerts-list");
  if (!list) return;
  try {
    const alerts = await get(`/v1/api/iserver/account/${acct()}/alerts`);
    const rows = Array.isArray(alerts) ? alerts : alerts?.alerts || [];
    replaceChildren(list, rows.length ? rows.map(row) : h("li", { class: "muted small" }, "No alerts yet."));
  } catch (error) {
    replaceChildren(list, h("li", { class: "muted small" }, error.status === 404 ? "Alerts are not available on this server yet." : describe(error)));
  }
}

async function create(event) {
  event.preventDefault();
  show($("#alert-error"), false);
  const symbol = $("#alert-symbol").value.trim().toUpperCase();
  const price = Number($("#alert-price").value);
  const operator = $("#alert-operator").value;
  if (!symbol) return fail("Enter a symbol.");
  if (!(price > 0)) return fail("Enter a price above zero.");
  try {
    const conid = await resolve(symbol);
    if (!conid) return fail(`No instrument matches ${symbol}.`);
    const name = `${symbol} ${operator === ">=" ? "≥" : "≤"} ${price}`;
    await post(`/v1/api/iserver/account/${acct()}/alert`, {
      orderId: 0, alertName: name, alertMessage: `${name} reached`, alertRepeatable: 0, outsideRth: 1, tif: "GTC",
      conditions: [{ conidex: `${conid}@SMART`, type: 1, operator, triggerMethod: "0", value: String(price), logicBind: "n" }],
    });
    $("#alert-form").reset();
    toast(`Alert set: ${name}.`);
    await load();
  } catch (error) {
    fail(error);
  }
}

export function start() {
  $("#alert-form")?.addEventListener("submit", create);
  onEvent("*", (event) => {
    if (/^alert/.test(event.type || "")) {
      load();
      if (event.type === "alert.fired") toast(`Alert: ${event.data?.alert_name || event.data?.name || "price reached"}`);
    }
  });
  return load();
}
