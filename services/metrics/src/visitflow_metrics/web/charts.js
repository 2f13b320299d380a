"use strict";
// Hand-made SVG charts: stacked columns with an optional target line, and horizontal bars. A chart is
// drawn twice from the same figures: as SVG for the eye (hidden from screen readers) and as a visually
// hidden table for screen readers. It is redrawn only when what it shows changes, so a screen reader
// reading its table is not thrown out by a live update that changed nothing.
const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const W = 600, PLOT_H = 214, RIGHT = 12, TOP = 12, FONT = 16, GAP = 6, ROW_H = 30;
  const TURN = Math.SQRT1_2; // sin and cos of the 45° a crowded axis label is turned by
  const shown = new WeakMap(); // container -> what it shows now

  function el(name, attrs = {}, text) {
    const node = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Draws `spec` with `paint` (or says `spec.empty` when it has no data) unless the container already
  // shows exactly that, in this language.
  function draw(container, spec, hasData, paint) {
    const key = document.documentElement.lang + JSON.stringify(spec);
    if (shown.get(container) === key) return;
    shown.set(container, key);
    if (!hasData(spec)) {
      container.replaceChildren(Object.assign(document.createElement("p"), { className: "empty", textContent: spec.empty }));
      return;
    }
    const svg = el("svg", { "aria-hidden": "true", focusable: "false" });
    container.replaceChildren(svg);
    paint(svg, spec);
  }

  // The width of each text as drawn in `svg`, in its own units (the chart's CSS sets the font).
  function widths(svg, texts) {
    const probe = svg.appendChild(el("text"));
    const found = texts.map((text) => {
      probe.textContent = text;
      return probe.getComputedTextLength();
    });
    probe.remove();
    return found;
  }

  // The top of the scale: four gridlines at round steps (1, 2 or 5 times a power of ten).
  function niceMax(value) {
    const rough = Math.max(value, 4) / 4;
    const power = 10 ** Math.floor(Math.log10(rough));
    const step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= rough);
    return 4 * step;
  }

  // Where the x-axis labels go: side by side when the widest fits its slot; else turned 45° and, when
  // even turned labels would touch, only every `every`th shown (the table has them all).
  function xAxis(labelWidths, count, left) {
    const widest = Math.max(0, ...labelWidths);
    const slotAt = (from) => (W - from - RIGHT) / count;
    if (widest + GAP <= slotAt(left)) return { left, slot: slotAt(left), turned: false, every: 1, bottom: 2 * FONT + 2 };
    let wide = left;
    for (let i = 0; i < 2; i++) wide = Math.max(left, (widest + FONT) * TURN - slotAt(wide) / 2); // room for the first label
    const slot = slotAt(wide);
    const every = Math.ceil(((FONT + GAP) / TURN) / slot);
    return { left: wide, slot, turned: true, every, bottom: FONT + (widest + FONT / 2) * TURN + GAP };
  }

  function legend(container, entries) {
    const list = document.createElement("div");
    list.className = "legend";
    list.setAttribute("aria-hidden", "true");
    for (const [css, name] of entries) {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.className = css;
      item.append(swatch, name);
      list.appendChild(item);
    }
    container.appendChild(list);
  }

  // The figures for screen readers: a table with a header row and one row per category or item (in a
  // box that hides it, as a table is always as wide as its content).
  function table(container, caption, head, rows) {
    const box = document.createElement("div");
    box.className = "visually-hidden";
    const grid = box.appendChild(document.createElement("table"));
    grid.className = "chart-data";
    grid.createCaption().textContent = caption;
    const header = grid.createTHead().insertRow();
    for (const text of head) header.appendChild(Object.assign(document.createElement("th"), { scope: "col", textContent: text }));
    const body = grid.createTBody();
    for (const [name, ...cells] of rows) {
      const row = body.insertRow();
      row.appendChild(Object.assign(document.createElement("th"), { scope: "row", textContent: name }));
      for (const text of cells) row.insertCell().textContent = text;
    }
    container.appendChild(box);
  }

  // categories: x labels; series: [{key, name, values}] stacked; target: a value per category, or null.
  // format: a number as the page writes it; categoryName: the table's first column.
  function paintColumns(svg, { label, categoryName, categories, series, target, targetName, format }) {
    const container = svg.parentNode;
    const totals = categories.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
    const top = niceMax(Math.max(...totals, ...(target || [0])));
    const ticks = [0, 1, 2, 3, 4].map((i) => (top / 4) * i);
    const yLeft = Math.max(...widths(svg, ticks.map(format))) + 2 * GAP;
    const axis = xAxis(widths(svg, categories), categories.length, yLeft);
    const { left, slot } = axis;
    const base = TOP + PLOT_H;
    svg.setAttribute("viewBox", `0 0 ${W} ${Math.ceil(base + axis.bottom)}`);
    const y = (v) => base - (v / top) * PLOT_H;
    for (const v of ticks) {
      svg.appendChild(el("line", { class: "axis", x1: left, x2: W - RIGHT, y1: y(v), y2: y(v) }));
      svg.appendChild(el("text", { x: left - GAP, y: y(v) + FONT / 4, "text-anchor": "end" }, format(v)));
    }
    const barW = Math.min(70, Math.max(4, slot * 0.7));
    categories.forEach((name, i) => {
      const x = left + slot * i + (slot - barW) / 2;
      let stacked = 0;
      for (const s of series) {
        const v = s.values[i] || 0;
        if (v > 0) {
          const bar = el("rect", { class: `s-${s.key}`, x, width: barW, y: y(stacked + v), height: y(stacked) - y(stacked + v) });
          bar.appendChild(el("title", {}, `${name}: ${s.name} ${format(v)}`));
          svg.appendChild(bar);
        }
        stacked += v;
      }
      if (i % axis.every) return;
      const cx = x + barW / 2;
      const at = axis.turned
        ? { x: cx, y: base + FONT, "text-anchor": "end", transform: `rotate(-45 ${cx} ${base + FONT})` }
        : { x: cx, y: base + FONT + 2, "text-anchor": "middle" };
      svg.appendChild(el("text", { class: "x-label", ...at }, name));
    });
    if (target) {
      const points = target.map((v, i) => `${left + slot * i + slot / 2},${y(v)}`).join(" ");
      svg.appendChild(el("polyline", { class: "target", points }));
    }
    const entries = series.map((s) => [`s-${s.key}`, s.name]);
    if (target) entries.push(["s-target", targetName]);
    legend(container, entries);
    table(
      container,
      label,
      [categoryName, ...series.map((s) => s.name), ...(target ? [targetName] : [])],
      categories.map((name, i) => [name, ...series.map((s) => format(s.values[i] || 0)), ...(target ? [format(target[i])] : [])]),
    );
  }
  const columnsHaveData = ({ categories, series, target }) =>
    categories.length > 0 && (Boolean(target) || series.some((s) => s.values.some((v) => v > 0)));

  // items: [{key, name, value}] as horizontal bars with the value and its share of all items.
  // format: a number, share: a part of a whole, as the page writes them; head: the table's columns.
  function paintRows(svg, { label, head, items, format, share }) {
    const container = svg.parentNode;
    const total = items.reduce((sum, item) => sum + item.value, 0);
    const values = items.map((item) => `${format(item.value)} (${share(item.value, total)})`);
    const labelW = Math.max(...widths(svg, items.map((item) => item.name))) + 2 * GAP;
    const valueW = Math.max(...widths(svg, values)) + 2 * GAP;
    const max = Math.max(...items.map((item) => item.value));
    svg.setAttribute("viewBox", `0 0 ${W} ${2 * TOP + items.length * ROW_H}`);
    items.forEach((item, i) => {
      const middle = TOP + i * ROW_H + ROW_H / 2;
      const width = ((W - labelW - valueW - RIGHT) * item.value) / max;
      svg.appendChild(el("text", { x: labelW - GAP, y: middle + FONT / 3, "text-anchor": "end" }, item.name));
      const bar = el("rect", { class: `s-${item.key}`, x: labelW, y: middle - ROW_H * 0.32, width, height: ROW_H * 0.64 });
      bar.appendChild(el("title", {}, `${item.name}: ${values[i]}`));
      svg.appendChild(bar);
      svg.appendChild(el("text", { x: labelW + width + GAP, y: middle + FONT / 3 }, values[i]));
    });
    table(container, label, head, items.map((item) => [item.name, format(item.value), share(item.value, total)]));
  }
  const rowsHaveData = ({ items }) => items.some((item) => item.value > 0);

  return {
    columns: (container, spec) => draw(container, spec, columnsHaveData, paintColumns),
    rows: (container, spec) => draw(container, spec, rowsHaveData, paintRows),
  };
})();
