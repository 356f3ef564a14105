// Mobile sign-in: unlock with a passkey when this phone has one; otherwise (and every few
// days) the full sign-in, after which the phone is remembered and a passkey is offered.

import { askForCookieSession, post } from "../api.js";
import { $, show } from "../dom.js";
import { describe } from "../messages.js";
import * as passkey from "../passkey.js";

const HAS_PASSKEY = "gatehouse.passkey"; // a hint only ("this phone has one"), no secret
const root = $(".login");
let next = root.dataset.next || "/m/";

askForCookieSession();

function go() {
  location.assign(next);
}

function fullSignIn(message, username) {
  show($("#unlock"), false);
  show($("#full-signin"), true);
  if (username) $("#username").value = username;
  if (message) {
    const box = $("#signin-error");
    box.textContent = message;
    show(box, true);
  }
  $(username ? "#password" : "#username").focus();
}

async function tryUnlock() {
  const box = $("#unlock-error");
  show(box, false);
  $("#unlock-button").disabled = true;
  try {
    await passkey.unlock();
    go();
  } catch (error) {
    if (error.code === "reauth_required") {
      return fullSignIn(describe(error), error.details?.username);
    }
    if (error.code === "passkey_rejected") localStorage.removeItem(HAS_PASSKEY);
    box.textContent = error.name === "NotAllowedError" ? "Unlock was cancelled." : describe(error);
    show(box, true);
  } finally {
    $("#unlock-button").disabled = false;
  }
}

async function offerPasskey() {
  show($("#full-signin"), false);
  show($("#passkey-offer"), true);
  $("#passkey-create").addEventListener("click", async () => {
    const box = $("#offer-error");
    show(box, false);
    try {
      await passkey.register(navigator.userAgentData?.platform || "Phone");
      localStorage.setItem(HAS_PASSKEY, "1");
      go();
    } catch (error) {
      box.textContent = error.name === "NotAllowedError" ? "Biometric unlock was not turned on." : describe(error);
      show(box, true);
    }
  });
  $("#passkey-skip").addEventListener("click", go);
}

// After a full sign-in: remember it for this phone, then offer a passkey if there is none.
window.addEventListener("gatehouse:signed-in", async (event) => {
  event.preventDefault();
  next = event.detail.next || next;
  try {
    const device = await post("/v1/api/me/device");
    if (localStorage.getItem(HAS_PASSKEY) && device.passkeys > 0) return go();
  } catch {
    return go();
  }
  if (await passkey.supported()) return offerPasskey();
  go();
});

$("#unlock-button").addEventListener("click", tryUnlock);
$("#use-password").addEventListener("click", () => fullSignIn());
if (localStorage.getItem(HAS_PASSKEY)) {
  const name = localStorage.getItem("gatehouse.username");
  $("#unlock-name").textContent = name ? `, ${name}` : "";
  show($("#full-signin"), false);
  show($("#unlock"), true);
}
