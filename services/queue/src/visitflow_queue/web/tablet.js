// The host's tablet: check-in with the office's policy in view, the live waiting list and rooms, and
// one-tap commands. The lists are patched in place, keyed by visit, so a button keeps its place and its
// focus while other hosts work; an act that takes a visitor off a list can be undone for a few seconds;
// every answer is said in the page's language, and each call is read once to a screen reader.
// Every write carries an Idempotency-Key, so a retried tap never makes a second visit or call.
import { accessToken, api, el, languageToggle, liveStream, loadCatalogue, minutes, saidWait, showStatus } from "/static/common/common.js";
import qrcode from "/static/npm/qrcode-generator/qrcode.mjs";

const office = location.pathname.split("/").filter(Boolean).pop();
const { t, language } = await loadCatalogue();
const $ = (id) => document.getElementById(id);
const known = (key) => t(key) !== key;
languageToggle($("language"), language);
$("skip").setAttribute("aria-label", t("tablet.skip_links"));
const { checkin_url: checkinUrl } = await (await fetch("/tablet/config")).json();
const clock = await (await fetch("/api/clock")).json();
const clockRead = Date.now();
const serverNow = () => new Date(Date.parse(clock.now) + (Date.now() - clockRead) * clock.speed);
const locale = language === "nb" ? "nb-NO" : "en-GB";
const timeOf = (at, options = {}) => new Date(at).toLocaleString(locale, {
  timeZone: "Europe/Oslo", hour: "2-digit", minute: "2-digit", ...options });
const queueUrl = `/api/offices/${office}/queue`;
const LISTS = ["waiting", "called", "in_service"];
let policy = null;
let snapshot = null;
let live = null;

// --- words: answers, errors and what a screen reader hears ----------------------------------------
const result = $("result");
const say = (message, error = false) => { result.textContent = message; result.classList.toggle("error", error); };

// An answer in words, from its stable code; never the server's own (English) sentence.
function explain(status, answer = {}) {
  const code = answer.error;
  if (code && known(`error.${code}`)) {
    return t(`error.${code}`, { time: answer.retry_at ? timeOf(answer.retry_at) : "" });
  }
  return t("error.unknown");
}

const announced = new Set();  // what was read out already, by event id: each call once
function announce(words, key = null) {
  if (key) {
    if (announced.has(key)) return;
    announced.add(key);
    if (announced.size > 1000) announced.delete(announced.values().next().value);
  }
  // one new line per message in the log region, so a screen reader reads it once; older lines go
  $("announcer").append(el("p", {}, words));
  while ($("announcer").childElementCount > 5) $("announcer").firstElementChild.remove();
}

// What the host's own tap did, shown by the thumb and read once.
function tell(words, { error = false, key = null } = {}) {
  $("said").textContent = words;
  $("said").classList.toggle("error", error);
  announce(words, key);
}

// --- access and the connection ------------------------------------------------------------------
let denied = false;
let shownStatus = null;

function setStatus(state) {
  if (denied || state === shownStatus) return;  // the pill is a live region: written on change only
  shownStatus = state;
  showStatus($("status"), t, state);
  $("offline").hidden = state === "live";
}

