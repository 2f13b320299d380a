// Shared by every Visitflow page: message catalogues and live streams that survive network blips.

const LANGUAGES = ["nb", "en"];

export async function loadCatalogue() {
  const asked = new URLSearchParams(location.search).get("lang") || localStorage.getItem("visitflow.lang");
  const language = LANGUAGES.includes(asked) ? asked : "nb";
  localStorage.setItem("visitflow.lang", language);
  document.documentElement.lang = language === "nb" ? "nb" : "en";
  const response = await fetch(`/static/common/i18n/${language}.json`);
  const messages = await response.json();
  const t = (key, values = {}) =>
    (messages[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  return { t, language };
}

export function languageToggle(button, language) {
  button.addEventListener("click", () => {
    localStorage.setItem("visitflow.lang", language === "nb" ? "en" : "nb");
    const url = new URL(location.href);
    url.searchParams.delete("lang");
    location.href = url.toString();
  });
}

// The access token: handed over once in the link's fragment (#token=..., never sent to a server or
// written to its logs), then kept in this browser. Every request carries it.
export function accessToken() {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    localStorage.setItem("visitflow.token", fromLink);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return localStorage.getItem("visitflow.token");
}

export async function api(url, options = {}) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${accessToken()}` };
  const response = await fetch(url, { ...options, headers });
  if (response.status === 401) document.body.dataset.auth = "missing";
  return response;
}

// Every frame type a stream may carry. EventSource needs a listener per named event.
const FRAME_TYPES = [
  "snapshot", "VisitorQueued", "VisitorCalled", "ServiceStarted", "ServiceCompleted", "VisitorNoShow",
  "VisitTransferred", "VisitCancelled", "VisitClosedAtDayEnd", "OfficeDayClosed", "NotificationSent",
  "VisitHeld", "VisitReturned", "VisitRestored", "VisitCarriedOver", "FollowUpResolved", "AppointmentMissed",
  "WaitsEstimated", "RoomClosed", "RoomOpened",
  "appointment_arrived", "metrics",
];

// Opens a server-sent-events stream. The browser resumes by itself with Last-Event-ID after a blip;
// if it gives up (the server was away), a new stream is opened that names the last id it saw.
// onFrame(type, data, id) gets every frame; onStatus("live" | "offline") the connection's state.
export function liveStream(url, { onFrame, onStatus }) {
  let lastId = null;
  let source = null;
  let retry = 1000;
  let closed = false;
  const open = () => {
    if (closed) return;
    const target = new URL(url, location.href);
    if (lastId) target.searchParams.set("last_event_id", lastId);
    target.searchParams.set("access_token", accessToken() || "");
    source = new EventSource(target);
    source.onopen = () => { retry = 1000; onStatus("live"); };
    source.onerror = () => {
      if (closed) return;
      onStatus("offline");
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(open, retry);
        retry = Math.min(retry * 2, 15000);
      }
    };
    for (const type of FRAME_TYPES) {
      source.addEventListener(type, (message) => {
        if (message.lastEventId) lastId = message.lastEventId;
        onFrame(type, JSON.parse(message.data), message.lastEventId);
      });
    }
  };
  open();
  window.addEventListener("offline", () => onStatus("offline"));
  return {
    close: () => { closed = true; if (source) source.close(); },  // for good: never reopened
    // from the stored snapshot again, not from the last frame (a page that cannot apply a change)
    restart: () => { source.close(); lastId = null; open(); },
  };
}

export function showStatus(element, t, status) {
  element.dataset.status = status;
  element.textContent = t(status === "live" ? "status.live" : "status.offline");
}

// A wait estimate as every screen says it: the queue's minutes ("about 15 min"), or its range when unsure,
// or "no room open" when every room is out of service.
export function saidWait(t, minutes, minutesTo, noRoom = false) {
  if (noRoom) return t("wait.no_room");
  return minutesTo == null ? t("wait.about", { minutes }) : t("wait.range", { low: minutes, high: minutesTo });
}

export function minutes(seconds) {
  return Math.max(0, Math.round(seconds / 60));
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}
