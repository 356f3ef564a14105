// The secure message center: conversations with support, live as messages arrive.

import { get, post } from "./api.js";
import { $, h, replaceChildren, show } from "./dom.js";
import { formatTime, timeAgo } from "./format.js";
import { onEvent } from "./live.js";
import { describe } from "./messages.js";

let open = null;

function fail(error) {
  $("#messages-error").textContent = describe(error);
  show($("#messages-error"), true);
}

async function loadThreads() {
  try {
    const { threads } = await get("/v1/api/messages/threads");
    replaceChildren($("#thread-list"), threads.length ? threads.map((t) => {
      const item = h("li", { class: `thread-item ${t.thread_id === open ? "active" : ""}`, "data-thread": t.thread_id },
        h("strong", {}, t.subject), t.unread ? h("span", { class: "pill" }, `${t.unread} new`) : null,
        h("p", { class: "muted small" }, `${t.messages} ${Number(t.messages) === 1 ? "message" : "messages"} · ${timeAgo(t.updated_at)}`));
      item.addEventListener("click", () => openThread(t.thread_id));
      return item;
    }) : h("li", { class: "muted small" }, "No messages yet."));
  } catch (error) {
    fail(error);
  }
}

async function openThread(id) {
  open = id;
  show($("#new-thread"), false);
  try {
    const { thread, messages } = await get(`/v1/api/messages/threads/${encodeURIComponent(id)}`);
    replaceChildren($("#thread-view"), h("h3", {}, thread.subject), messages.map((m) =>
      h("article", { class: `message from-${m.from}` },
        h("p", { class: "muted small" }, `${m.author || m.from} · ${formatTime(m.created_at)}`),
        h("p", {}, m.body))));
    show($("#reply"), true);
    if (thread.unread) await post(`/v1/api/messages/threads/${encodeURIComponent(id)}/read`);
    await loadThreads();
  } catch (error) {
    fail(error);
  }
}

$("#thread-new").addEventListener("click", () => {
  open = null;
  show($("#reply"), false);
  replaceChildren($("#thread-view"));
  show($("#new-thread"), true);
});
$("#new-thread").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    const created = await post("/v1/api/messages/threads", { subject: form.subject.value, body: form.body.value });
    form.reset();
    await openThread(created.thread.thread_id);
  } catch (error) {
    fail(error);
  }
});
$("#reply").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    await post(`/v1/api/messages/threads/${encodeURIComponent(open)}/messages`, { body: form.body.value });
    form.reset();
    await openThread(open);
  } catch (error) {
    fail(error);
  }
});
onEvent("*", (event) => {
  if (/^message/.test(event.type || "")) {
    if (open && event.data?.thread_id === open) openThread(open);
    else loadThreads();
  }
});
loadThreads();
