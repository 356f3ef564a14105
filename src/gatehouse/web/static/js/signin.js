// The sign-in page: password step, then the second factor the user picks — authenticator
// code, SMS (with resend), two code-card cells, or a Gatehouse Key push with number matching.

import { ApiError, askForCookieSession, get, post, setCsrfToken } from "./api.js";
import { countdown } from "./countdown.js";
import { $, $$, show } from "./dom.js";
import { describe } from "./messages.js";

const USERNAME_KEY = "gatehouse.username"; // not a secret: only the username is remembered
const FACTOR_KEY = "gatehouse.factor";
const ORDER = ["push", "totp", "sms", "card"];

const root = $(".login");
const platform = root.dataset.platform || "web";
const errorBox = $("#signin-error");
const statusBox = $("#signin-status");
const passwordForm = $("#signin-password");
const twofact = $("#twofactbase");
const codeForm = $("#factor-code");
const codeInput = $("#xyz-field-bronze-response");
const cardForm = $("#factor-card");
const pushBox = $("#factor-push");
const submit = $("#signin-submit");

let attempt = null; // {login_id, factors, expires_at}
let factor = null;
let stopWait = () => {};
let blocked = false; // a lockout or rate-limit countdown is running
let stopExpiry = () => {};
let pushPoll = null;

function stopCountdown() {
  stopWait();
  stopWait = () => {};
  if (blocked) {
    blocked = false;
    submit.disabled = false;
  }
}

function fail(message) {
  stopCountdown();
  errorBox.textContent = message;
  show(errorBox, Boolean(message));
}

function clearError() {
  stopCountdown();
  show(errorBox, false);
  errorBox.textContent = "";
}

/** Show an error; a lockout or rate limit counts down and blocks the form until it ends. */
function failWith(error) {
  const wait = error instanceof ApiError ? error.retryAfter : null;
  if (wait && ["locked", "rate_limited"].includes(error.code)) {
    const base = describe(error);
    stopCountdown();
    blocked = true;
    submit.disabled = true;
    show(errorBox, true);
    stopWait = countdown(errorBox, wait, {
      template: (left) => `${base} Try again in ${left}.`,
      onDone: () => {
        blocked = false;
        submit.disabled = false;
        errorBox.textContent = "You can try again now.";
      },
    });
    return;
  }
  fail(describe(error));
}

function remembered() {
  const name = localStorage.getItem(USERNAME_KEY);
  if (name) {
    $("#username").value = name;
    $("#remember-username").checked = true;
    $("#password").focus();
  } else {
    $("#username").focus();
  }
}

async function onPassword(event) {
  event.preventDefault();
  clearError();
  const username = $("#username").value.trim();
  const password = $("#password").value;
  if (!username || !password) return fail("Enter your username and password.");
  submit.disabled = true;
  try {
    const body = await post("/v1/api/auth/login", {
      username,
      password,
      platform,
      environment: $("#toggle1").checked ? "paper" : "live",
      device_name: platform === "mobile" ? "Mobile web app" : "Client Portal",
    });
    if ($("#remember-username").checked) localStorage.setItem(USERNAME_KEY, username);
    else localStorage.removeItem(USERNAME_KEY);
    $("#password").value = "";
    attempt = { ...body, expires_at: Date.now() + body.expires_in * 1000 };
    secondStep(body);
  } catch (error) {
    failWith(error);
  } finally {
    submit.disabled = blocked;
  }
}

function secondStep(body) {
  show(passwordForm, false);
  show(twofact, true);
  if (body.notices?.includes("card_spent")) fail(describe({ code: "card_spent" }));
  for (const tab of $$("#factor-tabs [data-factor]")) show(tab, body.factors.includes(tab.dataset.factor));
  stopExpiry();
  stopExpiry = countdown($("#login-expiry"), body.expires_in, {
    template: (left) => `This sign-in expires in ${left}.`,
    onDone: () => restart("login_expired"),
  });
  const preferred = localStorage.getItem(FACTOR_KEY);
  const first = body.factors.includes(preferred) ? preferred : ORDER.find((f) => body.factors.includes(f));
  if (first) choose(first);
}

async function choose(name) {
  factor = name;
  pushPoll?.abort();
  clearError();
  for (const tab of $$("#factor-tabs [data-factor]")) tab.setAttribute("aria-selected", String(tab.dataset.factor === name));
  show(codeForm, name === "totp" || name === "sms");
  show(cardForm, name === "card");
  show(pushBox, name === "push");
  show($("#sms-resend"), name === "sms");
  codeInput.value = "";
  if (name === "totp") {
    $("#code-hint").textContent = "Enter the 6-digit code from your authenticator app.";
    codeInput.focus();
  } else if (name === "sms") {
    await sendSms();
  } else if (name === "card") {
    await askCard();
  } else if (name === "push") {
    await startPush();
  }
}

async function challenge(name) {
  return post(`/v1/api/auth/login/${attempt.login_id}/challenge`, { factor: name });
}

