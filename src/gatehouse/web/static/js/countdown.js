// A countdown shown in an element, e.g. "Try again in 14:59"; calls onDone at zero.

import { clock } from "./messages.js";

export function countdown(element, seconds, { template = (left) => left, onDone = () => {} } = {}) {
  const end = Date.now() + seconds * 1000;
  let timer = 0;
  const tick = () => {
    const left = (end - Date.now()) / 1000;
    if (left <= 0) {
      clearInterval(timer);
      onDone();
      return;
    }
    element.textContent = template(clock(left));
  };
  tick();
  timer = setInterval(tick, 250);
  return () => clearInterval(timer);
}
