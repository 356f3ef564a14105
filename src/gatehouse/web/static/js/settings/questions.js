// Settings → Security questions: which three are chosen (never the answers), and choosing
// them again: three different catalog questions, their answers and the current password.

import { get, put } from "../api.js";
import { $, h, replaceChildren, show, toast } from "../dom.js";
import { describe } from "../messages.js";
import { withStepUp } from "../step-up.js";

let catalog = [];

function status(mine) {
  $("#sq-status").textContent = mine.set
    ? `Chosen: ${mine.questions.map((q) => q.text).join(" · ")}`
    : "Not set yet: choose three questions to be able to recover your password without e-mail.";
}

function fields(chosen) {
  const rows = [0, 1, 2].map((i) => {
    const select = h("select", { id: `sq-question-${i + 1}`, required: true },
      catalog.map((q) => h("option", { value: q.id }, q.text)));
    select.value = chosen[i] || catalog[i]?.id || "";
    return h("div", { class: "stack" },
      h("label", { class: "field" }, `Question ${i + 1}`, select),
      h("label", { class: "field" }, "Answer",
        h("input", { id: `sq-answer-${i + 1}`, autocomplete: "off", maxlength: 100, required: true })));
  });
  replaceChildren($("#sq-fields"), rows);
}

export async function start() {
  if (!$("#sq-form")) return;
  try {
    const [all, mine] = await Promise.all([get("/v1/api/recovery/questions/catalog"), get("/v1/api/me/security-questions")]);
    catalog = all.questions;
    status(mine);
    fields(mine.questions.map((q) => q.id));
  } catch (failure) {
    $("#sq-status").textContent = describe(failure);
  }
  $("#sq-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $("#sq-error");
    const questions = [1, 2, 3].map((i) => ({ question: $(`#sq-question-${i}`).value, answer: $(`#sq-answer-${i}`).value }));
    const say = (text) => {
      error.textContent = text;
      show(error, Boolean(text));
    };
    if (new Set(questions.map((q) => q.question)).size !== 3) return say("Choose three different questions.");
    if (questions.some((q) => !q.answer.trim())) return say("Answer all three questions.");
    if (!$("#sq-password").value) return say("Enter your password.");
    say("");
    $("#sq-submit").disabled = true;
    try {
      const password = $("#sq-password").value;
      status(await withStepUp(() => put("/v1/api/me/security-questions", { password, questions })));
      for (const i of [1, 2, 3]) $(`#sq-answer-${i}`).value = "";
      $("#sq-password").value = "";
      toast("Security questions saved.");
    } catch (failure) {
      say(describe(failure));
    } finally {
      $("#sq-submit").disabled = false;
    }
  });
}
