// One pass over a page, run in the page by tests/e2e/test_web_layout.py: what overflows,
// what is cut short, what a normal click cannot reach. Returns a list of problems.
(() => {
  const doc = document.documentElement;
  const problems = [];
  if (doc.scrollWidth > doc.clientWidth) problems.push(`page is ${doc.scrollWidth}px wide`);
  const shown = (el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden";
  for (const el of document.querySelectorAll(".figure, td.num, .kpi-sub, .num")) {
    if (shown(el) && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== "visible")
      problems.push(`cut: ${el.className} "${el.textContent.trim().slice(0, 30)}"`);
  }
  for (const el of document.querySelectorAll("main *, .content *, .m-content *")) {
    const box = el.getBoundingClientRect();
    if (shown(el) && box.right > doc.clientWidth + 1 && !el.closest(".table-wrap, .scroll-x"))
      problems.push(`sticks out: <${el.tagName.toLowerCase()} class="${el.className}"> to ${Math.round(box.right)}px`);
  }
  for (const button of document.querySelectorAll("button, a.btn, [role=tab]")) {
    if (!shown(button) || button.disabled || button.closest("[hidden], dialog:not([open])")) continue;
    button.scrollIntoView({ block: "center", inline: "center" });
    const box = button.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const hit = document.elementFromPoint(x, y);
    if (!hit || !(button === hit || button.contains(hit)))
      problems.push(`covered: "${button.textContent.trim().slice(0, 30)}" under <${hit?.tagName.toLowerCase()} class="${hit?.className}">`);
    if (box.right > doc.clientWidth + 1 || box.left < -1) problems.push(`off screen: "${button.textContent.trim().slice(0, 30)}"`);
  }
  window.scrollTo(0, 0);
  return [...new Set(problems)].slice(0, 12);
})
