// The Watchlists page: pick, create and delete watchlists; ticking quotes; price alerts.

import * as alerts from "./alerts.js";
import { $, h, replaceChildren, toast } from "./dom.js";
import { onEvent } from "./live.js";
import { describe } from "./messages.js";
import * as view from "./watchlist-view.js";
import * as data from "./watchlists-data.js";

async function loadLists(selectId) {
  const select = $("#watchlist-select");
  try {
    const lists = await data.list();
    replaceChildren(select, lists.map((l) => h("option", { value: l.id }, l.name)));
    const chosen = selectId && lists.some((l) => String(l.id) === String(selectId)) ? selectId : lists[0]?.id;
    if (chosen !== undefined) select.value = String(chosen);
    await view.open(chosen);
  } catch (error) {
    replaceChildren($("#watch-table tbody"), h("tr", {}, h("td", { colspan: 6, class: "empty" }, error.status === 404 ? "Watchlists are not available on this server yet." : describe(error))));
  }
}

/** "New": a name field in the page (no browser prompt), Create or Cancel. */
function create() {
  const button = $("#watchlist-new");
  if ($("#watchlist-new-form")) return $("#watchlist-new-name").focus();
  const name = h("input", { id: "watchlist-new-name", maxlength: 60, placeholder: "Name", "aria-label": "Name of the new watchlist", required: true });
  const cancel = h("button", { class: "btn btn-ghost btn-sm", type: "button" }, "Cancel");
  const form = h("form", { id: "watchlist-new-form", class: "inline-form", novalidate: true }, name,
    h("button", { class: "btn btn-primary btn-sm", type: "submit" }, "Create"), cancel);
  cancel.addEventListener("click", () => form.remove());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!name.value.trim()) return name.focus();
    try {
      const id = String(Date.now());
      await data.create(id, name.value.trim().slice(0, 60));
      form.remove();
      await loadLists(id);
    } catch (error) {
      toast(describe(error), "error");
    }
  });
  button.parentElement.after(form);
  name.focus();
}

async function remove() {
  const id = view.currentId();
  if (id === null || !window.confirm("Delete this watchlist?")) return;
  try {
    await data.remove(id);
    await loadLists();
  } catch (error) {
    toast(describe(error), "error");
  }
}

$("#watchlist-select").addEventListener("change", (e) => view.open(e.target.value));
$("#watchlist-new").addEventListener("click", create);
$("#watchlist-delete").addEventListener("click", remove);
onEvent("*", (event) => {
  if (/^watchlist\.(created|deleted)/.test(event.type || "")) loadLists(view.currentId());
});
view.start();
alerts.start();
loadLists();
