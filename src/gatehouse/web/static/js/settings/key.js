// Settings → Gatehouse Key: an activation code (QR code and text) to enroll a device, the
// devices enrolled, and revoking one. Changes need a recent sign-in (step-up.js).

import { del, get, post } from "../api.js";
import { $, h, replaceChildren, show, toast } from "../dom.js";
import { formatTime } from "../format.js";
import { onEvent } from "../live.js";
import { describe } from "../messages.js";
import { withStepUp } from "../step-up.js";

function fail(error) {
  if (error?.code === "step_up_cancelled") return;
  $("#key-error").textContent = describe(error);
  show($("#key-error"), true);
}

function deviceRow(device) {
  const revoke = h("button", { class: "btn btn-ghost btn-sm", type: "button", "data-device": device.device_id }, "Revoke");
  revoke.addEventListener("click", async () => {
    try {
      await withStepUp(() => del(`/v1/api/key/devices/${encodeURIComponent(device.device_id)}`));
      toast(`${device.name} can no longer approve sign-ins.`);
      await load();
    } catch (error) {
      fail(error);
    }
  });
  const seen = device.last_seen_at ? `last seen ${formatTime(device.last_seen_at)}` : "not seen yet";
  return h("li", { class: "session-row" },
    h("div", {}, h("strong", {}, device.name), h("p", { class: "muted small" }, `Added ${formatTime(device.created_at)} · ${seen}`)),
    revoke);
}

export async function load() {
  const list = $("#key-devices");
  if (!list) return;
  try {
    const active = (await get("/v1/api/key/devices")).devices.filter((d) => !d.revoked_at);
    replaceChildren(list, active.length ? active.map(deviceRow) : h("li", { class: "muted small" }, "No Key device yet."));
  } catch (error) {
    fail(error);
  }
}

async function addDevice() {
  show($("#key-error"), false);
  try {
    const made = await withStepUp(() => post("/v1/api/key/activations"));
    $("#key-qr").src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(made.qr_svg)}`;
    $("#key-code").textContent = made.code;
    $("#key-server").textContent = made.server;
    $("#key-valid").textContent = `${Math.round(made.expires_in / 60)} minutes`;
    show($("#key-enroll"), true);
  } catch (error) {
    fail(error);
  }
}

export function start() {
  if (!$("#key-panel")) return;
  $("#key-add").addEventListener("click", addDevice);
  onEvent("user.factors_changed", () => {
    show($("#key-enroll"), false);
    load();
  });
  load();
}
