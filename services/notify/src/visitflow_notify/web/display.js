// The waiting-room display: ticket and room only. Calls show at once, without a tap; the newest is
// highlighted long enough to read, even when several arrive at once, and chimed and read aloud where the
// browser allows sound. A call stays a while after its visitor went in, marked so; with no calls the
// screen shows the time, today's hours, the waits and what to do meanwhile. Each call is announced to
// screen readers exactly once.
import { api, el, liveStream, loadCatalogue, saidWait } from "/static/common/common.js";
import { clockTime, connectionStatus, soundControl, systemClock } from "/static/app/screen.js";

const HOLD_MS = 6000;  // each new call stays highlighted at least this long
const office = location.pathname.split("/").filter(Boolean).pop();
const { t, language } = await loadCatalogue();
const $ = (id) => document.getElementById(id);
const now = await systemClock();
const sound = soundControl($("sound"), t, "display");
const pending = [];  // calls waiting for their turn in the highlight
const highlighted = new Set();  // event ids of the calls highlighted (and so announced), each once
let showing = null;
let view = null;
let day = null;

function announce(call) {
  const words = t("display.announce", { ticket: call.ticket, room: call.room });
  // one new line per call in the log region, so a screen reader reads it once; older lines go
  $("announcer").append(el("p", {}, words));
  while ($("announcer").childElementCount > 5) $("announcer").firstElementChild.remove();
  if (sound.chime()) sound.speak(words, language);
}

function visibleCalls() {
  const at = now();
  return (view?.calls || []).filter((call) => !call.until || at < Date.parse(call.until));
}

function renderNow(calls) {
  // the call being announced, highlighted; otherwise the latest call whose visitor has not gone in yet
  const call = showing || calls.find((c) => !c.gone_in);
  const card = $("now");
  card.classList.toggle("fresh", Boolean(showing));
  card.replaceChildren(...(call
    ? [el("span", { class: "ticket" }, call.ticket),
       el("span", { class: "room" }, t("display.to_room", { room: call.room }))]
    : [el("span", { class: "watch" }, t("display.watch"))]));
}

function nextHighlight() {
  showing = pending.shift() || null;
  render();
  if (showing) {
    announce(showing);
    setTimeout(nextHighlight, HOLD_MS);
  }
}

function highlight(call) {
  if (highlighted.has(call.event_id)) return;
  highlighted.add(call.event_id);
  if (highlighted.size > 1000) highlighted.delete(highlighted.values().next().value);  // a kiosk runs for weeks
  pending.push(call);
  if (!showing) nextHighlight();
}

function renderHours() {
  const parts = [];
  if (day) {
    parts.push(day.drop_in_today.length
      ? t("display.drop_in_hours", { hours: day.drop_in_today.join(", ") }) : t("display.no_drop_in_today"));
    parts.push(day.open_today.length
      ? t("display.open_hours", { hours: day.open_today.join(", ") }) : t("display.closed_today"));
  }
  $("hours").textContent = parts.join(" · ");
}

// A line by the office's own name; in another language by the catalogue's name for the usual lines.
function lineName(line) {
  const key = `display.line_${line.line_id}`;
  return language !== "nb" && t(key) !== key ? t(key) : line.name;
}

function renderLines() {
  $("lines").replaceChildren(...(view?.lines || []).map((line) =>
    el("li", { "data-line": line.line_id },
       el("span", { class: "name" }, `${lineName(line)} (${line.prefix})`),
       line.waiting
         ? `${t("display.waiting", { count: line.waiting })} · ${saidWait(t, line.expected_minutes, line.expected_minutes_to, line.no_room)}`
         : t("display.nobody_waiting"))),
    ...(view?.rooms_closed?.length
      ? [el("li", { class: "rooms-closed" }, t("display.rooms_closed", { rooms: view.rooms_closed.map(closedRoom).join(", ") }))]
      : []));
}

// A closed room by its name, and until when where its host said ("Samtalerom 1 (til 12:15)").
function closedRoom(name) {
  const until = view?.rooms_closed_until?.[name];
  return until ? t("display.room_closed_until", { room: name, time: clockTime(Date.parse(until), language) }) : name;
}

function renderTips() {
  const tips = ["display.tip_screen", "display.tip_online"];
  if (view?.public_pcs) tips.push("display.tip_pcs");
  tips.push("display.tip_host");
  $("tips").replaceChildren(...tips.map((key) => el("li", {}, t(key))));
  $("follow-on-phone").hidden = !view?.follow_on_phone;  // where the office turned it on
}

function render() {
  $("clock").textContent = clockTime(now(), language);
  renderHours();
  if (!view) return;
  $("office-name").textContent = view.name;
  document.title = `${view.name} – ${t("display.title")}`;
  const calls = visibleCalls();
  const recent = new Set([showing, ...pending].filter(Boolean).map((call) => call.event_id));
  $("board").dataset.state = calls.length || showing ? "calls" : "quiet";
  $("calls").replaceChildren(...calls.map((call) =>
    el("li", { class: [recent.has(call.event_id) ? "recent" : "", call.gone_in ? "gone" : ""].join(" ").trim(),
               "data-ticket": call.ticket },
       el("span", { class: "ticket" }, call.ticket),
       el("span", { class: "room" }, call.room),
       call.gone_in ? el("span", { class: "tag" }, t("display.gone_in")) : null)));
  renderNow(calls);
  renderLines();
  renderTips();
}

async function refreshDay() {
  const response = await api(`/api/offices/${office}/display`).catch(() => null);
  if (response?.ok) {
    day = (await response.json()).day;
    renderHours();
  }
}

const status = connectionStatus($("status"), t, (state) => {
  $("offline").hidden = state === "live";
  if (state === "live") refreshDay();
});
liveStream(`/api/offices/${office}/display/stream`, {
  onStatus: status,
  onFrame: (type, data) => {
    status("live");  // a frame came: connected, whatever the browser said about its network meanwhile
    view = data.display;
    // A snapshot is the state after a (re)connection: it highlights nothing, so a stale call is never
    // shown as current. Calls that arrive as events, live or replayed after a short blip, are highlighted.
    if (type === "VisitorCalled" && data.event) {
      const call = view.calls.find((c) => c.event_id === data.event.event_id);
      if (call) highlight(call);
    }
    render();
  },
});
render();
setInterval(render, 15000);  // the clock, and calls whose time on screen is over
setInterval(refreshDay, 10 * 60 * 1000);  // today's hours, also after midnight
