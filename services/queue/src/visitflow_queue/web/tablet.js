// The host's tablet: check-in with the office's policy in view, the live waiting list, and one-tap
// commands. Every write carries an Idempotency-Key, so a retried tap never makes a second visit or call.
import { api, el, languageToggle, liveStream, loadCatalogue, minutes, showStatus } from "/static/common/common.js";

const office = location.pathname.split("/").filter(Boolean).pop();
const { t, language } = await loadCatalogue();
languageToggle(document.getElementById("language"), language);
const { checkin_url: checkinUrl } = await (await fetch("/tablet/config")).json();
const clock = await (await fetch("/api/clock")).json();
const clockRead = Date.now();
const serverNow = () => new Date(Date.parse(clock.now) + (Date.now() - clockRead) * clock.speed);
let policy = null;
let snapshot = null;

const result = document.getElementById("result");
const say = (message, error = false) => { result.textContent = message; result.classList.toggle("error", error); };
const key = () => crypto.randomUUID();

// A check-in's key is a UUIDv7 (RFC 9562): its first 48 bits are the tap's Unix time in milliseconds,
// which the check-in service records as the time of the check-in, so a resent tap is the same event.
function uuidv7() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  for (let i = 5, ms = Date.now(); i >= 0; i--, ms = Math.floor(ms / 256)) bytes[i] = ms % 256;
  bytes[6] = (bytes[6] & 0x0f) | 0x70;  // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // the RFC's variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function post(url, body, idempotencyKey = key()) {
  const response = await api(url, {
    method: "POST", headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  return { status: response.status, answer };
}

// --- policy and check-in ------------------------------------------------------------------------
async function loadPolicy() {
  policy = await (await api(`${checkinUrl}/api/offices/${office}/policy`)).json();
  document.getElementById("office-name").textContent = `${policy.name} – ${t("tablet.title")}`;
  const hints = [];
  if (!policy.is_open) hints.push(el("li", { class: "closed" }, t("tablet.office_closed")));
  hints.push(el("li", { class: policy.drop_in_open ? "" : "closed", id: "drop-in-hint" },
                t(policy.drop_in_open ? "tablet.drop_in_open" : "tablet.drop_in_closed")));
  hints.push(el("li", {}, policy.drop_in_today.length
    ? t("tablet.drop_in_hours", { hours: policy.drop_in_today.join(", ") }) : t("tablet.no_drop_in_today")));
  hints.push(el("li", {}, t("tablet.emergency_always")));
  hints.push(el("li", {}, t("tablet.appointment_window", { early: policy.appointment_checkin.early_minutes,
                                                            late: policy.appointment_checkin.late_minutes })));
  document.getElementById("hints").replaceChildren(...hints);
  const reason = document.getElementById("reason");
  if (!reason.options.length) {
    reason.replaceChildren(...policy.reasons.map((r) => el("option", { value: r }, t(`reason.${r}`))));
  }
  const counsellor = document.getElementById("counsellor");
  if (!counsellor.options.length) {
    counsellor.replaceChildren(el("option", { value: "" }, "–"),
      ...policy.counsellors.map((c) => el("option", { value: c.counsellor_id }, c.name)));
  }
  document.getElementById("reference").pattern = policy.reference_pattern;
  document.getElementById("alternative-buttons").replaceChildren(...policy.alternatives.map((alternative) =>
    el("button", { type: "button", "data-alternative": alternative, onclick: () => submit(alternative) },
       t(`alternative.${alternative}`))));
  showAlternatives();
}

function showAlternatives() {
  const kind = document.querySelector("input[name=kind]:checked").value;
  // a host can steer anyone elsewhere; a drop-in outside its window can only be steered
  document.getElementById("alternatives").hidden = !policy;
  document.querySelector("#checkin-form button[type=submit]").disabled =
    kind === "drop_in" && policy && !policy.drop_in_open;
  document.getElementById("appointment").hidden = kind !== "appointment";
}
for (const radio of document.querySelectorAll("input[name=kind]")) radio.addEventListener("change", showAlternatives);

function checkInBody(redirectTo) {
  const form = new FormData(document.getElementById("checkin-form"));
  const body = { kind: form.get("kind"), reason: form.get("reason"),
                 needs: { interpreter: form.has("interpreter"), accessibility: form.has("accessibility") } };
  if (body.kind === "appointment" && form.get("reference") && form.get("starts_at")) {
    const [hours, mins] = form.get("starts_at").split(":").map(Number);
    const at = serverNow();
    at.setHours(hours, mins, 0, 0);
    body.appointment = { reference: form.get("reference"), starts_at: at.toISOString(),
                         counsellor_id: form.get("counsellor_id") || null };
  }
  if (form.get("phone")) body.sms = { phone: form.get("phone") };
  if (redirectTo) body.redirect_to = redirectTo;
  return body;
}

let pendingKey = null;  // the same key for retries of one tap, a new one after a final answer
async function submit(redirectTo = null) {
  pendingKey = pendingKey || uuidv7();
  try {
    const { status, answer } = await post(`${checkinUrl}/api/offices/${office}/check-ins`, checkInBody(redirectTo), pendingKey);
    // these ask for a retry: tapping again must retry this check-in, not make a second one
    if (status !== 503 && status !== 429 && answer.error !== "in_progress") pendingKey = null;
    if (answer.outcome === "queued") {
      say(t("tablet.queued", { ticket: answer.ticket, position: answer.position, minutes: minutes(answer.estimated_wait_s) }));
      document.getElementById("checkin-form").reset();
    } else if (answer.outcome === "accepted") say(t("tablet.accepted"));
    else if (answer.outcome === "redirected") say(t("tablet.redirected", { alternative: t(`alternative.${answer.alternative}`) }));
    else say(answer.message || `HTTP ${status}`, true);
    showAlternatives();
  } catch {
    say(t("status.offline"), true);  // the key is kept: tapping again retries the same check-in
  }
}
document.getElementById("checkin-form").addEventListener("submit", (event) => { event.preventDefault(); submit(); });

// --- the live waiting list and commands -----------------------------------------------------------
async function command(path, body) {
  const { answer, status } = await post(`/api/offices/${office}/${path}`, body);
  if (status >= 400) say(answer.message || `HTTP ${status}`, true);
}

const freeRooms = () => snapshot.rooms.filter((room) => !room.ticket && room.kind !== "public_pc");

function roomPicker() {
  return el("select", { class: "inline", "aria-label": t("tablet.choose_room") },
            ...freeRooms().map((room) => el("option", { value: room.room_id }, room.name)));
}

function outcomePicker(visitId) {
  const outcomes = ["served", "steered_to_self_service", "referred_to_contact_centre", "appointment_booked"];
  return el("select", { class: "inline", "aria-label": t("tablet.complete"),
                        onchange: (event) => event.target.value && command(`visits/${visitId}/complete`, { outcome: event.target.value }) },
            el("option", { value: "" }, t("tablet.complete")),
            ...outcomes.map((o) => el("option", { value: o }, t(`outcome.${o}`))));
}

function transferPicker(visit) {
  return el("select", { class: "inline", "aria-label": t("tablet.transfer"),
                        onchange: (event) => event.target.value && command(`visits/${visit.visit_id}/transfer`, { to_line_id: event.target.value }) },
            el("option", { value: "" }, t("tablet.transfer")),
            ...snapshot.lines.filter((line) => line.line_id !== visit.line_id).map((line) => el("option", { value: line.line_id }, line.name)));
}

function waitedMinutes(since) {
  return minutes((serverNow() - Date.parse(since)) / 1000);
}

function renderRooms() {
  document.getElementById("rooms").replaceChildren(...snapshot.rooms.filter((room) => room.kind !== "public_pc").map((room) => {
    if (!room.ticket) {
      return el("li", { "data-room": room.room_id },
                el("span", { class: "name" }, room.name), el("span", {}, t("tablet.room_free")),
                el("button", { class: "primary", disabled: snapshot.waiting.length ? null : "disabled",
                               onclick: () => command("call-next", { room_id: room.room_id }) }, t("tablet.call_next")));
    }
    const visit = [...snapshot.called, ...snapshot.in_service].find((v) => v.visit_id === room.visit_id) || {};
    const buttons = room.stage === "called"
      ? [el("button", { onclick: () => command(`visits/${room.visit_id}/recall`) }, t("tablet.recall")),
         el("button", { class: "primary", onclick: () => command(`visits/${room.visit_id}/start`) }, t("tablet.start")),
         el("button", { class: "danger", onclick: () => command(`visits/${room.visit_id}/no-show`) }, t("tablet.no_show"))]
      : [];
    return el("li", { class: "busy", "data-room": room.room_id },
              el("span", { class: "name" }, room.name), el("strong", { "data-ticket": room.ticket }, room.ticket),
              el("span", {}, t(`stage.${room.stage}`)), ...buttons, outcomePicker(room.visit_id),
              visit.line_id ? transferPicker(visit) : null);
  }));
}

function renderQueue() {
  document.getElementById("lines").replaceChildren(...snapshot.lines.map((line) => {
    const waiting = snapshot.waiting.filter((visit) => visit.line_id === line.line_id);
    return el("section", { class: "line", "data-line": line.line_id },
      el("h3", {}, `${line.name} (${waiting.length}) · ${t("display.expected", { minutes: minutes(line.expected_wait_s) })}`),
      el("ul", {}, ...waiting.map((visit) => {
        const picker = roomPicker();
        return el("li", { "data-ticket": visit.ticket },
          el("span", { class: "ticket" }, visit.ticket),
          el("span", {}, t(`reason.${visit.reason}`)),
          el("span", { class: "waited" }, t("tablet.waited", { minutes: waitedMinutes(visit.checked_in_at) })),
          visit.needs?.interpreter ? el("span", { title: t("tablet.interpreter") }, "🗣") : null,
          visit.needs?.accessibility ? el("span", { title: t("tablet.accessibility") }, "♿") : null,
          picker,
          el("button", { disabled: freeRooms().length ? null : "disabled",
                         onclick: () => command(`visits/${visit.visit_id}/call`, { room_id: picker.value }) }, t("tablet.call")),
          transferPicker(visit),
          el("button", { class: "danger", onclick: () => command(`visits/${visit.visit_id}/cancel`, { cause: "visitor_left" }) }, t("tablet.cancel")));
      })));
  }));
}

function render() {
  if (!snapshot) return;
  renderRooms();
  renderQueue();
}

// A change carries the visits its batch touched (null: gone), each list's order and the other parts
// that changed, and names the frame it applies to (DECISIONS §48).
const LISTS = ["waiting", "called", "in_service"];
function applyChanges(before, changes) {
  const visits = new Map(LISTS.flatMap((list) => before[list]).map((visit) => [visit.visit_id, visit]));
  for (const [id, visit] of Object.entries(changes.visits)) {
    if (visit) visits.set(id, visit); else visits.delete(id);
  }
  const after = { ...before, ...changes.parts };
  for (const list of LISTS) after[list] = changes.order[list].map((id) => visits.get(id));
  if (LISTS.some((list) => after[list].includes(undefined))) return null;
  after.waiting = after.waiting.map((visit, index) => ({ ...visit, position: index + 1 }));
  return after;
}

let shownId = null;  // the frame the snapshot on screen came with
const live = liveStream(`/api/offices/${office}/queue/stream`, {
  onStatus: (state) => {
    showStatus(document.getElementById("status"), t, state);
    document.getElementById("offline").hidden = state === "live";
  },
  onFrame: (_type, data, id) => {
    if (!data.snapshot && !data.changes) return;  // an event alone: the batch's last frame has the picture
    const next = data.snapshot || (snapshot && data.changes.base === shownId && applyChanges(snapshot, data.changes));
    if (!next) { live.restart(); return; }  // a change to a picture this page does not have
    snapshot = next;
    shownId = id;
    render();
  },
});
await loadPolicy();
setInterval(loadPolicy, 60000);  // drop-in opens and closes during the day
setInterval(render, 30000);      // waiting times tick on
