// The regional dashboard: one live stream per region (snapshot, office frames, clock), redrawn on change.
import { accessToken, api } from "/static/common/common.js";

(() => {
  const params = new URLSearchParams(location.search);
  const state = {
    region: params.get("region"),
    lang: LANGUAGES.includes(params.get("lang")) ? params.get("lang") : "nb",
    regions: [],
    offices: new Map(),
    businessDate: null,
    now: null,
    trend: { weeks: [], today: null },
    stream: null,
  };
  const $ = (selector) => document.querySelector(selector);
  const messages = {};
  const t = () => messages[state.lang];
  const KINDS = ["drop_in", "appointment", "emergency"];
  const LONG_WAIT_S = 30 * 60;

  function locale() {
    return state.lang === "nb" ? "nb-NO" : "en-GB";
  }
  function number(value) {
    return new Intl.NumberFormat(locale()).format(value);
  }
  function percent(part, whole) {
    return whole ? new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(part / whole) : "–";
  }
  function longestWait(office) {
    if (!office.oldest_waiting_since || !state.now) return 0;
    return Math.max(0, (state.now - Date.parse(office.oldest_waiting_since)) / 1000);
  }
  function minutes(seconds) {
    return `${Math.floor(seconds / 60)} ${t().minutes}`;
  }

  function applyTexts() {
    document.documentElement.lang = state.lang;
    document.title = t().pageTitle;
    for (const node of document.querySelectorAll("[data-text]")) node.textContent = t()[node.dataset.text];
    $("#totals").setAttribute("aria-label", t().totals);
    $("#lang").value = state.lang;
  }

  function tile(label, value) {
    const box = document.createElement("div");
    box.className = "tile";
    box.innerHTML = '<div class="label"></div><div class="value"></div>';
    box.querySelector(".label").textContent = label;
    box.querySelector(".value").textContent = value;
    return box;
  }

  function renderTotals(offices) {
    const sum = (key) => offices.reduce((total, office) => total + (office[key] || 0), 0);
    const reasons = offices.reduce((total, o) => total + (o.drop_in_reasons.deliver_documents || 0) + (o.drop_in_reasons.case_status || 0), 0);
    $("#totals").replaceChildren(
      tile(t().inOffice, number(sum("in_office"))),
      tile(t().waiting, number(sum("waiting"))),
      tile(t().dropInsToday, `${number(sum("drop_ins"))} / ${number(sum("drop_in_target"))}`),
      tile(t().documentsOrStatus, percent(reasons, sum("drop_ins"))),
      tile(t().steered, number(sum("steered_to_self_service"))),
      tile(t().serviceLevel, percent(sum("called_within_target"), sum("called"))),
      tile(t().noShows, number(sum("no_shows"))),
      tile(t().missedAppointments, percent(sum("appointments_missed"), sum("appointments_missed") + sum("appointments_kept"))),
    );
  }

  function cell(className, text) {
    const td = document.createElement("td");
    td.className = className;
    td.textContent = text;
    return td;
  }

  // Quoted against actual today: the share of waits within five minutes of the estimate, the mean miss
  // and the share for whom what they were told held ("82% within 5 min · 3 min off on average · 88% as
  // told"); a dash before anyone was called.
  function estimatesHeld(figures) {
    if (!figures) return "–";
    const percent = new Intl.NumberFormat(locale(), { style: "percent" });
    const off = t().estimatesOff.replace("{share}", percent.format(figures.within_5_min_share))
      .replace("{minutes}", number(Math.round(figures.mean_abs_error_s / 60)));
    if (figures.said_held_share == null) return off;
    return `${off} · ${t().estimatesTold.replace("{share}", percent.format(figures.said_held_share))}`;
  }

  // The queue's staffing hint: the next hour's expected wait with the rooms in use (first, in bold), one
  // fewer and one more ("3 rooms: 10 min · 2 rooms: 25 min · 4 rooms: 5 min"); a dash before there is one.
  function staffingCell(options) {
    const td = cell("staffing", options && options.length ? "" : "–");
    const ordered = [...(options || [])].sort((a, b) => b.as_now - a.as_now || a.rooms - b.rooms);
    ordered.forEach((option, index) => {
      const part = document.createElement(option.as_now ? "strong" : "span");
      const said = option.expected_wait_s == null ? t().staffingNobody : t().staffingOption;
      part.textContent = said.replace("{rooms}", number(option.rooms)).replace("{minutes}", number(Math.round((option.expected_wait_s || 0) / 60)));
      if (index) td.append(" · ");
      td.append(part);
    });
    return td;
  }

  function renderTable(offices) {
    const rows = offices.map((office) => {
      const tr = document.createElement("tr");
      const wait = longestWait(office);
      tr.dataset.office = office.office_id;
      tr.classList.toggle("long-wait", wait > LONG_WAIT_S);
      tr.classList.toggle("over-target", office.drop_ins > office.drop_in_target);
      const name = document.createElement("th");
      name.scope = "row";
      name.textContent = office.name;
      const dropIns = cell("drop-ins", "");
      const figure = document.createElement("span");
      figure.className = "figure";
      figure.textContent = `${number(office.drop_ins)} ${t().of} ${number(office.drop_in_target)}`;
      const bar = document.createElement("div");
      bar.className = "bar";
      const fill = document.createElement("span");
      fill.style.width = `${Math.min(100, office.drop_in_target ? (100 * office.drop_ins) / office.drop_in_target : 0)}%`;
      bar.appendChild(fill);
      dropIns.append(figure, bar);
      tr.append(
        name,
        cell("num in-office", number(office.in_office)),
        cell("num waiting", number(office.waiting)),
        cell("num longest-wait", office.waiting ? minutes(wait) : "–"),
        cell("num missed", percent(office.appointments_missed || 0, (office.appointments_missed || 0) + (office.appointments_kept || 0))),
        dropIns,
        cell("num estimates", estimatesHeld(office.estimates)),
        staffingCell(office.staffing),
      );
      return tr;
    });
    $("#offices tbody").replaceChildren(...rows);
  }

  // Every chart's figures are the sums over the region's offices (as the API's totals).
  function renderCharts(offices) {
    const sum = (read) => offices.reduce((total, office) => total + (read(office) || 0), 0);
    const hours = [...new Set(offices.flatMap((o) => Object.keys(o.hourly_arrivals)))].sort();
    Charts.columns($("#hourly-chart"), {
      label: t().hourlyTitle,
      categoryName: t().hour,
      categories: hours,
      series: KINDS.map((kind) => ({
        key: kind,
        name: t().kinds[kind],
        values: hours.map((h) => sum((o) => (o.hourly_arrivals[h] || {})[kind])),
      })),
      format: number,
      empty: t().noData,
    });
    const reasons = Object.keys(t().reasons)
      .map((key) => ({ key: "drop_in", name: t().reasons[key], value: sum((o) => o.drop_in_reasons[key]) }))
      .filter((item) => item.value > 0)
      .sort((a, b) => b.value - a.value);
    Charts.rows($("#reasons-chart"), {
      label: t().reasonsTitle,
      head: [t().reason, t().count, t().share],
      items: reasons,
      format: number,
      share: percent,
      empty: t().noData,
    });
    const outcomes = Object.keys(t().outcomes);
    Charts.rows($("#outcomes-chart"), {
      label: t().outcomesTitle,
      head: [t().outcome, t().count, t().share],
      items: outcomes.map((key) => ({ key, name: t().outcomes[key], value: sum((o) => o.outcomes[key]) })),
      format: number,
      share: percent,
      empty: t().noData,
    });
    Charts.columns($("#office-outcomes-chart"), {
      label: t().officeOutcomesTitle,
      categoryName: t().office,
      categories: offices.map((o) => o.name),
      series: outcomes.map((key) => ({ key, name: t().outcomes[key], values: offices.map((o) => o.outcomes[key] || 0) })),
      format: number,
      empty: t().noData,
    });
    const buckets = t().waitBuckets;
    Charts.columns($("#waits-chart"), {
      label: t().waitsTitle,
      categoryName: t().wait,
      categories: buckets.map((b) => `${b} ${t().minutes}`),
      series: [{ key: "drop_in", name: t().called, values: buckets.map((_, i) => sum((o) => o.wait_histogram[i])) }],
      format: number,
      empty: t().noData,
    });
    const weeks = trendWeeks(sum((o) => o.drop_ins));
    Charts.columns($("#trend-chart"), {
      label: t().trendTitle,
      categoryName: t().week,
      categories: weeks.map((w) => String(isoWeek(w.week_start))),
      series: [{ key: "drop_in", name: t().kinds.drop_in, values: weeks.map((w) => w.drop_ins) }],
      target: weeks.map((w) => w.target),
      targetName: t().target,
      format: number,
      empty: t().noData,
    });
  }

  // The weekly trend as loaded, with today's drop-ins in the last week replaced by the live figure.
  function trendWeeks(dropInsToday) {
    const { weeks, today } = state.trend;
    if (!weeks.length || today.business_date !== state.businessDate) return weeks;
    const last = weeks[weeks.length - 1];
    return [...weeks.slice(0, -1), { ...last, drop_ins: last.drop_ins - today.drop_ins + dropInsToday }];
  }

  function isoWeek(isoDate) {
    const day = new Date(`${isoDate}T00:00:00Z`);
    day.setUTCDate(day.getUTCDate() + 3 - ((day.getUTCDay() + 6) % 7)); // the week's Thursday
    const january4 = new Date(Date.UTC(day.getUTCFullYear(), 0, 4));
    return 1 + Math.round(((day - january4) / 86400000 - 3 + ((january4.getUTCDay() + 6) % 7)) / 7);
  }

  function renderClock() {
    if (!state.now) return;
    $("#clock").textContent = new Date(state.now).toLocaleString(state.lang === "nb" ? "nb-NO" : "en-GB", {
      timeZone: "Europe/Oslo", weekday: "long", hour: "2-digit", minute: "2-digit",
    });
  }

  function render() {
    const offices = [...state.offices.values()];
    renderClock();
    renderTotals(offices);
    renderTable(offices);
    renderCharts(offices);
  }

  async function loadTrend() {
    const response = await api(`/api/regions/${state.region}/drop-in-trend?weeks=12`);
    if (response.ok) state.trend = await response.json();
  }

  function connect() {
    if (state.stream) state.stream.close();
    const token = encodeURIComponent(accessToken() || "");
    const stream = new EventSource(`/api/regions/${encodeURIComponent(state.region)}/stream?access_token=${token}`);
    state.stream = stream;
    stream.addEventListener("snapshot", (e) => {
      const data = JSON.parse(e.data);
      state.businessDate = data.business_date;
      state.now = Date.parse(data.now);
      state.offices = new Map(data.offices.map((o) => [o.office_id, o]));
      $("#status").textContent = "";
      render();
    });
    stream.addEventListener("office", (e) => {
      const office = JSON.parse(e.data);
      if (office.business_date !== state.businessDate || !state.offices.has(office.office_id)) return;
      state.offices.set(office.office_id, office);
      render();
    });
    stream.addEventListener("clock", (e) => {
      const data = JSON.parse(e.data);
      state.now = Date.parse(data.now);
      if (state.businessDate && data.business_date !== state.businessDate) {
        connect(); // a new day: start from a fresh snapshot
        loadTrend().then(render);
        return;
      }
      $("#status").textContent = "";
      render();
    });
    stream.onerror = () => { $("#status").textContent = t().reconnecting; };
  }

  async function start() {
    for (const language of LANGUAGES) messages[language] = await loadMessages(language);
    applyTexts();
    const response = await api("/api/regions");
    state.regions = (await response.json()).regions;
    if (!state.regions.some((r) => r.id === state.region)) state.region = state.regions[0].id;
    $("#region").replaceChildren(...state.regions.map((r) => new Option(r.name, r.id, false, r.id === state.region)));
    $("#region").addEventListener("change", async (e) => {
      state.region = e.target.value;
      params.set("region", state.region);
      history.replaceState(null, "", `?${params}`);
      state.offices = new Map();
      await loadTrend();
      connect();
    });
    $("#lang").addEventListener("change", (e) => {
      state.lang = e.target.value;
      params.set("lang", state.lang);
      history.replaceState(null, "", `?${params}`);
      applyTexts();
      render();
    });
    await loadTrend();
    connect();
    setInterval(() => loadTrend().then(render), 10 * 60 * 1000);
  }

  start();
})();
