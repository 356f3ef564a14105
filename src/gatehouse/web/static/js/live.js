// The sync WebSocket (GET /v1/api/events): resume from the last seq seen, replay what was
// missed, then live events. Reconnects with backoff; "resync" asks the page to refetch.
// Every event is re-dispatched on window as "gatehouse:event" and "gatehouse:<type>".

const SEQ_KEY = "gatehouse.seq";
let socket = null;
let since = Math.max(
  Number(document.querySelector('meta[name="event-seq"]')?.content || 0),
  Number(sessionStorage.getItem(SEQ_KEY) || 0),
);
let retry = 0;
let timer = 0;
let stopped = false;

function status(state) {
  window.dispatchEvent(new CustomEvent("gatehouse:live", { detail: state }));
}

function deliver(event) {
  if (typeof event.seq === "number") {
    if (event.seq <= since) return; // already seen (replay overlap)
    since = event.seq;
    sessionStorage.setItem(SEQ_KEY, String(since));
  }
  window.dispatchEvent(new CustomEvent("gatehouse:event", { detail: event }));
  window.dispatchEvent(new CustomEvent(`gatehouse:${event.type}`, { detail: event }));
}

function connect() {
  if (stopped || socket) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  status("connecting");
  socket = new WebSocket(`${scheme}://${location.host}/v1/api/events`);
  socket.addEventListener("open", () => {
    retry = 0;
    socket.send(JSON.stringify({ op: "resume", since }));
    status("live");
  });
  socket.addEventListener("message", (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (event.type === "heartbeat") return;
    if (event.type === "resync") {
      if (typeof event.seq === "number") since = event.seq;
      window.dispatchEvent(new CustomEvent("gatehouse:resync", { detail: event }));
      return;
    }
    deliver(event);
  });
  socket.addEventListener("close", (close) => {
    socket = null;
    status("offline");
    if (close.code === 4401 || close.code === 1008) {
      window.dispatchEvent(new CustomEvent("gatehouse:signed-out", { detail: { code: "session_expired" } }));
      return;
    }
    schedule();
  });
  socket.addEventListener("error", () => socket?.close());
}

function schedule() {
  clearTimeout(timer);
  const delay = Math.min(15000, 500 * 2 ** retry) * (0.75 + Math.random() / 2);
  retry += 1;
  timer = setTimeout(connect, delay);
}

/** Start (once per page). Reconnects at once when the browser comes back online. */
export function startLive() {
  stopped = false;
  connect();
  window.addEventListener("online", () => {
    retry = 0;
    clearTimeout(timer);
    connect();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !socket) connect();
  });
}

export function stopLive() {
  stopped = true;
  clearTimeout(timer);
  socket?.close();
}

/** Listen to one event type ("order.filled") or every event ("*"). */
export function onEvent(type, handler) {
  const name = type === "*" ? "gatehouse:event" : `gatehouse:${type}`;
  window.addEventListener(name, (e) => handler(e.detail));
}

export const onResync = (handler) => window.addEventListener("gatehouse:resync", handler);
