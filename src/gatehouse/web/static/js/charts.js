// Charts as SVG drawn here (no library): an equity line with its area, and an allocation donut.

const NS = "http://www.w3.org/2000/svg";
const PALETTE = ["#3d8bfd", "#22c55e", "#f5a524", "#a78bfa", "#f05252", "#14b8a6", "#e879f9", "#94a3b8"];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

/** A line chart of [{t: Date|string, v: number}] filling ``box``; y axis labels on the right. */
export function lineChart(box, points, { width = 720, height = 260, format = (v) => v.toFixed(0) } = {}) {
  box.replaceChildren();
  if (points.length < 2) {
    box.append(Object.assign(document.createElement("p"), { className: "empty", textContent: "Not enough history to draw yet." }));
    return;
  }
  const pad = { l: 8, r: 64, t: 12, b: 24 };
  const values = points.map((p) => p.v);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const x = (i) => pad.l + (i / (points.length - 1)) * (width - pad.l - pad.r);
  const y = (v) => pad.t + (1 - (v - lo) / (hi - lo)) * (height - pad.t - pad.b);
  const up = values.at(-1) >= values[0];
  const color = up ? "#22c55e" : "#f05252";
  const line = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
  const area = `${line}L${x(points.length - 1).toFixed(1)},${height - pad.b}L${pad.l},${height - pad.b}Z`;
  const gradient = svg("linearGradient", { id: "eq-fill", x1: 0, y1: 0, x2: 0, y2: 1 },
    svg("stop", { offset: "0", "stop-color": color, "stop-opacity": "0.35" }),
    svg("stop", { offset: "1", "stop-color": color, "stop-opacity": "0" }));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": "Equity curve" }, svg("defs", {}, gradient));
  for (let i = 0; i <= 4; i += 1) {
    const v = lo + ((hi - lo) * i) / 4;
    chart.append(
      svg("line", { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), class: "grid-line" }),
      svg("text", { x: width - pad.r + 8, y: y(v) + 4, class: "axis" }, format(v)),
    );
  }
  const first = new Date(points[0].t);
  const last = new Date(points.at(-1).t);
  const label = (d) => d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  chart.append(
    svg("text", { x: pad.l, y: height - 6, class: "axis" }, label(first)),
    svg("text", { x: width - pad.r, y: height - 6, class: "axis", "text-anchor": "end" }, label(last)),
    svg("path", { d: area, fill: "url(#eq-fill)" }),
    svg("path", { d: line, fill: "none", stroke: color, "stroke-width": 2, "stroke-linejoin": "round" }),
    svg("circle", { cx: x(points.length - 1), cy: y(values.at(-1)), r: 3.5, fill: color }),
  );
  box.append(chart);
}

/** A donut of [{label, value}] with a legend; values are shares of the total. */
export function donut(box, slices, { size = 220, format = (v) => v } = {}) {
  box.replaceChildren();
  const items = slices.filter((s) => s.value > 0).sort((a, b) => b.value - a.value);
  const total = items.reduce((sum, s) => sum + s.value, 0);
  if (!total) {
    box.append(Object.assign(document.createElement("p"), { className: "empty", textContent: "Nothing to show yet." }));
    return;
  }
  const r = size / 2 - 10;
  const c = size / 2;
  const chart = svg("svg", { viewBox: `0 0 ${size} ${size}`, class: "donut", role: "img", "aria-label": "Allocation" });
  let angle = -Math.PI / 2;
  items.forEach((slice, i) => {
    const sweep = (slice.value / total) * Math.PI * 2;
    const end = angle + Math.min(sweep, Math.PI * 2 - 0.0001);
    const large = sweep > Math.PI ? 1 : 0;
    const p = (a) => `${(c + r * Math.cos(a)).toFixed(2)},${(c + r * Math.sin(a)).toFixed(2)}`;
    chart.append(svg("path", { d: `M${p(angle)}A${r},${r} 0 ${large} 1 ${p(end)}`, fill: "none", stroke: PALETTE[i % PALETTE.length], "stroke-width": 26 }));
    angle += sweep;
  });
  chart.append(svg("text", { x: c, y: c + 6, "text-anchor": "middle", class: "donut-total" }, format(total)));
  const legend = document.createElement("ul");
  legend.className = "legend";
  items.forEach((slice, i) => {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch swatch-${i % PALETTE.length}`;
    li.append(swatch, `${slice.label}`, Object.assign(document.createElement("span"), { className: "num muted", textContent: ` ${((slice.value / total) * 100).toFixed(1)}%` }));
    legend.append(li);
  });
  box.append(chart, legend);
}
