// The mobile inactivity timeout, chosen within the operator's bounds.

import { put } from "../api.js";
import { $, h, replaceChildren, toast } from "../dom.js";
import { describe } from "../messages.js";

const CHOICES = [5, 10, 15, 30, 60, 120, 240, 480].map((m) => m * 60);

const label = (seconds) => (seconds < 3600 ? `${seconds / 60} minutes` : `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`);

export function start() {
  const form = $("#idle-form");
  if (!form) return;
  const min = Number(form.dataset.min);
  const max = Number(form.dataset.max);
  const current = Number(form.dataset.current);
  const options = [...new Set([...CHOICES.filter((s) => s >= min && s <= max), current])].sort((a, b) => a - b);
  replaceChildren($("#idle-select"), options.map((s) => h("option", { value: s, selected: s === current }, label(s))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const saved = await put("/v1/api/me/idle-timeout", { idle_timeout: Number($("#idle-select").value) });
      form.dataset.current = saved.idle_timeout;
      toast(`The mobile app now signs out after ${label(saved.idle_timeout)} without use.`);
    } catch (error) {
      toast(describe(error), "error");
    }
  });
}
