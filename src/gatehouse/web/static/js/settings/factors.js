// Second factors: set up an authenticator app (QR + confirm), change the SMS number
// (confirmed by a code), issue a new code card (shown once, with a PDF), list passkeys.

import { del, get, post } from "../api.js";
import { $, h, replaceChildren, show, toast } from "../dom.js";
import { formatTime } from "../format.js";
import { onEvent } from "../live.js";
import { describe } from "../messages.js";
import { withStepUp } from "../step-up.js";

const errorBox = () => $("#factors-error");

function fail(error) {
  if (error?.code === "step_up_cancelled") return;
  errorBox().textContent = describe(error);
  show(errorBox(), true);
}

function ok(text) {
  show(errorBox(), false);
  toast(text);
}

function passkeyRow(key) {
  const remove = h("button", { class: "btn btn-ghost btn-sm", type: "button" }, "Remove");
  remove.addEventListener("click", async () => {
    if (!window.confirm("Remove this passkey? That phone will need your password and second factor.")) return;
    try {
      await withStepUp(() => del(`/v1/api/me/passkeys/${key.id}`));
      ok("Passkey removed.");
      await load();
    } catch (error) {
      fail(error);
    }
  });
  const used = key.last_used_at ? `last used ${formatTime(key.last_used_at)}` : "not used yet";
  return h("li", { class: "session-row" },
    h("div", {}, h("strong", {}, key.device_name), h("p", { class: "muted small" }, `Added ${formatTime(key.created_at)} · ${used}`)),
    remove,
  );
}

function setText(selector, text) {
  const element = $(selector);
  if (element) element.textContent = text;
}

export async function load() {
  try {
    const factors = await get("/v1/api/me/factors");
    setText("#totp-state", factors.totp ? "Set up. Setting up again replaces the old app." : "Not set up.");
    setText("#totp-start", factors.totp ? "Replace" : "Set up");
    setText("#sms-state", factors.sms ? `Codes go to ${factors.sms.phone}.` : "No number on file.");
    setText(
      "#card-state",
      factors.card ? `Card ${factors.card.card_id}: ${factors.card.unused_cells} unused cells.` : "No card issued.",
    );
    const list = $("#passkeys-list");
    if (list) replaceChildren(list, factors.passkeys.length ? factors.passkeys.map(passkeyRow) : h("li", { class: "muted small" }, "No passkeys yet."));
  } catch (error) {
    fail(error);
  }
}

async function startTotp() {
  try {
    const enrollment = await withStepUp(() => post("/v1/api/me/totp"));
    $("#totp-qr").src = enrollment.qr_svg;
    $("#totp-secret").textContent = enrollment.secret.match(/.{1,4}/g).join(" ");
    show($("#totp-enroll"), true);
    $("#totp-confirm [name=code]").focus();
  } catch (error) {
    fail(error);
  }
}

async function confirmTotp(event) {
  event.preventDefault();
  const input = $("#totp-confirm [name=code]");
  try {
    await post("/v1/api/me/totp/confirm", { code: input.value.trim() });
    show($("#totp-enroll"), false);
    input.value = "";
    ok("Your authenticator app is set up.");
    await load();
  } catch (error) {
    fail(error);
    input.select();
  }
}

async function sendPhoneCode(event) {
  event.preventDefault();
  try {
    const phone = $("#phone-form [name=phone]").value;
    const sent = await withStepUp(() => post("/v1/api/me/phone", { phone }));
    $("#phone-sent").textContent = `Code sent to ${sent.sent_to}`;
    show($("#phone-confirm"), true);
    $("#phone-confirm [name=code]").focus();
  } catch (error) {
    fail(error);
  }
}

async function confirmPhone(event) {
  event.preventDefault();
  try {
    const saved = await post("/v1/api/me/phone/confirm", { code: $("#phone-confirm [name=code]").value.trim() });
    show($("#phone-form"), false);
    show($("#phone-confirm"), false);
    ok(`Codes will go to ${saved.phone}.`);
    await load();
  } catch (error) {
    fail(error);
  }
}

function cardGrid(card) {
  const head = h("tr", {}, h("th", {}), card.columns.map((c) => h("th", {}, String(c))));
  const rows = card.rows.map((r) => h("tr", {}, h("th", {}, r), card.columns.map((c) => h("td", {}, card.cells[`${r}${c}`]))));
  replaceChildren($("#card-grid"), h("thead", {}, head), h("tbody", {}, rows));
}

async function issueCard() {
  if (!window.confirm("Issue a new code card? Your current card stops working at once.")) return;
  try {
    const card = await withStepUp(() => post("/v1/api/me/card"));
    cardGrid(card);
    const bytes = Uint8Array.from(atob(card.pdf_base64), (c) => c.charCodeAt(0));
    const link = $("#card-pdf");
    link.href = URL.createObjectURL(new Blob([bytes], { type: "application/pdf" }));
    link.download = card.filename;
    show($("#card-new"), true);
    ok("New code card issued.");
    await load();
  } catch (error) {
    fail(error);
  }
}

export function start() {
  $("#totp-start")?.addEventListener("click", startTotp);
  $("#totp-confirm")?.addEventListener("submit", confirmTotp);
  $("#phone-start")?.addEventListener("click", () => show($("#phone-form"), true));
  $("#phone-form")?.addEventListener("submit", sendPhoneCode);
  $("#phone-confirm")?.addEventListener("submit", confirmPhone);
  $("#card-issue")?.addEventListener("click", issueCard);
  onEvent("user.factors_changed", load);
  onEvent("passkey.registered", load);
  onEvent("passkey.removed", load);
  return load();
}
