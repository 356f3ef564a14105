// "Forgot password?": ask for a reset link by username or e-mail (the answer is the same
// whether or not an account matches; the link opens /recover).

import { post } from "./api.js";
import { $, show } from "./dom.js";
import { describe } from "./messages.js";

$("#forgot-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const who = $("#forgot-who").value.trim();
  const error = $("#forgot-error");
  if (!who) {
    error.textContent = "Enter your username or e-mail address.";
    return show(error, true);
  }
  show(error, false);
  $("#forgot-submit").disabled = true;
  try {
    const answer = await post("/v1/api/recovery/password", who.includes("@") ? { email: who } : { username: who });
    $("#forgot-done").textContent = answer.message || "If an account matches, a reset link is on its way.";
    show($("#forgot-done"), true);
    show($("#forgot-form"), false);
  } catch (failure) {
    error.textContent = describe(failure);
    show(error, true);
    $("#forgot-submit").disabled = false;
  }
});
