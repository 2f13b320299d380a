// A counsellor's page: knows at once when their appointment has arrived (?counsellor=veileder-2).
import { el, liveStream, loadCatalogue, showStatus } from "/static/common/common.js";

const office = location.pathname.split("/").filter(Boolean).pop();
const counsellor = new URLSearchParams(location.search).get("counsellor");
const { t } = await loadCatalogue();
document.getElementById("who").textContent = t("counsellor.waiting_for", { counsellor: counsellor || "–" });

liveStream(`/api/offices/${office}/counsellor-alerts/stream`, {
  onStatus: (state) => showStatus(document.getElementById("status"), t, state),
  onFrame: (type, data) => {
    if (type !== "appointment_arrived" || (counsellor && data.counsellor_id !== counsellor)) return;
    document.getElementById("alerts").prepend(
      el("li", { "data-ticket": data.ticket }, t("counsellor.arrived", { ticket: data.ticket })));
    if (window.Notification?.permission === "granted") new Notification(t("counsellor.arrived", { ticket: data.ticket }));
  },
});
