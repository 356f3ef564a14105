// The signed-in page frame: live status, sign out, inactivity warning with "Stay signed in",
// and leaving at once when this session ends anywhere (revoked, signed out everywhere).

import { post } from "./api.js";
import { $, show } from "./dom.js";
import { onEvent, startLive, stopLive } from "./live.js";
import { clock } from "./messages.js";

const mobile = document.body.classList.contains("mobile");
const signInPage = mobile ? "/m/login" : "/login";
const sessionId = document.querySelector('meta[name="session-id"]')?.content;
const idleSeconds = Number(document.querySelector('meta[name="idle-timeout"]')?.content || 0);
const WARN_SECONDS = mobile ? 60 : 120;
let lastActivity = Date.now();
let leaving = false;

function leave(reason) {
  if (leaving) return;
  leaving = true;
  stopLive();
  const next = encodeURIComponent(location.pathname);
  location.assign(`${signInPage}?next=${next}${reason ? `&reason=${reason}` : ""}`);
}

async function signOut() {
  try {
    await post("/v1/api/logout");
  } catch {
    /* already over: leaving is all that is left to do */
  }
  leave("signed_out");
}

async function staySignedIn() {
  try {
    await post("/v1/api/tickle");
  } catch {
    /* a failure here shows up as signed-out */
  }
}

function tickIdle() {
  if (!idleSeconds) return;
  const left = idleSeconds - (Date.now() - lastActivity) / 1000;
  const chip = $("#idle-chip");
  if (chip) chip.textContent = clock(left);
  if (left <= 0) return leave("idle");
  const warn = left <= WARN_SECONDS;
  show($("#idle-banner"), warn);
  if (warn) $("#idle-text").textContent = `For your security you will be signed out in ${clock(left)}.`;
}

window.addEventListener("gatehouse:activity", () => {
  lastActivity = Date.now();
  tickIdle();
});
window.addEventListener("gatehouse:signed-out", () => leave("session_expired"));
window.addEventListener("gatehouse:live", (e) => {
  const dot = $("#live-status");
  if (!dot) return;
  dot.dataset.state = e.detail;
  dot.title = `Live updates: ${e.detail}`;
});
onEvent("session.ended", (event) => {
  if (event.data?.session_id === sessionId) leave(event.data.reason || "revoked");
});

$("#sign-out")?.addEventListener("click", signOut);
$("#stay-signed-in")?.addEventListener("click", staySignedIn);
$("#idle-stay")?.addEventListener("click", staySignedIn);
setInterval(tickIdle, 1000);
tickIdle();
startLive();
