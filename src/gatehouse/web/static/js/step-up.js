// "Confirm it's you": changing how you sign in needs your password and a second factor (a code,
// or a Gatehouse Key push approved on the device) within the last five minutes. withStepUp(action) runs the action; if the server answers
// reauth_required it asks for both in a dialog, then runs the action again.

import { get, post } from "./api.js";
import { $, h, replaceChildren, show } from "./dom.js";
import { describe } from "./messages.js";

const NAMES = { push: "Gatehouse Key", totp: "Authenticator app", sms: "Text message", card: "Code card" };

function cancelled() {
  const error = new Error("Cancelled.");
  error.code = "step_up_cancelled";
  return error;
}

/** Ask for the password, then a second factor; resolves once this session is confirmed. */
export function stepUp() {
  return new Promise((resolve, reject) => {
    const error = h("p", { class: "error-text", id: "step-up-error", role: "alert", hidden: true });
    const body = h("div", { class: "stack", id: "step-up-body" });
    const close = h("button", { class: "btn btn-ghost btn-sm", type: "button", id: "step-up-cancel" }, "Cancel");
    const dialog = h("dialog", { class: "step-up", id: "step-up", "aria-labelledby": "step-up-title" },
      h("h2", { id: "step-up-title" }, "Confirm it's you"),
      h("p", { class: "muted small" }, "Changing how you sign in needs your password and a second factor."),
      body, error, h("div", { class: "preview-actions" }, close));
    document.body.append(dialog);
    const say = (text) => {
      error.textContent = text;
      show(error, Boolean(text));
    };
    let polling = null; // the push long poll, stopped when the dialog closes
    const finish = (ok) => {
      polling?.abort();
      dialog.close();
      dialog.remove();
      ok ? resolve() : reject(cancelled());
    };
    close.addEventListener("click", () => finish(false));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });

    const passwordForm = h("form", { class: "stack", id: "step-up-password", novalidate: true },
      h("label", { class: "field" }, "Password",
        h("input", { type: "password", id: "step-up-pass", autocomplete: "current-password", required: true })),
      h("button", { class: "btn btn-primary", type: "submit" }, "Continue"));
    replaceChildren(body, passwordForm);
    passwordForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      say("");
      try {
        const started = await post("/v1/api/me/step-up", { password: $("#step-up-pass").value });
        chooseFactor(started);
      } catch (failure) {
        say(describe(failure));
      }
    });

    function chooseFactor(started) {
      const base = `/v1/api/me/step-up/${encodeURIComponent(started.login_id)}`;
      const choices = started.factors.map((factor) => {
        const button = h("button", { class: "btn btn-sm", type: "button", "data-factor": factor }, NAMES[factor] || factor);
        button.addEventListener("click", () => (factor === "push" ? askPush(base) : askCode(base, factor)));
        return button;
      });
      replaceChildren(body, h("p", { class: "small" }, "Use one of your second factors:"), h("div", { class: "preview-actions" }, choices));
      if (started.factors.length === 1) choices[0].click();
    }

    // Key push: show the number to pick, then wait; the approval confirms this session.
    async function askPush(base) {
      say("");
      polling?.abort();
      const number = h("div", { class: "push-number", id: "step-up-push-number", "aria-live": "polite" }, "··");
      const status = h("p", { class: "muted small", id: "step-up-push-status" }, "Sending a request to your Gatehouse Key…");
      replaceChildren(body, h("div", { class: "stack login-step-notification", id: "step-up-push" },
        h("p", {}, "Open ", h("strong", {}, "Gatehouse Key"), " on your phone and tap this number:"), number, status));
      try {
        number.textContent = String((await post(`${base}/challenge`, { factor: "push" })).number);
      } catch (failure) {
        return say(describe(failure));
      }
      status.textContent = "Waiting for your approval…";
      polling = new AbortController();
      const { signal } = polling;
      while (!signal.aborted) {
        try {
          const state = await get(`${base}?wait=25`, { signal });
          if (state.state === "reauthenticated") return finish(true);
          if (state.state === "expired") return say("This request has expired. Cancel and try again.");
          if (state.push === "expired") {
            status.textContent = "";
            const again = h("button", { class: "btn btn-sm", type: "button", id: "step-up-push-again" }, "Send again");
            again.addEventListener("click", () => askPush(base));
            replaceChildren(body, h("p", { class: "small" }, "The request to your Gatehouse Key expired."), again);
            return;
          }
        } catch (failure) {
          if (failure.name === "AbortError") return;
          status.textContent = "";
          say(describe(failure));
          // denied or the wrong number ends this step-up: start over from the password
          const over = h("button", { class: "btn btn-sm", type: "button", id: "step-up-restart" }, "Start over");
          over.addEventListener("click", () => {
            say("");
            $("#step-up-pass", passwordForm).value = "";
            replaceChildren(body, passwordForm);
            $("#step-up-pass", passwordForm).focus();
          });
          body.append(h("div", { class: "preview-actions" }, over));
          return;
        }
      }
    }

    async function askCode(base, factor) {
      say("");
      let hint = "Code from your authenticator app";
      let cells = null;
      try {
        if (factor === "sms") {
          const sent = await post(`${base}/challenge`, { factor });
          hint = `Code we texted to ${sent.sent_to || "your phone"}`;
        } else if (factor === "card") {
          cells = (await post(`${base}/challenge`, { factor })).cells;
        }
      } catch (failure) {
        return say(describe(failure));
      }
      const inputs = cells
        ? cells.map((cell, i) => h("label", { class: "field" }, `Card cell ${cell}`,
            h("input", { id: `step-up-cell-${i + 1}`, maxlength: 3, autocomplete: "off", required: true, class: "code-input" })))
        : [h("label", { class: "field" }, hint,
            h("input", { id: "step-up-code", inputmode: "numeric", maxlength: 6, autocomplete: "one-time-code", required: true, class: "code-input" }))];
      const form = h("form", { class: "stack", id: "step-up-code-form", novalidate: true }, inputs,
        h("button", { class: "btn btn-primary", type: "submit" }, "Confirm"));
      replaceChildren(body, form);
      form.querySelector("input").focus();
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        say("");
        const code = cells ? cells.map((_, i) => $(`#step-up-cell-${i + 1}`).value.trim()) : $("#step-up-code").value.trim();
        try {
          await post(`${base}/verify`, { factor, code });
          finish(true);
        } catch (failure) {
          say(describe(failure));
        }
      });
    }

    dialog.showModal();
    $("#step-up-pass").focus();
  });
}

/** Run ``action``; when the server wants a recent sign-in, confirm it and run it again. */
export async function withStepUp(action) {
  try {
    return await action();
  } catch (error) {
    if (error?.code !== "reauth_required") throw error;
    await stepUp();
    return action();
  }
}
