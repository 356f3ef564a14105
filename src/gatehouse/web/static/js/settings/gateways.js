// "Gateways": the headless Gateways registered to this account; revoke one from here.

import { del, get } from "../api.js";
import { $, h, replaceChildren, toast } from "../dom.js";
import { formatTime, timeAgo } from "../format.js";
import { onEvent } from "../live.js";
import { describe } from "../messages.js";

function row(device) {
  const revoke = h("button", { class: "btn btn-ghost btn-sm", type: "button", "data-gateway": device.device_id }, "Revoke");
  revoke.addEventListener("click", () => revokeOne(device));
  const used = device.last_used_at ? `last used ${timeAgo(device.last_used_at)} from ${device.last_address || "unknown address"}` : "never used";
  return h(
    "li",
    { class: "session-row", "data-gateway-id": device.device_id },
    h("div", {},
      h("strong", {}, device.name),
      h("span", { class: "pill" }, device.scope === "trade" ? "Trade" : "Read-only"),
      h("span", { class: `env-badge env-${device.environment}` }, device.environment.toUpperCase()),
      h("p", { class: "muted small" }, `added ${formatTime(device.created_at)} · ${used} · full sign-in due ${formatTime(device.second_factor_due_at)}`),
    ),
    revoke,
  );
}

async function revokeOne(device) {
  if (!window.confirm(`Revoke the gateway "${device.name}"? It stops at once.`)) return;
  try {
    await del(`/v1/api/devices/${device.device_id}`);
    toast("The gateway was revoked.");
    await load();
  } catch (error) {
    toast(describe(error), "error");
  }
}

export async function load() {
  const list = $("#gateways-list");
  if (!list) return;
  try {
    const { devices } = await get("/v1/api/devices");
    replaceChildren(list, devices.length ? devices.map(row) : h("li", { class: "muted small" }, "No gateway is registered. Run gatehouse gateway login on the bot's machine."));
  } catch (error) {
    replaceChildren(list, h("li", { class: "error-text" }, describe(error)));
  }
}

export function start() {
  onEvent("user.gateways_changed", load);
  onEvent("session.created", load);
  return load();
}