function tokenExpired() {
  try {
    const claims = JSON.parse(atob(accessToken().split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return claims.exp * 1000 < Date.now();
  } catch {
    return false;
  }
}

// 401 or 403: the page cannot work with this token here. Said as such, not as a lost connection.
function refuse(status) {
  if (denied) return;
  denied = true;
  live?.close();
  const reason = status === 403 ? "status.forbidden"
    : !accessToken() ? "status.no_token" : tokenExpired() ? "status.expired" : "status.unauthenticated";
  $("access").textContent = t(reason);
  $("access").hidden = false;
  for (const part of [$("offline"), $("dock"), document.querySelector("main")]) part.hidden = true;  // nothing works here
  $("status").dataset.status = "denied";
  $("status").textContent = t("status.no_access");
}

async function probeAccess() {  // a stream refused looks like a lost connection: ask why
  const answer = await api(queueUrl).catch(() => null);
  if (answer?.status === 401 || answer?.status === 403) refuse(answer.status);
}

async function post(url, body, idempotencyKey = crypto.randomUUID()) {
  const response = await api(url, {
    method: "POST", headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (response.status === 401 || response.status === 403) refuse(response.status);
  return { status: response.status, answer };
}

// --- policy and check-in ------------------------------------------------------------------------
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

async function loadPolicy() {
  const response = await api(`${checkinUrl}/api/offices/${office}/policy`).catch(() => null);
  if (response?.status === 401 || response?.status === 403) refuse(response.status);
  if (!response?.ok) return;
  policy = await response.json();
  const title = `${policy.name} – ${t("tablet.title")}`;
  $("office-name").textContent = title;
  document.title = title;
  const hints = [];
  if (!policy.is_open) hints.push(el("li", { class: "closed" }, t("tablet.office_closed")));
  hints.push(el("li", { class: policy.drop_in_open ? "" : "closed", id: "drop-in-hint" },
                t(policy.drop_in_open ? "tablet.drop_in_open" : "tablet.drop_in_closed")));
  hints.push(el("li", {}, policy.drop_in_today.length
    ? t("tablet.drop_in_hours", { hours: policy.drop_in_today.join(", ") }) : t("tablet.no_drop_in_today")));
  hints.push(el("li", {}, t("tablet.emergency_always")));
  hints.push(el("li", {}, t("tablet.appointment_window", { early: policy.appointment_checkin.early_minutes,
                                                            late: policy.appointment_checkin.late_minutes })));
  $("hints").replaceChildren(...hints);
  const reason = $("reason");
  if (!reason.options.length) {
    reason.replaceChildren(...policy.reasons.map((r) => el("option", { value: r }, t(`reason.${r}`))));
  }
  const counsellor = $("counsellor");
  if (!counsellor.options.length) {
    counsellor.replaceChildren(el("option", { value: "" }, t("tablet.any_counsellor")),
      ...policy.counsellors.map((c) => el("option", { value: c.counsellor_id }, c.name)));
  }
  $("reference").pattern = policy.reference_pattern;
  if (!$("alternative-buttons").childElementCount) {
    $("alternative-buttons").replaceChildren(...policy.alternatives.map((alternative) =>
      el("button", { type: "button", "data-alternative": alternative, onclick: () => submit(alternative) },
         t(`alternative.${alternative}`))));
  }
  showAlternatives();
}

function showAlternatives() {
  const kind = document.querySelector("input[name=kind]:checked").value;
  // a host can steer anyone elsewhere; a drop-in outside its window can only be steered
  $("alternatives").hidden = !policy;
  if (kind === "drop_in" && policy && !policy.drop_in_open) $("alternatives").open = true;
  document.querySelector("#checkin-form button[type=submit]").disabled =
    kind === "drop_in" && policy && !policy.drop_in_open;
  $("appointment").hidden = kind !== "appointment";
}
for (const radio of document.querySelectorAll("input[name=kind]")) radio.addEventListener("change", showAlternatives);

function checkInBody(redirectTo) {
  const form = new FormData($("checkin-form"));
  const body = { kind: form.get("kind"), reason: form.get("reason"),
                 needs: { interpreter: form.has("interpreter"), accessibility: form.has("accessibility") } };
  if (body.kind === "appointment" && form.get("reference") && form.get("starts_at")) {
    // "HH:MM" as typed: the server reads it in the office's own time zone, whatever the tablet's is
    body.appointment = { reference: form.get("reference"), starts_at: form.get("starts_at"),
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
    showLink(answer);
    if (answer.outcome === "queued") {
      say(t("tablet.queued", { ticket: answer.ticket, position: answer.position, wait: saidWait(t, answer.minutes, answer.minutes_to, answer.no_room) }));
      $("checkin-form").reset();
    } else if (answer.outcome === "accepted") say(t("tablet.accepted"));
    else if (answer.outcome === "redirected") say(t("tablet.redirected", { alternative: t(`alternative.${answer.alternative}`) }));
    else say(explain(status, answer), true);
    showAlternatives();
  } catch {
    say(t("error.network"), true);  // the key is kept: tapping again retries the same check-in
  }
}
$("checkin-form").addEventListener("submit", (event) => { event.preventDefault(); submit(); });

// The visitor's own page: its QR code right after the check-in, until the next one. The host may
// withdraw a waiting visitor's link there or from their row at any time (it opens nothing from then on;
// the tablet never shows a link again, see docs/decisions/withdraw-a-visit-link-from-its-row.md).
let linked = null;  // the visit whose link is shown, and its ticket
// The link as a QR code (SVG data URI): error correction M, 6 px a module and a quiet zone of two, as the
// check-in API drew it before the tablet did.
function qrOf(url) {
  const code = qrcode(0, "M");
  code.addData(url);
  code.make();
  const svg = code.createSvgTag({ cellSize: 6, margin: 12, scalable: true });
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
function showLink(answer) {
  linked = answer.visit_link ? { visit_id: answer.visit_id, ticket: answer.ticket || "" } : null;
  $("visit-link").hidden = !linked;
  if (!linked) return;
  $("visit-link-code").src = qrOf(answer.visit_link.url);
  $("visit-link-code").alt = t("tablet.link_alt");
  $("visit-link-revoke").disabled = false;
}

// true once the visit has no link (withdrawn now, or before: 404); false if the tablet could not tell
async function withdrawLink(visit) {
  const { status, answer } = await post(`/api/offices/${office}/visits/${visit.visit_id}/link/revoke`, undefined,
                                        crypto.randomUUID()).catch(() => ({ status: 0, answer: {} }));
  if (status !== 200 && status !== 404) {
    tell(status ? explain(status, answer) : t("error.network"), { error: true });
    return false;
  }
  tell(status === 200 ? t("tablet.link_revoked", { ticket: visit.ticket }) : explain(status, answer));
  if (linked && linked.visit_id === visit.visit_id) {
    $("visit-link").hidden = true;
    linked = null;
  }
  const row = document.querySelector(`#lines li[data-id="${visit.visit_id}"]`);
  if (row) { row.linkGone = true; show(row.parts.link, false); }
  return true;
}
$("visit-link-revoke").addEventListener("click", () => { if (linked) withdrawLink(linked); });

// --- host commands --------------------------------------------------------------------------------
const roomName = (roomId) => snapshot?.rooms.find((room) => room.room_id === roomId)?.name || roomId;
const lineName = (line) => (known(`display.line_${line.line_id}`) ? t(`display.line_${line.line_id}`) : line.name);
const lineNamed = (lineId) => lineName(snapshot.lines.find((line) => line.line_id === lineId) || { line_id: lineId, name: lineId });

function callWords(event) {
  const values = { ticket: event.ticket, room: roomName(event.room_id), count: event.call_number };
  return t(event.call_number > 1 ? "tablet.said_recalled" : "tablet.said_called", values);
}

// Sends a command; says what it did (`words(event)`), or why not. Acts that take a visitor off a list
// are offered for undoing. The lists themselves follow from the live stream.
// A command tapped again before it had a final answer (the network failed, or the service asked to
// retry) is sent with its first key, so the queue carries it out once.
const pendingActs = new Map();  // path and body -> Idempotency-Key
const ownCommands = new Set();  // what this tablet asked for: said when answered, not again when seen

async function act(path, body, words, undoable = false) {
  const what = `${path} ${JSON.stringify(body ?? null)}`;
  const key = pendingActs.get(what) || crypto.randomUUID();
  pendingActs.set(what, key);
  let reply;
  try {
    reply = await post(`/api/offices/${office}/${path}`, body, key);
  } catch {
    tell(t("error.network"), { error: true });
    return null;
  }
  const { status, answer } = reply;
  if (answer.command_id) ownCommands.add(answer.command_id);
  if (status !== 503 && status !== 429) pendingActs.delete(what);
  if (status === 202) tell(t("tablet.said_recorded"));
  else if (status >= 400) tell(explain(status, answer), { error: true });
  if (status !== 200) return null;
  const event = answer.event;
  if (undoable) {  // said by the undo bar
    tell("");
    announce(words(event), event.event_id);
    offerUndo(event, words(event));
  } else tell(words(event), { key: event.event_id });
  return event;
}

const callNext = (roomId) => roomId
  ? act("call-next", { room_id: roomId }, callWords)
  : tell(t("tablet.no_free_room"), { error: true });
const call = (visit) => act(`visits/${visit.visit_id}/call`, { room_id: $("call-room").value }, callWords);
const recall = (visit) => act(`visits/${visit.visit_id}/recall`, undefined, callWords);
const start = (visit) => act(`visits/${visit.visit_id}/start`, undefined,
  () => t("tablet.said_started", { ticket: visit.ticket, room: roomName(visit.room_id) }));
const complete = (visit, outcome) => act(`visits/${visit.visit_id}/complete`, { outcome },
  () => t("tablet.said_completed", { ticket: visit.ticket, outcome: t(`outcome.${outcome}`) }), true);
const noShow = (visit) => act(`visits/${visit.visit_id}/no-show`, undefined,
  () => t("tablet.said_no_show", { ticket: visit.ticket }), true);
const transfer = (visit, lineId) => act(`visits/${visit.visit_id}/transfer`, { to_line_id: lineId },
  () => t("tablet.said_transferred", { ticket: visit.ticket, line: lineNamed(lineId) }), true);
const cancel = (visit) => act(`visits/${visit.visit_id}/cancel`, { cause: "visitor_left" },
  () => t("tablet.said_cancelled", { ticket: visit.ticket }), true);
const hold = (visit) => act(`visits/${visit.visit_id}/hold`, undefined,
  () => t("tablet.said_held", { ticket: visit.ticket }));
const back = (visit) => act(`visits/${visit.visit_id}/return`, undefined,
  () => t("tablet.said_returned", { ticket: visit.ticket }));
const closeRoom = (room) => act(`rooms/${room.room_id}/close`, undefined,
  () => t("tablet.said_room_closed", { room: room.name }));
const openRoom = (room) => act(`rooms/${room.room_id}/open`, undefined,
  () => t("tablet.said_room_opened", { room: room.name }));
const resolve = (item) => act(`follow-ups/${item.visit_id}/resolve`, undefined,
  () => t("tablet.said_followed_up", { ticket: item.ticket }));

// --- undo: a bar with a countdown after each act that took a visitor off a list --------------------
const undos = new Map();  // visit id -> { node, left, deadline, gone }

function offerUndo(event, words) {
  const seconds = snapshot?.undo_seconds ?? 15;
  const deadline = Date.parse(event.occurred_at) + seconds * 1000;  // the office's clock decides
  dropUndo(event.visit_id);
  const left = el("span", { class: "left", "aria-hidden": "true" });
  const node = el("li", { "data-visit": event.visit_id },
    el("span", { class: "what" }, words),
    el("button", { type: "button", class: "undo-button", onclick: () => undo(event) },
       t("tablet.undo"), el("span", { class: "visually-hidden" }, ` ${event.ticket}`)),
    left);
  $("undo").append(node);
  // a visit the act took off every list that is back on one was restored (by another tablet, say):
  // nothing left to undo. `away`: it has been seen off the lists since the act.
  undos.set(event.visit_id, { node, left, deadline, gone: event.type !== "VisitTransferred", away: !isOpen(event.visit_id) });
  tickUndos();
}

function dropUndo(visitId) {
  const entry = undos.get(visitId);
  if (!entry) return;
  const focused = entry.node.contains(document.activeElement);
  entry.node.remove();
  undos.delete(visitId);
  if (focused) $("call-next").focus();
}

function tickUndos() {
  const now = serverNow().getTime();
  for (const [visitId, entry] of undos) {
    const seconds = Math.ceil((entry.deadline - now) / 1000 / clock.speed);
    if (seconds <= 0) dropUndo(visitId);
    else if (entry.left.textContent !== t("tablet.undo_left", { seconds })) {
      entry.left.textContent = t("tablet.undo_left", { seconds });
    }
  }
}
setInterval(tickUndos, 250);

async function undo(event) {
  dropUndo(event.visit_id);
  await act(`visits/${event.visit_id}/undo`, undefined, () => t("tablet.said_undone", { ticket: event.ticket }));
}

// --- lists kept in place -------------------------------------------------------------------------
// Puts one node per item into `container`, in the items' order: a node is made once (`create`),
// brought up to date on every call (`update`), removed when its item is gone, and moved only when its
// order changed: the nodes of the longest run already in order stay where they are, so focus inside them
// and the place of their buttons under a finger survive every update.
function keyed(container, items, keyOf, create, update) {
  const nodes = container.keyedNodes ??= new Map();
  const wanted = new Set(items.map(keyOf));
  for (const [key, node] of nodes) {
    if (!wanted.has(key)) { node.remove(); nodes.delete(key); }
  }
  const order = items.map((item) => {
    const key = keyOf(item);
    let node = nodes.get(key);
    if (!node) { node = create(item); node.dataset.key = key; nodes.set(key, node); }
    update(node, item);
    return node;
  });
  const now = new Map([...container.children].map((node, index) => [node, index]));
  const stay = longestIncreasing(order.map((node) => now.get(node) ?? -1));
  let next = null;
  for (let index = order.length - 1; index >= 0; index--) {
    if (!stay.has(index)) container.insertBefore(order[index], next);
    next = order[index];
  }
}

// The indexes of a longest strictly increasing run in `values`, skipping negative ones.
function longestIncreasing(values) {
  const tails = [];
  const previous = [];
  values.forEach((value, index) => {
    if (value < 0) return;
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (values[tails[middle]] < value) low = middle + 1; else high = middle;
    }
    previous[index] = low > 0 ? tails[low - 1] : -1;
    tails[low] = index;
  });
  const run = new Set();
  for (let index = tails.length ? tails[tails.length - 1] : -1; index >= 0; index = previous[index]) run.add(index);
  return run;
}

const setText = (node, text) => { if (node.textContent !== text) node.textContent = text; };
const show = (node, visible) => { if (node.hidden === visible) node.hidden = !visible; };
const enable = (node, enabled) => {  // aria-disabled, not disabled: a focused button keeps its focus
  if ((node.getAttribute("aria-disabled") === "true") === enabled) node.setAttribute("aria-disabled", String(!enabled));
};

// A button with its visible label and, for a screen reader, what it acts on ("Gikk D-012"). It does
// nothing while aria-disabled.
function button(label, onclick, attributes = {}) {
  const about = el("span", { class: "visually-hidden" });
  const node = el("button", { type: "button", ...attributes }, label, about);
  node.addEventListener("click", () => { if (node.getAttribute("aria-disabled") !== "true") onclick(); });
  node.about = about;
  return node;
}

// "Flytt": a button that shows one button per other line (never a select that acts on change).
function transferControl(card) {
  const id = `lines-${card.dataset.id}`;
  const choices = el("div", { id, class: "choices", role: "group", "aria-label": t("tablet.choose_line"), hidden: "hidden" },
    ...snapshot.lines.map((line) => button(t("tablet.to_line", { line: lineName(line) }), () => {
      if (choices.contains(document.activeElement)) toggle.focus();  // before its button hides
      toggle.setAttribute("aria-expanded", "false");
      choices.hidden = true;
      transfer(card.visit, line.line_id);
    }, { "data-line": line.line_id })));
  const toggle = button(t("tablet.transfer"), () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    choices.hidden = !open;
  }, { "aria-expanded": "false", "aria-controls": id });
  return { toggle, choices };
}

const isOpen = (visitId) => LISTS.some((list) => snapshot?.[list].some((visit) => visit.visit_id === visitId));
const callable = () => snapshot.waiting.filter((visit) => !visit.held).length;
const serving = () => snapshot.rooms.filter((room) => room.kind !== "public_pc");
const inService = (room) => room.in_service !== false;
const freeRooms = () => serving().filter((room) => !room.ticket && inService(room));
const waitedMinutes = (since) => minutes((serverNow() - Date.parse(since)) / 1000);

// The focused control may go with what it acted on (a visitor who left, a stage that ended): focus then
// goes to its card, or the card next to it, never to the page's start.
function focusBefore() {
  const focused = document.activeElement;
  const card = focused?.closest("#rooms > li, .line li, #follow-ups > li");
  return card ? { focused, card, near: [card.nextElementSibling, card.previousElementSibling], list: card.parentElement } : null;
}

function focusAfter(before) {
  if (!before || (before.focused.isConnected && before.focused.checkVisibility())) return;
  const target = [before.card, ...before.near].find((node) => node?.isConnected && node.parentElement === before.list);
  (target || before.list.closest("section")?.querySelector("h2, h3") || $("call-next")).focus();
}

function roomCard(room) {
  const card = el("li", { tabindex: "-1", "data-room": room.room_id, "data-id": room.room_id });
  const ticketId = `room-${room.room_id}-ticket`;
  const completeId = `room-${room.room_id}-complete`;
  const parts = {
    ticket: el("strong", { id: ticketId }),
    stage: el("span", { class: "stage" }),
    who: el("span", { class: "tag" }),
    callNext: button(t("tablet.call_next"), () => callNext(room.room_id)),
    recall: button(t("tablet.recall"), () => recall(card.visit)),
    start: button(t("tablet.start"), () => start(card.visit), { class: "primary" }),
    noShow: button(t("tablet.no_show"), () => noShow(card.visit), { class: "danger" }),
    hold: button(t("tablet.hold"), () => hold(card.visit)),
    close: button(t("tablet.close_room"), () => closeRoom(card.room)),
    open: button(t("tablet.open_room"), () => openRoom(card.room), { class: "primary" }),
  };
  parts.callNext.about.textContent = ` – ${room.name}`;
  parts.close.about.textContent = ` – ${room.name}`;
  parts.open.about.textContent = ` – ${room.name}`;
  const outcomes = ["served", "steered_to_self_service", "referred_to_contact_centre", "appointment_booked"];
  parts.outcomes = outcomes.map((outcome) => button(t(`outcome.${outcome}`), () => complete(card.visit, outcome),
                                                    { class: outcome === "served" ? "primary" : "" }));
  parts.transfer = transferControl(card);
  parts.called = el("div", { class: "acts" }, parts.recall, parts.start, parts.hold, parts.noShow);
  parts.serving = el("div", { class: "acts outcomes", role: "group", "aria-labelledby": `${completeId} ${ticketId}` },
    el("span", { id: completeId, class: "group-label" }, t("tablet.complete")), ...parts.outcomes);
  parts.moving = el("div", { class: "acts" }, parts.transfer.toggle);
  card.parts = parts;
  card.append(el("div", { class: "head" }, el("span", { class: "name" }, room.name), parts.ticket, parts.stage, parts.who),
              parts.callNext, parts.called, parts.serving, parts.moving, parts.transfer.choices,
              el("div", { class: "acts service" }, parts.close, parts.open));
  return card;
}

function updateRoom(card, room, visits) {
  const visit = room.visit_id ? visits.get(room.visit_id) || { visit_id: room.visit_id, ticket: room.ticket } : null;
  const { parts } = card;
  card.visit = visit;
  card.room = room;
  card.className = visit ? room.stage : inService(room) ? "free" : "closed";
  setText(parts.ticket, room.ticket || "");
  setText(parts.stage, !visit ? t(inService(room) ? "tablet.room_free" : "tablet.room_closed")
    : room.stage === "called" && visit.calls > 1 ? t("tablet.called_times", { count: visit.calls })
    : t(`stage.${room.stage}`));
  setText(parts.who, visit?.counsellor || "");
  show(parts.who, Boolean(visit?.counsellor));
  show(parts.callNext, !visit && inService(room));
  enable(parts.callNext, callable() > 0);
  show(parts.close, inService(room));
  show(parts.open, !inService(room));
  show(parts.called, room.stage === "called");
  show(parts.serving, room.stage === "in_service");
  show(parts.moving, room.stage === "in_service" && Boolean(visit?.line_id));
  for (const node of [parts.recall, parts.start, parts.hold, parts.noShow, ...parts.outcomes, parts.transfer.toggle]) {
    setText(node.about, visit ? ` ${visit.ticket}` : "");
  }
  for (const choice of parts.transfer.choices.children) show(choice, choice.dataset.line !== visit?.line_id);
}

// The office lead's hint: the wait over the next hour at today's arrival rate, with the rooms in
// service and with one room fewer or more.
function renderStaffing() {
  const options = snapshot.staffing || [];
  $("staffing").hidden = !options.some((option) => option.minutes != null);
  keyed($("staffing-options"), options, (option) => String(option.rooms), () => el("li"), (item, option) => {
    item.classList.toggle("now", option.now);
    setText(item, t(option.now ? "tablet.staffing_now" : "tablet.staffing_option", {
      rooms: option.rooms,
      wait: option.minutes == null ? t("tablet.staffing_nobody") : saidWait(t, option.minutes, null),
    }));
  });
}

function renderRooms() {
  const visits = new Map([...snapshot.called, ...snapshot.in_service].map((visit) => [visit.visit_id, visit]));
  keyed($("rooms"), serving(), (room) => room.room_id, roomCard, (card, room) => updateRoom(card, room, visits));
}

function waitingItem(visit) {
  const item = el("li", { tabindex: "-1", "data-id": visit.visit_id });
  const parts = {
    ticket: el("span", { class: "ticket" }),
    reason: el("span", { class: "reason" }),
    waited: el("span", { class: "waited" }),
    tags: el("span", { class: "tags" }),
    call: button(t("tablet.call"), () => call(item.visit), { class: "primary" }),
    hold: button(t("tablet.hold"), () => hold(item.visit)),
    back: button(t("tablet.return"), () => back(item.visit), { class: "primary" }),
    cancel: button(t("tablet.cancel"), () => cancel(item.visit), { class: "danger" }),
    link: button(t("tablet.link_revoke"), () => withdrawLink(item.visit), { class: "link-revoke" }),
  };
  parts.transfer = transferControl(item);
  item.parts = parts;
  item.append(el("div", { class: "head" }, parts.ticket, parts.reason, parts.waited, parts.tags),
              el("div", { class: "acts" }, parts.call, parts.hold, parts.back, parts.transfer.toggle, parts.cancel,
                 parts.link),
              parts.transfer.choices);
  return item;
}

function updateWaiting(item, visit) {
  const { parts } = item;
  item.visit = visit;
  item.dataset.ticket = visit.ticket;
  item.classList.toggle("held", Boolean(visit.held));
  setText(parts.ticket, visit.ticket);
  setText(parts.reason, t(`reason.${visit.reason}`));
  setText(parts.waited, t("tablet.waited", { minutes: waitedMinutes(visit.checked_in_at) }));
  const tags = [
    visit.held && t("tablet.held"),
    visit.appointment_at && t("tablet.appointment_time", { time: timeOf(visit.appointment_at) }),
    visit.counsellor,
    visit.needs?.interpreter && t("tablet.interpreter"),
    visit.needs?.accessibility && t("tablet.accessibility"),
  ].filter(Boolean);
  if (tags.join("|") !== item.tagsShown) {
    item.tagsShown = tags.join("|");
    parts.tags.replaceChildren(...tags.map((tag) => el("span", { class: "tag" }, tag)));
  }
  enable(parts.call, !visit.held && freeRooms().length > 0);
  show(parts.hold, !visit.held);
  show(parts.back, Boolean(visit.held));
  show(parts.link, !item.linkGone);
  for (const node of [parts.call, parts.hold, parts.back, parts.cancel, parts.transfer.toggle, parts.link]) {
    setText(node.about, ` ${visit.ticket}`);
  }
  for (const choice of parts.transfer.choices.children) show(choice, choice.dataset.line !== visit.line_id);
}

function lineSection(line) {
  const title = el("h3", { tabindex: "-1" });
  const list = el("ul");
  const section = el("section", { class: "line", "data-line": line.line_id }, title, list);
  section.parts = { title, list };
  return section;
}

function updateLine(section, line) {
  const waiting = snapshot.waiting.filter((visit) => visit.line_id === line.line_id);
  const { title, list } = section.parts;
  setText(title, waiting.length
    ? t("tablet.line_title", { line: lineName(line), count: waiting.length, wait: saidWait(t, line.minutes, line.minutes_to, line.no_room) })
    : t("tablet.line_empty", { line: lineName(line) }));
  keyed(list, waiting, (visit) => visit.visit_id, waitingItem, updateWaiting);
}

function renderLines() {
  keyed($("lines"), snapshot.lines, (line) => line.line_id, lineSection, updateLine);
}

function followUpItem(entry) {
  const item = el("li", { tabindex: "-1", "data-id": entry.visit_id, "data-ticket": entry.ticket });
  const what = el("span");
  const done = button(t("tablet.followed_up"), () => resolve(item.entry), { class: "primary" });
  item.parts = { what, done };
  item.append(el("strong", {}, entry.ticket), what, done);
  return item;
}

function updateFollowUp(item, entry) {
  item.entry = entry;
  const day = new Date(entry.since).toLocaleDateString(locale, {
    timeZone: "Europe/Oslo", weekday: "short", day: "numeric", month: "numeric" });
  setText(item.parts.what, t("tablet.follow_up_item", { kind: t(`kind.${entry.kind}`), day, time: timeOf(entry.since) }));
  setText(item.parts.done.about, ` ${entry.ticket}`);
}

function renderTop() {
  const followUps = snapshot.follow_up || [];
  show($("follow-up"), followUps.length > 0);
  keyed($("follow-ups"), followUps, (entry) => entry.visit_id, followUpItem, updateFollowUp);
  const closing = snapshot.closing;
  show($("closing"), Boolean(closing));
  if (closing) {
    setText($("closing"), t("tablet.closing", closing) + (closing.emergencies ? t("tablet.closing_emergencies", closing) : ""));
  }
}

// The call bar: a room (the one chosen, while it is free) and "call next", where the thumb is.
function renderDock() {
  const picker = $("call-room");
  const free = freeRooms();
  const chosen = localStorage.getItem(`visitflow.room.${office}`);
  const current = picker.value;
  keyed(picker, free.length ? free : [{ room_id: "", name: t("tablet.no_free_room") }], (room) => room.room_id,
        (room) => el("option", { value: room.room_id }), (option, room) => setText(option, room.name));
  const ids = free.map((room) => room.room_id);
  const value = ids.includes(current) ? current : ids.includes(chosen) ? chosen : ids[0] || "";
  if (picker.value !== value) picker.value = value;
  enable(picker, free.length > 0);
  enable($("call-next"), free.length > 0 && callable() > 0);
  const held = snapshot.waiting.length - callable();
  setText($("waiting-count"), t("tablet.waiting_count", { count: callable() })
    + (held ? ` · ${t("tablet.held_count", { count: held })}` : ""));
}
$("call-room").addEventListener("change", (event) => localStorage.setItem(`visitflow.room.${office}`, event.target.value));
$("call-next").addEventListener("click", () => {
  if ($("call-next").getAttribute("aria-disabled") !== "true") callNext($("call-room").value);
});

// --- expected today ----------------------------------------------------------------------------
// The day's bookings (the next hour first, then the rest of the day), narrowed by the code the visitor
// shows or by their counsellor; one tap checks the visitor in with the booking's reference, start and
// counsellor, and the office's early and late windows apply as to any appointment.
const codeTyped = () => $("booking-code").value.trim().toUpperCase();
const shownCounsellor = () => $("expected-counsellor").value;
const wanted = (booking) => booking.booking_id.startsWith(codeTyped())
  && (!shownCounsellor() || booking.counsellor_id === shownCounsellor());

const bookingKeys = new Map();  // booking id -> the Idempotency-Key of its check-in until answered
async function checkInBooking(booking) {
  const key = bookingKeys.get(booking.booking_id) || uuidv7();
  bookingKeys.set(booking.booking_id, key);
  const body = { kind: "appointment", reason: booking.reason,
                 appointment: { reference: booking.booking_id, starts_at: booking.starts_at,
                                counsellor_id: booking.counsellor_id } };
  try {
    const { status, answer } = await post(`${checkinUrl}/api/offices/${office}/check-ins`, body, key);
    if (status !== 503 && status !== 429 && answer.error !== "in_progress") bookingKeys.delete(booking.booking_id);
    if (answer.outcome === "queued") {
      say(t("tablet.queued", { ticket: answer.ticket, position: answer.position, minutes: minutes(answer.estimated_wait_s) }));
      $("booking-code").value = "";
    } else if (answer.outcome === "accepted") say(t("tablet.accepted"));
    else say(explain(status, answer), true);
  } catch {
    say(t("error.network"), true);  // the key is kept: tapping again retries the same check-in
  }
}

function bookingItem(booking) {
  const item = el("li", { "data-booking": booking.booking_id });
  const parts = { time: el("span", { class: "time" }), code: el("span", { class: "code" }),
                  who: el("span"), late: el("span", { class: "tag" }) };
  parts.go = button(t("tablet.check_in_booking"), () => checkInBooking(item.booking), { class: "primary" });
  item.parts = parts;
  item.append(parts.time, parts.code, parts.who, parts.late, parts.go);
  return item;
}

function updateBooking(item, booking) {
  item.booking = booking;
  setText(item.parts.time, booking.time);
  setText(item.parts.code, booking.booking_id);
  setText(item.parts.who, booking.counsellor);
  setText(item.parts.late, booking.late ? t("tablet.late") : "");
  show(item.parts.late, Boolean(booking.late));
  item.classList.toggle("late", Boolean(booking.late));
  setText(item.parts.go.about, ` ${booking.booking_id} ${booking.time}`);
}

function renderExpected() {
  const expected = snapshot.appointments || { next_hour: [], later: [] };
  const picker = $("expected-counsellor");
  const current = picker.value;
  keyed(picker, [{ counsellor_id: "", name: t("tablet.all_counsellors") }, ...snapshot.counsellors],
        (c) => c.counsellor_id, (c) => el("option", { value: c.counsellor_id }), (option, c) => setText(option, c.name));
  if (picker.value !== current) picker.value = current;
  for (const [id, part] of [["expected-soon", "next_hour"], ["expected-later", "later"]]) {
    const bookings = expected[part].filter(wanted);
    keyed($(id), bookings.length ? bookings : [{ booking_id: "", none: true }], (b) => b.booking_id,
          (b) => (b.none ? el("li", { class: "none" }) : bookingItem(b)),
          (node, b) => (b.none ? setText(node, t("tablet.expected_none")) : updateBooking(node, b)));
  }
}
$("booking-code").addEventListener("input", () => snapshot && renderExpected());
$("expected-counsellor").addEventListener("change", () => snapshot && renderExpected());

function render() {
  if (!snapshot) return;
  const before = focusBefore();
  renderTop();
  renderRooms();
  renderStaffing();
  renderLines();
  renderExpected();
  renderDock();
  focusAfter(before);
  for (const [visitId, entry] of undos) {
    if (!entry.gone) continue;
    if (!isOpen(visitId)) entry.away = true;
    else if (entry.away) dropUndo(visitId);
  }
}

// --- the live stream ------------------------------------------------------------------------------
// A change carries the visits its batch touched (null: gone), each list's order and the other parts
// that changed, and names the frame it applies to (docs/decisions/tablet-receives-changes.md).
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
const SEEN = { VisitHeld: "tablet.seen_held", VisitReturned: "tablet.seen_returned", VisitCancelled: "tablet.seen_cancelled" };
function openStream() {
  live = liveStream(`/api/offices/${office}/queue/stream`, {
    onStatus: (state) => {
      setStatus(state);
      if (state === "offline" && !denied) probeAccess();
    },
    onFrame: (type, data, id) => {
      if (type === "VisitorCalled" && data.event) announce(callWords(data.event), data.event.event_id);
      // a visitor's act on their own page (or another device's): said here too
      if (SEEN[type] && data.event && !ownCommands.has(data.event.causation_id)) {
        tell(t(SEEN[type], { ticket: data.event.ticket }), { key: data.event.event_id });
      }
      if (!data.snapshot && !data.changes) return;  // an event alone: the batch's last frame has the picture
      const next = data.snapshot || (snapshot && data.changes.base === shownId && applyChanges(snapshot, data.changes));
      if (!next) { live.restart(); return; }  // a change to a picture this page does not have
      snapshot = next;
      shownId = id;
      render();
    },
  });
}

// The dock is fixed at the bottom: the page leaves room for it, whatever it holds.
new ResizeObserver(([entry]) => document.body.style.setProperty("--dock", `${Math.ceil(entry.borderBoxSize[0].blockSize)}px`))
  .observe($("dock"));
for (const link of document.querySelectorAll("#skip a")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    const target = link.hash === "#checkin" ? document.querySelector("input[name=kind]:checked") : $("call-next");
    target.focus();
  });
}
const showClock = () => setText($("clock"), timeOf(serverNow()));
showClock();
setInterval(showClock, 5000);

const first = await api(queueUrl).catch(() => null);  // a token refused here is said so, not retried
if (first?.status === 401 || first?.status === 403) refuse(first.status);
else openStream();
await loadPolicy();
setInterval(loadPolicy, 60000);  // drop-in opens and closes during the day
setInterval(render, 30000);      // waiting times tick on
