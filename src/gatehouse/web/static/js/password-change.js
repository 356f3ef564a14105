// Change the password: the temporary-password step (then the page asked for) and the form in
// Settings (which may first ask to confirm it is you: see step-up.js).

import { post } from "./api.js";
import { $, show, toast } from "./dom.js";
import { describe } from "./messages.js";
import { withStepUp } from "./step-up.js";

export function start(form = $("#pw-form")) {
  if (!form) return;
  const error = $("#pw-error", form);
  const say = (text) => {
    error.textContent = text;
    show(error, Boolean(text));
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const current = $("#pw-current", form).value;
    const fresh = $("#pw-new", form).value;
    if (!current || !fresh) return say("Fill in your current password and a new one.");
    if (fresh !== $("#pw-confirm", form).value) return say("The two new passwords differ.");
    say("");
    const button = $("#pw-submit", form);
    button.disabled = true;
    try {
      const change = () => post("/v1/api/me/password", { current, new: fresh });
      await (form.dataset.mode === "temporary" ? change() : withStepUp(change));
      form.reset();
      if (form.dataset.mode === "temporary") {
        window.location.reload(); // the page asked for, now that the password is the user's own
        return;
      }
      toast("Password changed. Your other sessions were signed out.");
    } catch (failure) {
      if (failure?.code !== "step_up_cancelled") say(describe(failure));
    } finally {
      button.disabled = false;
    }
  });
}

if ($("#pw-form")?.dataset.mode === "temporary") start();
