// Password recovery by security questions (docs/recovery.md): username → the three questions →
// a TOTP or SMS code (answers are never enough alone) → a new password. The server answers the
// same for any username (decoy questions), so nothing here says whether an account exists.

import { post } from "./api.js";
import { $, $$, h, replaceChildren, show } from "./dom.js";
import { describe } from "./messages.js";

const STEPS = ["#rq-start", "#rq-answers", "#rq-code", "#rq-password"];
let attempt = null; // {recovery_id, questions, factors}
let factor = "totp";
let resetToken = null;

function say(text) {
  $("#rq-error").textContent = text || "";
  show($("#rq-error"), Boolean(text));
}

function step(selector) {
  for (const id of STEPS) show($(id), id === selector);
  const first = $(`${selector} input:not([hidden])`);
  if (first) first.focus();
}

function restart(text) {
  attempt = null;
  resetToken = null;
  step("#rq-start");
  say(text);
}

function failed(failure) {
  if (failure?.code === "recovery_not_found") return restart(describe(failure));
  say(describe(failure));
}

$("#rq-start").addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = $("#rq-username").value.trim();
  if (!username) return say("Enter your username.");
  say("");
  $("#rq-start-submit").disabled = true;
  try {
    attempt = await post("/v1/api/recovery/questions", { username });
  } catch (failure) {
    return failed(failure);
  } finally {
    $("#rq-start-submit").disabled = false;
  }
  const fields = attempt.questions.map((question, i) =>
    h("label", { class: "field" }, question.text,
      h("input", { id: `rq-answer-${i + 1}`, autocomplete: "off", maxlength: 100, required: true })));
  replaceChildren($("#rq-questions"), fields);
  for (const tab of $$("#rq-code [data-factor]")) show(tab, attempt.factors.includes(tab.dataset.factor));
  choose(attempt.factors.includes("totp") ? "totp" : attempt.factors[0]);
  step("#rq-answers");
});

$("#rq-answers").addEventListener("submit", (event) => {
  event.preventDefault();
  const answers = $$("#rq-questions input").map((input) => input.value.trim());
  if (answers.some((answer) => answer.length === 0)) return say("Answer all three questions.");
  say("");
  step("#rq-code");
});

function choose(name) {
  factor = name;
  for (const tab of $$("#rq-code [data-factor]")) tab.setAttribute("aria-selected", String(tab.dataset.factor === name));
  show($("#rq-sms-send"), name === "sms");
  $("#rq-code-hint").textContent = name === "sms"
    ? "We text a code to the phone number on the account."
    : "Enter the 6-digit code from your authenticator app or Gatehouse Key.";
  $("#rq-code-input").value = "";
}

for (const tab of $$("#rq-code [data-factor]")) {
  tab.addEventListener("click", () => {
    say("");
    choose(tab.dataset.factor);
    $("#rq-code-input").focus();
  });
}

$("#rq-sms-send").addEventListener("click", async () => {
  say("");
  try {
    await post(`/v1/api/recovery/questions/${encodeURIComponent(attempt.recovery_id)}/sms`);
    $("#rq-code-hint").textContent = "If the account has a phone number, a code is on its way to it. Enter it here.";
    $("#rq-sms-send").textContent = "Send a new code";
    $("#rq-code-input").focus();
  } catch (failure) {
    failed(failure);
  }
});

$("#rq-edit-answers").addEventListener("click", () => {
  say("");
  step("#rq-answers");
});

$("#rq-code-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = $("#rq-code-input").value.trim();
  if (!code) return say("Enter the code.");
  say("");
  $("#rq-verify").disabled = true;
  try {
    const answers = $$("#rq-questions input").map((input) => input.value);
    const url = `/v1/api/recovery/questions/${encodeURIComponent(attempt.recovery_id)}/verify`;
    resetToken = (await post(url, { answers, factor, code })).reset_token;
    step("#rq-password");
  } catch (failure) {
    $("#rq-code-input").value = "";
    if (failure?.code === "recovery_failed") {
      return say("The answers or the code are not right. Check them (Change my answers) and try a new code.");
    }
    failed(failure);
  } finally {
    $("#rq-verify").disabled = false;
  }
});

$("#rq-password").addEventListener("submit", async (event) => {
  event.preventDefault();
  const password = $("#rq-new").value;
  if (!password) return say("Enter a new password.");
  if (password !== $("#rq-confirm").value) return say("The two passwords are not the same.");
  say("");
  $("#rq-password-submit").disabled = true;
  try {
    await post("/v1/api/recovery/password/reset", { token: resetToken, password });
  } catch (failure) {
    $("#rq-password-submit").disabled = false;
    if (failure?.code === "invalid_recovery_token") return restart(describe(failure));
    return say(describe(failure));
  }
  for (const id of STEPS) show($(id), false);
  $("#rq-done").textContent = "Your password is changed. Sign in with it and your second factor.";
  show($("#rq-done"), true);
  $("#rq-back").focus();
});
