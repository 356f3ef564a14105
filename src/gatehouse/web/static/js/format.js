// Numbers for people: money, quantities, percentages, times — always tabular in the CSS.

const money = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const price = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 4 });
const qty = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
const pct = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 });

const num = (value) => (value === null || value === undefined || value === "" ? NaN : Number(value));

export function formatMoney(value, currency = "USD") {
  const n = num(value);
  if (Number.isNaN(n)) return "—";
  const sign = n < 0 ? "−" : "";
  return `${sign}${currency === "USD" ? "$" : ""}${money.format(Math.abs(n))}${currency === "USD" ? "" : ` ${currency}`}`;
}

export function formatSigned(value) {
  const n = num(value);
  if (Number.isNaN(n)) return "—";
  return `${n > 0 ? "+" : n < 0 ? "−" : ""}${money.format(Math.abs(n))}`;
}

/** "+$14.20" / "−$2,298.20": a signed amount of money, with its currency sign. */
export function formatSignedMoney(value) {
  const n = num(value);
  if (Number.isNaN(n)) return "—";
  return `${n > 0 ? "+" : n < 0 ? "−" : ""}$${money.format(Math.abs(n))}`;
}

export const formatPrice = (value) => (Number.isNaN(num(value)) ? "—" : price.format(num(value)));
export const formatQty = (value) => (Number.isNaN(num(value)) ? "—" : qty.format(num(value)));
export const formatPercent = (fraction) => (Number.isNaN(num(fraction)) ? "—" : pct.format(num(fraction)));

/** "up" / "down" / "" — for colouring a change. */
export const direction = (value) => (num(value) > 0 ? "up" : num(value) < 0 ? "down" : "");

export function formatTime(iso) {
  if (!iso) return "—";
  const when = new Date(iso);
  return when.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function timeAgo(iso) {
  if (!iso) return "—";
  const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return formatTime(iso);
}
