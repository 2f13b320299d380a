// A visitor's own page: their visit, live, and their three acts. The link in the address is the only
// credential; the stream carries this visit alone.
import { languageToggle, loadCatalogue, saidWait } from "/static/common/common.js";

const token = location.pathname.split("/").pop();
const base = `/api/visit/${token}`;
const $ = (id) => document.getElementById(id);
let audio = null;

function alert() {
  if (navigator.vibrate) navigator.vibrate([400, 200, 400]);
  if (!audio || audio.state !== "running") return;
  for (const [offset, frequency] of [[0, 880], [0.3, 660], [0.6, 880]]) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    const start = audio.currentTime + offset;
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.3, start);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.5);
    tone.connect(gain).connect(audio.destination);
    tone.start(start);
    tone.stop(start + 0.5);
  }
}

function show(t, visit) {
  const main = $("visit");
  const was = main.dataset.stage;
  main.dataset.stage = visit.stage;
  if (visit.office) $("office").textContent = visit.office;
  if (visit.ticket) $("ticket").textContent = visit.ticket;
  $("state").textContent = t(`visitor.${visit.stage}`, { room: visit.room || "" });
  const waiting = visit.stage === "waiting" || visit.stage === "held";
  // the place counts the visitor's own line; the office calls its lines in its own order, so it says so
  $("place").textContent = waiting ? t("visitor.place_in_line", { place: visit.place, line: visit.line || "" }) : "";
  $("other-lines").hidden = !waiting;
  $("wait").textContent = waiting && visit.expected_minutes  // the display's own words for its figure
    ? t("visitor.expected", { wait: saidWait(t, visit.expected_minutes, visit.expected_minutes_to) }) : "";
  $("hold").hidden = visit.stage !== "waiting";
  $("back").hidden = visit.stage !== "held";
  $("leave").hidden = !["waiting", "held", "called"].includes(visit.stage);
  $("leave-yes").hidden = true;
  $("sound").hidden = visit.stage === "ended" || visit.stage === "in_room";
  if (visit.stage === "called" && was !== "called") alert();
}

function stream(t) {
  let source = null;
  let over = false;
  const open = () => {
    if (over || (source && source.readyState !== EventSource.CLOSED)) return;
    source = new EventSource(`${base}/stream`);  // resumes by itself with Last-Event-ID after a blip
    source.onopen = () => { $("offline").hidden = true; };
    source.addEventListener("visit", (message) => {
      const visit = JSON.parse(message.data);
      show(t, visit);
      if (visit.stage === "ended") { over = true; source.close(); }
    });
    source.onerror = async () => {
      $("offline").hidden = false;
      if (source.readyState !== EventSource.CLOSED) return;
      const answer = await fetch(base).catch(() => null);  // a link that ended says so: reload shows why
      if (answer && (answer.status === 404 || answer.status === 410)) { over = true; location.reload(); return; }
      setTimeout(open, 3000);
    };
  };
  open();
  // a phone that slept: its connection may be gone without an error; a fresh one resumes from the last id
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") open(); });
  window.addEventListener("online", open);
  window.addEventListener("offline", () => { $("offline").hidden = false; });
}

// what the page says after an act: the queue's decision, or why there is none (never the answer's words)
const REFUSALS = { wrong_stage: "visitor.refused_stage", unknown_visit: "visitor.refused_over" };

async function said(answer) {
  if (!answer || answer.status >= 500) return ["error", "visitor.unavailable"];
  if (answer.status === 200) return ["said", "visitor.done"];
  if (answer.status === 202) return ["said", "visitor.sent"];
  if (answer.status === 429) return ["error", "visitor.too_many"];
  if (answer.status === 409) {
    const body = await answer.json().catch(() => ({}));
    return ["error", REFUSALS[body.error] || "visitor.refused"];
  }
  return ["error", "visitor.refused"];
}

async function act(t, path) {
  $("said").textContent = "";
  $("error").textContent = "";
  const answer = await fetch(`${base}/${path}`, { method: "POST", headers: { "Idempotency-Key": crypto.randomUUID() } })
    .catch(() => null);
  if (answer && (answer.status === 404 || answer.status === 410)) { location.reload(); return; }  // the link says why
  const [where, key] = await said(answer);
  $(where).textContent = t(key);
  $("leave-yes").hidden = true;
}

const { t, language } = await loadCatalogue();
for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
languageToggle($("language"), language);
$("language").textContent = language === "nb" ? "English" : "Norsk";
$("language").lang = language === "nb" ? "en" : "nb";
$("hold").addEventListener("click", () => act(t, "hold"));
$("back").addEventListener("click", () => act(t, "return"));
$("leave").addEventListener("click", () => { $("leave-yes").hidden = false; $("leave-yes").focus(); });
$("leave-yes").addEventListener("click", () => act(t, "cancel"));
$("sound").addEventListener("click", async () => {
  audio = audio || new AudioContext();
  await audio.resume().catch(() => {});
  if (navigator.vibrate) navigator.vibrate(100);
  $("sound").textContent = t("visitor.sound_is_on");
});
stream(t);
