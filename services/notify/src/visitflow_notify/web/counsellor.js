// A counsellor's page: today's arrivals for the counsellor chosen from the office's list (remembered in
// this browser; ?counsellor=veileder-2 chooses in the link), live. A new arrival is highlighted, chimed
// and announced once. Ticket, time and room only. Below, the counsellor's day of appointments as the
// queue keeps it (booked, arrived with how long they have waited, late, missed), read from the queue
// API when the page opens, on each arrival and every half minute.
import { api, el, languageToggle, liveStream, loadCatalogue, minutes } from "/static/common/common.js";
import { clockTime, connectionStatus, soundControl } from "/static/app/screen.js";

const office = location.pathname.split("/").filter(Boolean).pop();
const { t, language } = await loadCatalogue();
const $ = (id) => document.getElementById(id);
const sound = soundControl($("sound"), t, "counsellor");
const remembered = `visitflow.counsellor.${office}`;
let chosen = new URLSearchParams(location.search).get("counsellor") || localStorage.getItem(remembered) || "";
let view = null;
let offered = "";  // the counsellors the list offers, to rebuild it only when they change
let known = null;  // the chosen counsellor's tickets already shown; none until the first picture
const fresh = new Set();  // tickets that arrived while the page was open

languageToggle($("lang"), language);
$("counsellor").addEventListener("change", (event) => {
  chosen = event.target.value;
  localStorage.setItem(remembered, chosen);
  known = null;
  fresh.clear();
  update();
  renderDay();
});

const mine = () => (view?.arrivals || []).filter((arrival) => arrival.counsellor_id === chosen);

function stage(arrival) {
  return t(`counsellor.stage_${arrival.stage}`, { room: arrival.room || "" });
}

function renderChoice() {
  const counsellors = view.counsellors || [];
  if (JSON.stringify(counsellors) !== offered) {
    offered = JSON.stringify(counsellors);
    $("counsellor").replaceChildren(el("option", { value: "" }, t("counsellor.choose_none")),
      ...counsellors.map((c) => el("option", { value: c.counsellor_id }, c.name)));
  }
  if (!counsellors.some((c) => c.counsellor_id === chosen)) chosen = "";
  $("counsellor").value = chosen;
}

function render() {
  const title = `${t("counsellor.title")} – ${view.name}`;
  $("title").textContent = title;
  document.title = title;
  renderChoice();
  const arrivals = mine().reverse();  // the newest first
  $("none").hidden = arrivals.length > 0;
  $("none").textContent = t(chosen ? "counsellor.none" : "counsellor.choose_first");
  $("arrivals").replaceChildren(...arrivals.map((arrival) =>
    el("li", { class: `${arrival.stage}${fresh.has(arrival.ticket) ? " new" : ""}`, "data-ticket": arrival.ticket },
       el("span", { class: "ticket" }, arrival.ticket),
       el("span", { class: "time" }, t("counsellor.arrived_at", { time: clockTime(Date.parse(arrival.arrived_at), language) })),
       el("span", { class: "stage" }, stage(arrival)))));
}

let day = null;  // the office's appointments today, as the queue's picture has them
const { queue_url: queueUrl } = await (await fetch("/counsellor/config")).json();
async function loadDay() {
  const response = await api(`${queueUrl}/api/offices/${office}/queue`).catch(() => null);
  if (!response?.ok) return;
  day = (await response.json()).appointments || null;
  renderDay();
}

const clock = await (await fetch("/api/clock")).json();  // the system's clock, which may not be this one
const clockRead = Date.now();
const serverNow = () => Date.parse(clock.now) + (Date.now() - clockRead) * clock.speed;

function dayState(booking) {
  if (booking.status === "arrived") {
    const waited = (serverNow() - Date.parse(booking.arrived_at)) / 1000;
    return booking.stage === "waiting"
      ? t("counsellor.day_waiting", { ticket: booking.ticket, minutes: minutes(waited) })
      : t("counsellor.day_arrived", { ticket: booking.ticket });
  }
  if (booking.status === "missed") return t("counsellor.day_missed");
  return t(booking.late ? "counsellor.day_late" : "counsellor.day_booked");
}

function renderDay() {
  if (!day) return;
  const parts = ["next_hour", "later", "arrived", "missed"];
  const mineToday = parts.flatMap((part) => day[part]).filter((b) => b.counsellor_id === chosen)
    .sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  $("day-none").hidden = mineToday.length > 0;
  $("day-none").textContent = t(chosen ? "counsellor.day_none" : "counsellor.choose_first");
  $("day").replaceChildren(...mineToday.map((booking) =>
    el("li", { class: booking.late ? "late" : booking.status, "data-booking": booking.booking_id },
       el("span", { class: "time" }, booking.time),
       el("span", { class: "code" }, booking.booking_id),
       el("span", { class: "state" }, dayState(booking)))));
}

function arrived(ticket) {
  const words = t("counsellor.arrived", { ticket });
  $("announcer").append(el("p", {}, words));
  while ($("announcer").childElementCount > 5) $("announcer").firstElementChild.remove();
  sound.chime();
  if (window.Notification?.permission === "granted") new Notification(words);
}

function update() {
  if (!view) return;
  renderChoice();
  const tickets = mine().map((arrival) => arrival.ticket);
  if (known === null) {
    known = new Set(tickets);  // what was there when the page opened (or the choice changed): not new
  } else {
    for (const ticket of tickets.filter((ticket) => !known.has(ticket))) {
      known.add(ticket);
      fresh.add(ticket);
      arrived(ticket);
    }
  }
  render();
}

const status = connectionStatus($("status"), t);
liveStream(`/api/offices/${office}/counsellor-alerts/stream`, {
  onStatus: status,
  onFrame: (type, data) => {
    status("live");  // a frame came: connected, whatever the browser said about its network meanwhile
    if (data.today) {
      view = data.today;
    } else if (type === "appointment_arrived" && view && !view.arrivals.some((a) => a.ticket === data.ticket)) {
      // the alert came before the arrivals it belongs to: listed now, its details follow
      const arrival = { ticket: data.ticket, counsellor_id: data.counsellor_id, arrived_at: data.at, stage: "waiting" };
      view = { ...view, arrivals: [...view.arrivals, arrival] };
    }
    if (type === "appointment_arrived") loadDay();
    update();
  },
});
await loadDay();
setInterval(loadDay, 30000);  // and the minutes waited tick on
