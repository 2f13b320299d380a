// The waiting-room display: ticket and room only, the newest call highlighted and kept on screen long
// enough to read, even when several arrive at once; a chime and an announcement once staff started it.
import { el, liveStream, loadCatalogue, minutes, showStatus } from "/static/common/common.js";

const HOLD_MS = 6000;  // each new call stays highlighted at least this long
const office = location.pathname.split("/").filter(Boolean).pop();
const { t, language } = await loadCatalogue();
const status = document.getElementById("status");
const pending = [];  // calls waiting for their turn in the highlight
let showing = null;
let soundOn = false;
let view = null;

document.getElementById("start").addEventListener("click", () => {
  soundOn = true;  // a user gesture: browsers now allow audio and speech
  chime(0.001);
  document.getElementById("setup").hidden = true;
});

function chime(volume = 0.25) {
  const audio = new AudioContext();
  for (const [offset, frequency] of [[0, 880], [0.25, 660]]) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(volume, audio.currentTime + offset);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + offset + 0.6);
    tone.connect(gain).connect(audio.destination);
    tone.start(audio.currentTime + offset);
    tone.stop(audio.currentTime + offset + 0.6);
  }
}

function announce(call) {
  if (!soundOn) return;
  chime();
  if ("speechSynthesis" in window) {
    const words = new SpeechSynthesisUtterance(t("display.announce", { ticket: call.ticket, room: call.room }));
    words.lang = language === "nb" ? "nb-NO" : "en-GB";
    speechSynthesis.speak(words);
  }
}

function renderNow() {
  // the call being announced, highlighted; otherwise the latest call, plain (never shown as new)
  const call = showing || view?.calls[0];
  const card = document.getElementById("now");
  card.replaceChildren();
  card.classList.toggle("fresh", Boolean(showing));
  if (call) {
    card.append(el("span", { class: "ticket" }, call.ticket),
                el("span", { class: "room" }, t("display.to_room", { room: call.room })));
  }
}

function nextHighlight() {
  showing = pending.shift() || null;
  renderNow();
  if (showing) {
    announce(showing);
    setTimeout(nextHighlight, HOLD_MS);
  }
}

function highlight(call) {
  pending.push(call);
  if (!showing) nextHighlight();
}

function render() {
  if (!view) return;
  document.getElementById("office-name").textContent = view.name;
  document.title = `${view.name} – ${t("display.title")}`;
  document.getElementById("hours").textContent = view.drop_in_today.length
    ? t("display.drop_in_hours", { hours: view.drop_in_today.join(", ") }) : t("display.no_drop_in_today");
  const recent = new Set([showing, ...pending].filter(Boolean).map((call) => call.event_id));
  const calls = view.calls.map((call) =>
    el("li", { class: recent.has(call.event_id) ? "recent" : "", "data-ticket": call.ticket },
       el("span", { class: "ticket" }, call.ticket), el("span", { class: "room" }, call.room)));
  document.getElementById("calls").replaceChildren(
    ...(calls.length ? calls : [el("li", { class: "empty" }, t("display.none"))]));
  document.getElementById("lines").replaceChildren(...view.lines.filter((line) => line.waiting).map((line) =>
    el("li", { "data-line": line.line_id },
       el("span", { class: "name" }, `${line.name} (${line.prefix})`),
       `${t("display.waiting", { count: line.waiting })} · ${t("display.expected", { minutes: minutes(line.expected_wait_s) })}`)));
  renderNow();
}

liveStream(`/api/offices/${office}/display/stream`, {
  onStatus: (state) => showStatus(status, t, state),
  onFrame: (type, data) => {
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
