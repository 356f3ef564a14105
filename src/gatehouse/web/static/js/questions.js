// Placing or modifying an order: IBKR's question/reply loop, answered by the user.
// A question is [{id, message:[…]}]; each needs "confirm" (POST iserver/reply/{id}).

import { post } from "./api.js";
import { $, h, replaceChildren, show } from "./dom.js";

/** Ask the user in the #questions dialog; resolves true (confirm) or false (cancel). */
function ask(messages) {
  const dialog = $("#questions");
  replaceChildren($("#questions-text", dialog), messages.map((m) => h("p", {}, m)));
  show(dialog, true);
  return new Promise((resolve) => {
    const done = (answer) => {
      show(dialog, false);
      resolve(answer);
    };
    $("#questions-confirm", dialog).onclick = () => done(true);
    $("#questions-cancel", dialog).onclick = () => done(false);
  });
}

/** Send ``first()`` and answer every question; resolves to the final answer or null if cancelled. */
export async function submitWithQuestions(first) {
  let answer = await first();
  for (let round = 0; round < 10; round += 1) {
    const item = Array.isArray(answer) ? answer[0] : answer;
    if (!item?.id || !item?.message) return answer;
    const messages = Array.isArray(item.message) ? item.message : [item.message];
    if (!(await ask(messages))) return null;
    answer = await post(`/v1/api/iserver/reply/${encodeURIComponent(item.id)}`, { confirmed: true });
  }
  return answer;
}