async function sendSms() {
  $("#code-hint").textContent = "Sending a code…";
  try {
    const sent = await challenge("sms");
    $("#code-hint").textContent = `We texted a 6-digit code to ${sent.sent_to}.`;
    $("#sms-resend").disabled = sent.sends_left <= 0;
    $("#sms-resend").textContent = sent.sends_left > 0 ? `Send a new code (${sent.sends_left} left)` : "No more codes can be sent";
    codeInput.focus();
  } catch (error) {
    $("#code-hint").textContent = "";
    handleStepError(error);
  }
}

async function askCard() {
  try {
    const asked = await challenge("card");
    $("#card-cell-1").textContent = asked.cells[0];
    $("#card-cell-2").textContent = asked.cells[1];
    $("#card-input-1").value = "";
    $("#card-input-2").value = "";
    $("#card-input-1").focus();
  } catch (error) {
    handleStepError(error);
  }
}

async function startPush() {
  $("#push-number").textContent = "··";
  $("#push-status").textContent = "Sending a request to your Gatehouse Key…";
  try {
    const sent = await challenge("push");
    $("#push-number").textContent = String(sent.number);
    $("#push-status").textContent = "Waiting for your approval…";
    waitForPush();
  } catch (error) {
    handleStepError(error);
  }
}

async function waitForPush() {
  pushPoll = new AbortController();
  const signal = pushPoll.signal;
  while (factor === "push" && !signal.aborted) {
    try {
      const state = await get(`/v1/api/auth/login/${attempt.login_id}?wait=25`, { signal });
      if (state.session_id || state.state === "completed") return signedIn(state);
      if (state.state === "denied" || state.state === "failed") {
        return fail("The request was denied on your Gatehouse Key. Start over to try again.");
      }
      if (state.state === "expired") return restart("login_expired");
    } catch (error) {
      if (error.name === "AbortError") return;
      if (["push_denied", "push_wrong_number"].includes(error.code)) {
        $("#push-status").textContent = "";
        return fail(describe(error));
      }
      return handleStepError(error);
    }
  }
}

function handleStepError(error) {
  if (["login_expired", "login_not_found"].includes(error.code)) return restart(error.code);
  if (error.code === "locked") {
    restart(null);
    return failWith(error);
  }
  failWith(error);
}

async function verify(code) {
  clearError();
  try {
    const session = await post(`/v1/api/auth/login/${attempt.login_id}/verify`, { factor, code });
    localStorage.setItem(FACTOR_KEY, factor);
    await signedIn(session);
  } catch (error) {
    if (error.code === "challenge_expired" && factor === "sms") {
      fail(`${describe(error)} Use “Send a new code”.`);
    } else if (error.code === "challenge_expired" && factor === "card") {
      fail(describe(error));
      await askCard();
    } else {
      handleStepError(error);
    }
    codeInput.select?.();
  }
}

async function signedIn(session) {
  stopExpiry();
  pushPoll?.abort();
  setCsrfToken(session.csrf_token);
  statusBox.classList.remove("notice");
  statusBox.textContent = "Client login succeeds";
  show(statusBox, true);
  show(twofact, false);
  const detail = { session, next: root.dataset.next || root.dataset.home };
  const handled = !window.dispatchEvent(new CustomEvent("gatehouse:signed-in", { detail, cancelable: true }));
  if (!handled) location.assign(detail.next);
}

/** Back to the password step, with the reason shown. */
function restart(code) {
  stopExpiry();
  pushPoll?.abort();
  attempt = null;
  factor = null;
  show(twofact, false);
  show(passwordForm, true);
  submit.disabled = false;
  if (code) fail(describe({ code }));
  $("#password").focus();
}

passwordForm.addEventListener("submit", onPassword);
codeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const code = codeInput.value.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(code)) return fail("Enter the 6-digit code.");
  verify(code);
});
cardForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const cells = [$("#card-input-1").value.trim(), $("#card-input-2").value.trim()];
  if (cells.some((c) => c.length !== 3)) return fail("Each cell has 3 characters.");
  verify(cells);
});
$("#sms-resend").addEventListener("click", () => {
  clearError();
  sendSms();
});
$("#start-over").addEventListener("click", () => restart(null));
for (const tab of $$("#factor-tabs [data-factor]")) tab.addEventListener("click", () => choose(tab.dataset.factor));
const REASONS = {
  idle: "You were signed out after a while without activity.",
  signed_out: "You have signed out.",
  revoked: "This device was signed out from another session.",
  signed_out_everywhere: "You were signed out everywhere.",
  session_expired: "Your session has ended. Please sign in again.",
  password_changed: "Your password was changed: please sign in again.",
};
const reason = new URLSearchParams(location.search).get("reason");
if (REASONS[reason]) {
  statusBox.textContent = REASONS[reason];
  statusBox.classList.add("notice");
  show(statusBox, true);
}
if (platform === "mobile") askForCookieSession();
remembered();
