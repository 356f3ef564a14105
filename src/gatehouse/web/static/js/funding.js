// Deposits and withdrawals: validated here (a positive amount, at most 2 decimals, no more
// than the cash available to withdraw), confirmed by the user, then sent.

import { accountId, amount, missing, onAccountChange, summary } from "./account.js";
import { get, post } from "./api.js";
import { $, h, replaceChildren, show, toast } from "./dom.js";
import { formatMoney, formatTime } from "./format.js";
import { describe } from "./messages.js";

const MAX = 10_000_000;
let available = null;
let pending = null;

/** The amount typed, as a number, or an error sentence. */
export function parseAmount(text, direction, availableCash) {
  const cleaned = String(text).replace(/[$,\s]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return { error: "Enter an amount like 2500 or 2500.50." };
  const value = Number(cleaned);
  if (value <= 0) return { error: "The amount must be above zero." };
  if (value > MAX) return { error: `At most ${formatMoney(MAX)} per transfer.` };
  if (direction === "withdraw" && availableCash !== null && value > availableCash) {
    return { error: `You can withdraw at most ${formatMoney(availableCash)}.` };
  }
  return { value };
}

async function loadAvailable() {
  try {
    const body = await summary();
    available = amount(body, "availablefunds") ?? amount(body, "totalcashvalue");
    const cash = amount(body, "totalcashvalue");
    if (available !== null && cash !== null) available = Math.max(0, Math.min(available, cash));
    $("#transfer-available").textContent = `Available to withdraw: ${formatMoney(available)}`;
  } catch (error) {
    if (!missing(error)) $("#transfer-available").textContent = describe(error);
  }
}

async function loadHistory() {
  const body = $("#transfers-table tbody");
  try {
    const found = await get(`/v1/api/funding/transfers?accountId=${encodeURIComponent(accountId())}`);
    const rows = Array.isArray(found) ? found : found.transfers || [];
    replaceChildren(body, rows.length ? rows.map((t) => h("tr", {},
      h("td", { class: "num" }, formatTime(t.at || t.created_at)),
      h("td", {}, t.direction === "withdraw" || t.type === "withdrawal" ? "Withdrawal" : "Deposit"),
      h("td", { class: "num" }, formatMoney(t.amount)),
      h("td", {}, t.status || "Completed"))) : h("tr", {}, h("td", { colspan: 4, class: "empty" }, "No transfers yet.")));
  } catch (error) {
    replaceChildren(body, h("tr", {}, h("td", { colspan: 4, class: "empty" }, missing(error) ? "Transfers are not available on this server yet." : describe(error))));
  }
}

function review(event) {
  event.preventDefault();
  const direction = $("input[name=direction]:checked").value;
  const parsed = parseAmount($("#transfer-amount").value, direction, available);
  $("#transfer-error").textContent = parsed.error || "";
  show($("#transfer-error"), Boolean(parsed.error));
  if (parsed.error) return;
  pending = { direction, amount: parsed.value, currency: "USD", accountId: accountId() };
  $("#transfer-summary").textContent = `${direction === "deposit" ? "Deposit" : "Withdraw"} ${formatMoney(parsed.value)} ${direction === "deposit" ? "into" : "from"} ${accountId()}`;
  show($("#transfer-form"), false);
  show($("#transfer-confirm"), true);
}

async function send() {
  $("#transfer-send").disabled = true;
  try {
    await post("/v1/api/funding/transfers", pending);
    toast("Transfer requested.");
    $("#transfer-form").reset();
    show($("#transfer-confirm"), false);
    show($("#transfer-form"), true);
    await Promise.all([loadHistory(), loadAvailable()]);
  } catch (error) {
    show($("#transfer-confirm"), false);
    show($("#transfer-form"), true);
    $("#transfer-error").textContent = describe(error);
    show($("#transfer-error"), true);
  } finally {
    $("#transfer-send").disabled = false;
  }
}

$("#transfer-form").addEventListener("submit", review);
$("#transfer-back").addEventListener("click", () => {
  show($("#transfer-confirm"), false);
  show($("#transfer-form"), true);
});
$("#transfer-send").addEventListener("click", send);
onAccountChange(() => Promise.all([loadHistory(), loadAvailable()]));
loadAvailable();
loadHistory();
