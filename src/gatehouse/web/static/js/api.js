// The JSON API, as the pages call it: same-origin fetch, the session cookie, and the
// X-CSRF-Token header on every state change. Errors become ApiError with the stable code.

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
let csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
let wantCookie = false;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `Request failed (${status})`);
    this.status = status;
    this.code = body?.error || (status === 0 ? "network_error" : "http_error");
    this.details = body || {};
  }
  get retryAfter() {
    const value = this.details.retry_after;
    return typeof value === "number" ? value : null;
  }
}

/** Keep the CSRF token of a session just opened (in memory only, never in storage). */
export function setCsrfToken(token) {
  csrfToken = token || "";
}

/** The Mobile app asks sign-in answers to set the session cookie (header X-Gatehouse-Session). */
export function askForCookieSession() {
  wantCookie = true;
}

export async function api(path, { method = "GET", body, signal, headers = {} } = {}) {
  const init = { method, signal, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (!SAFE.has(method) && csrfToken) init.headers["X-CSRF-Token"] = csrfToken;
  if (wantCookie) init.headers["X-Gatehouse-Session"] = "cookie";
  let response;
  try {
    response = await fetch(path.startsWith("/") ? path : `/v1/api/${path}`, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { error: "network_error", message: "Cannot reach Gatehouse. Check your connection." });
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : await response.blob();
  if (!response.ok) {
    const error = new ApiError(response.status, data && !(data instanceof Blob) ? data : null);
    if (response.status === 401 && ["not_authenticated", "session_expired"].includes(error.code)) {
      window.dispatchEvent(new CustomEvent("gatehouse:signed-out", { detail: error }));
    }
    throw error;
  }
  window.dispatchEvent(new Event("gatehouse:activity"));
  return data;
}

export const get = (path, options) => api(path, { ...options, method: "GET" });
export const post = (path, body, options) => api(path, { ...options, method: "POST", body: body ?? {} });
export const put = (path, body, options) => api(path, { ...options, method: "PUT", body });
export const del = (path, body, options) => api(path, { ...options, method: "DELETE", body });
