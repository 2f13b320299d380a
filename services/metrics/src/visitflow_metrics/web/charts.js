"use strict";
// Hand-made SVG charts: stacked columns with an optional target line, and horizontal bars.
const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const W = 600, H = 260, LEFT = 44, RIGHT = 12, TOP = 12, BOTTOM = 34;

  function el(name, attrs = {}, text) {
    const node = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The top of the scale: four gridlines at round steps (1, 2 or 5 times a power of ten).
  function niceMax(value) {
    const rough = Math.max(value, 4) / 4;
    const power = 10 ** Math.floor(Math.log10(rough));
    const step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= rough);
    return 4 * step;
  }

  function frame(container, label) {
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label });
    svg.appendChild(el("title", {}, label));
    container.replaceChildren(svg);
    return svg;
  }

  function legend(container, entries) {
    const list = document.createElement("div");
    list.className = "legend";
    for (const [css, name] of entries) {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.className = css;
      item.append(swatch, name);
      list.appendChild(item);
    }
    container.appendChild(list);
  }

  // categories: x labels; series: [{key, name, values}] stacked; target: values per category or null.
  function columns(container, { label, categories, series, target = null, targetName = "", empty }) {
    const totals = categories.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
    if (!categories.length || (Math.max(0, ...totals) === 0 && !target)) {
      container.replaceChildren(Object.assign(document.createElement("p"), { className: "empty", textContent: empty }));
      return;
    }
    const svg = frame(container, label);
    const top = niceMax(Math.max(...totals, ...(target || [0])));
    const plotH = H - TOP - BOTTOM, plotW = W - LEFT - RIGHT;
    const y = (v) => TOP + plotH - (v / top) * plotH;
    for (let i = 0; i <= 4; i++) {
      const v = (top / 4) * i;
      svg.appendChild(el("line", { class: "axis", x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v) }));
      svg.appendChild(el("text", { x: LEFT - 6, y: y(v) + 4, "text-anchor": "end" }, String(Math.round(v))));
    }
    const slot = plotW / categories.length, barW = Math.min(70, Math.max(4, slot * 0.7));
    categories.forEach((name, i) => {
      const x = LEFT + slot * i + (slot - barW) / 2;
      let base = 0;
      for (const s of series) {
        const v = s.values[i] || 0;
        if (v > 0) {
          const bar = el("rect", { class: `s-${s.key}`, x, width: barW, y: y(base + v), height: y(base) - y(base + v) });
          bar.appendChild(el("title", {}, `${name}: ${s.name} ${v}`));
          svg.appendChild(bar);
        }
        base += v;
      }
      svg.appendChild(el("text", { x: x + barW / 2, y: H - BOTTOM + 18, "text-anchor": "middle" }, name));
    });
    if (target) {
      const points = target.map((v, i) => `${LEFT + slot * i + slot / 2},${y(v)}`).join(" ");
      svg.appendChild(el("polyline", { class: "target", points }));
    }
    const entries = series.map((s) => [`s-${s.key}`, s.name]);
    if (target) entries.push(["s-target", targetName]);
    legend(container, entries);
  }

  // items: [{name, value}] drawn as horizontal bars with the value and its share.
  function rows(container, { label, items, empty }) {
    const total = items.reduce((sum, item) => sum + item.value, 0);
    if (!total) {
      container.replaceChildren(Object.assign(document.createElement("p"), { className: "empty", textContent: empty }));
      return;
    }
    const svg = frame(container, label);
    const labelW = 230, rowH = Math.min(36, (H - TOP) / Math.max(items.length, 1));
    const max = Math.max(...items.map((item) => item.value));
    items.forEach((item, i) => {
      const yTop = TOP + i * rowH;
      const width = ((W - labelW - 90) * item.value) / max;
      svg.appendChild(el("text", { x: labelW - 8, y: yTop + rowH * 0.62, "text-anchor": "end" }, item.name));
      const bar = el("rect", { class: "s-drop_in", x: labelW, y: yTop + rowH * 0.18, width, height: rowH * 0.64 });
      bar.appendChild(el("title", {}, `${item.name}: ${item.value}`));
      svg.appendChild(bar);
      const share = Math.round((100 * item.value) / total);
      svg.appendChild(el("text", { x: labelW + width + 6, y: yTop + rowH * 0.62 }, `${item.value} (${share} %)`));
    });
  }

  return { columns, rows };
})();
