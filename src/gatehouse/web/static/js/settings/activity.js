// Recent sign-in activity: the user's own audit log, newest first.

import { get } from "../api.js";
import { $, h, replaceChildren } from "../dom.js";
import { formatTime } from "../format.js";
import { onEvent } from "../live.js";
import { describe } from "../messages.js";

const EVENTS = {
  "login.password_ok": "Password accepted",
  "login.failed": "Wrong password",
  "login.succeeded": "Signed in",
  "login.second_factor_failed": "Wrong second-factor code",
  "login.challenge_sent": "Code requested",
  "login.locked_out": "Locked after failed attempts",
  "login.wrong_environment": "Wrong environment chosen",
  "session.ended": "Signed out",
  "password.changed": "Password changed",
  "password.rehashed": "Password storage upgraded",
  "totp.enrolled": "Authenticator app set up",
  "card.issued": "New code card issued",
  "account.locked": "Account locked",
  "account.unlocked": "Account unlocked",
  "user.created": "Account opened",
  "session.idle_timeout_changed": "Mobile timeout changed",
  "phone.changed": "SMS number changed",
  "passkey.registered": "Passkey added",
  "passkey.removed": "Passkey removed",
  "passkey.refused": "Passkey refused",
  "gateway.registered": "Gateway registered",
  "gateway.signin": "Gateway signed in",
  "gateway.signin_failed": "Gateway sign-in refused",
  "gateway.revoked": "Gateway revoked",
  "gateway.renewed": "Gateway renewed",
};
const BAD = new Set(["login.failed", "login.second_factor_failed", "login.locked_out", "passkey.refused", "gateway.signin_failed"]);

function describeEntry(entry) {
  const what = EVENTS[entry.event] || entry.event;
  const how = entry.factor ? ` (${entry.factor})` : "";
  const why = entry.detail?.reason && entry.event === "session.ended" ? ` — ${String(entry.detail.reason).replaceAll("_", " ")}` : "";
  return `${what}${how}${why}`;
}

export async function load() {
  const body = $("#activity-table tbody");
  try {
    const { activity } = await get("/v1/api/me/activity?limit=25");
    replaceChildren(
      body,
      activity.map((entry) =>
        h("tr", { class: BAD.has(entry.event) ? "row-bad" : "" },
          h("td", { class: "nowrap" }, formatTime(entry.at)),
          h("td", {}, describeEntry(entry)),
          h("td", {}, [entry.platform, entry.environment].filter(Boolean).join(" · ") || "—"),
          h("td", { class: "num" }, entry.address || "—"),
        ),
      ),
    );
  } catch (error) {
    replaceChildren(body, h("tr", {}, h("td", { colspan: 4, class: "error-text" }, describe(error))));
  }
}

export function start() {
  onEvent("session.created", load);
  onEvent("session.ended", load);
  onEvent("user.factors_changed", load);
  return load();
}
