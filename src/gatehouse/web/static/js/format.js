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

/** A Date from ISO text or IBKR's "20261205-01:24:00" (UTC); null when it is neither. */
export function toDate(value) {
  if (!value) return null;
  const ibkr = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})$/.exec(String(value));
  const when = ibkr ? new Date(Date.UTC(+ibkr[1], +ibkr[2] - 1, +ibkr[3], +ibkr[4], +ibkr[5], +ibkr[6])) : new Date(value);
  return Number.isNaN(when.getTime()) ? null : when;
}

export function formatTime(iso) {
  const when = toDate(iso);
  if (!when) return "—";
  return when.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function timeAgo(iso) {
  const when = toDate(iso);
  if (!when) return "—";
  const seconds = (Date.now() - when.getTime()) / 1000;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return formatTime(iso);
}
