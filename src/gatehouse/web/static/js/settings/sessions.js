// "Where you're signed in": every live session, sign out one, or sign out everywhere.

import { del, get, post } from "../api.js";
import { $, h, replaceChildren, toast } from "../dom.js";
import { formatTime, timeAgo } from "../format.js";
import { onEvent } from "../live.js";
import { describe } from "../messages.js";

const PLATFORMS = { web: "Client Portal", mobile: "Mobile", workstation: "Workstation", gateway: "Gateway" };

function row(session) {
  const name = session.device_name || PLATFORMS[session.platform] || session.platform;
  const end = h("button", { class: "btn btn-ghost btn-sm", type: "button", "data-session": session.session_id }, "Sign out");
  end.addEventListener("click", () => endOne(session));
  return h(
    "li",
    { class: "session-row", "data-session-id": session.session_id },
    h("div", {},
      h("strong", {}, `${PLATFORMS[session.platform] || session.platform}`),
      session.current ? h("span", { class: "pill" }, "This device") : null,
      h("span", { class: `env-badge env-${session.environment}` }, session.environment.toUpperCase()),
      h("p", { class: "muted small" }, `${name} · ${session.address || "unknown address"} · signed in ${formatTime(session.created_at)} · active ${timeAgo(session.last_seen_at)}`),
    ),
    end,
  );
}

async function endOne(session) {
  try {
    await del(`/v1/api/sessions/${session.session_id}`);
    toast(session.current ? "Signed out." : "That session was signed out.");
    await load();
  } catch (error) {
    toast(describe(error), "error");
  }
}

async function endAll() {
  if (!window.confirm("Sign out of Gatehouse on every device, including this one?")) return;
  try {
    await post("/v1/api/sessions/end-all");
  } catch (error) {
    toast(describe(error), "error");
    return;
  }
  window.dispatchEvent(new CustomEvent("gatehouse:signed-out", { detail: { code: "signed_out_everywhere" } }));
}

export async function load() {
  const list = $("#sessions-list");
  try {
    const { sessions } = await get("/v1/api/sessions");
    replaceChildren(list, sessions.map(row));
  } catch (error) {
    replaceChildren(list, h("li", { class: "error-text" }, describe(error)));
  }
}

export function start() {
  $("#end-all")?.addEventListener("click", endAll);
  onEvent("session.created", load);
  onEvent("session.ended", load);
  return load();
}
