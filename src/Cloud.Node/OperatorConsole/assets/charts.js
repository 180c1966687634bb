// Small inline SVG charts drawn from API numbers: no chart library to bundle, nothing to fetch, readable at any width.
const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function chart(width, height, label) {
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label });
  svg.append(s('title', {}, label));
  return svg;
}

const fmt = v => (v === null || v === undefined || Number.isNaN(v)) ? '—' : Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4);

// Horizontal bars (one per row: {label, value, kind}) against a threshold line, e.g. canary and baseline vs a gate.
export function barsWithThreshold(title, rows, threshold, thresholdLabel) {
  const W = 360, rowH = 22, H = 26 + rows.length * rowH + 16, left = 70, right = W - 60;
  const max = Math.max(threshold ?? 0, ...rows.map(r => r.value ?? 0), 1e-9) * 1.15;
  const x = v => left + (right - left) * (v / max);
  const svg = chart(W, H, `${title}: ${rows.map(r => `${r.label} ${fmt(r.value)}`).join(', ')}; threshold ${thresholdLabel}`);
  svg.append(s('text', { x: 4, y: 14 }, title));
  rows.forEach((r, i) => {
    const y = 24 + i * rowH;
    svg.append(s('text', { x: 4, y: y + 13 }, r.label));
    if (r.value !== null && r.value !== undefined) svg.append(s('rect', { class: r.kind, x: left, y, width: Math.max(1, x(r.value) - left), height: rowH - 6 }));
    svg.append(s('text', { x: right + 4, y: y + 13 }, fmt(r.value)));
  });
  if (threshold !== null && threshold !== undefined) {
    svg.append(s('line', { class: 'threshold', x1: x(threshold), x2: x(threshold), y1: 20, y2: H - 14 }));
    svg.append(s('text', { x: Math.min(x(threshold), right - 40), y: H - 2 }, thresholdLabel));
  }
  return svg;
}

// Budget use per campaign per day: one bar per row ({label, used, limit}); a limit draws a line, no limit says so.
export function budgetBars(rows, unit) {
  const W = 420, rowH = 24, H = 10 + rows.length * rowH, left = 150, right = W - 70;
  const max = Math.max(1, ...rows.map(r => Math.max(r.used, r.limit ?? 0))) * 1.1;
  const x = v => left + (right - left) * (v / max);
  const svg = chart(W, H, `${unit} per campaign today`);
  rows.forEach((r, i) => {
    const y = 6 + i * rowH;
    svg.append(s('text', { x: 4, y: y + 14 }, r.label.length > 22 ? r.label.slice(0, 21) + '…' : r.label));
    svg.append(s('rect', { class: 'used', x: left, y, width: Math.max(1, x(r.used) - left), height: rowH - 8 }));
    if (r.limit !== null && r.limit !== undefined) svg.append(s('line', { class: 'limit', x1: x(r.limit), x2: x(r.limit), y1: y - 2, y2: y + rowH - 6 }));
    svg.append(s('text', { x: right + 4, y: y + 14 }, `${fmt(r.used)}${r.limit !== null && r.limit !== undefined ? ' / ' + fmt(r.limit) : ' (no limit)'}`));
  });
  return svg;
}

// A point with its 95 % interval on an axis through zero (relative lift), so "crosses zero" is visible at a glance.
export function interval(label, value, low, high) {
  const W = 300, H = 40, left = 10, right = W - 10;
  const span = Math.max(0.05, ...[value, low, high].filter(v => v !== null && v !== undefined).map(Math.abs)) * 1.2;
  const x = v => left + (right - left) * ((v + span) / (2 * span));
  const svg = chart(W, H, `${label}: ${fmt(value)} (95 % CI ${fmt(low)} to ${fmt(high)})`);
  svg.append(s('line', { x1: x(0), x2: x(0), y1: 4, y2: H - 4, stroke: '#999' }));
  if (low !== null && low !== undefined && high !== null && high !== undefined)
    svg.append(s('line', { class: 'ci', x1: x(low), x2: x(high), y1: H / 2, y2: H / 2 }));
  if (value !== null && value !== undefined) svg.append(s('circle', { class: 'canary', cx: x(value), cy: H / 2, r: 5 }));
  return svg;
}

// A small time series (points: {at: Date, value}), one bar per reported period, with its latest value and peak in words:
// e.g. a device's renders per minute, CPU or temperature. Periods without a reading leave a gap rather than a zero.
export function series(title, points, unit) {
  const W = 320, H = 90, left = 4, right = W - 4, top = 20, bottom = H - 14;
  const known = points.filter(p => p.value !== null && p.value !== undefined);
  const last = known.at(-1)?.value, peak = known.length ? Math.max(...known.map(p => p.value)) : null;
  const label = `${title}: ${known.length ? `latest ${fmt(last)} ${unit}, peak ${fmt(peak)} ${unit} over ${known.length} period(s)` : 'no readings'}`;
  const svg = chart(W, H, label);
  svg.append(s('text', { x: 4, y: 13 }, known.length ? `${title}: ${fmt(last)} ${unit} (peak ${fmt(peak)})` : `${title}: no readings`));
  if (points.length) {
    const t0 = +points[0].at, t1 = Math.max(+points.at(-1).at, t0 + 60000);
    const max = Math.max(peak ?? 0, 1e-9) * 1.1, step = (right - left) / Math.max(points.length, 1);
    const x = at => left + (right - left - step) * ((+at - t0) / (t1 - t0));
    for (const p of known) {
      const hgt = Math.max(1, (bottom - top) * (p.value / max));
      svg.append(s('rect', { class: 'used', x: x(p.at), y: bottom - hgt, width: Math.max(1, step - 1), height: hgt }));
    }
    svg.append(s('text', { x: 4, y: H - 2 }, points[0].at.toISOString().slice(11, 16)));
    svg.append(s('text', { x: right - 30, y: H - 2 }, points.at(-1).at.toISOString().slice(11, 16)));
  }
  return svg;
}

// A gate's history: canary and baseline over time (points: {at: Date, canary, baseline}) against its threshold line.
export function linesWithThreshold(title, points, threshold, thresholdLabel) {
  const W = 360, H = 110, left = 4, right = W - 54, top = 20, bottom = H - 16;
  const known = k => points.filter(p => p[k] !== null && p[k] !== undefined);
  const max = Math.max(threshold ?? 0, ...known('canary').map(p => p.canary), ...known('baseline').map(p => p.baseline), 1e-9) * 1.15;
  const t0 = +points[0].at, t1 = Math.max(+points.at(-1).at, t0 + 1000);
  const x = at => left + (right - left) * ((+at - t0) / (t1 - t0));
  const y = v => bottom - (bottom - top) * (v / max);
  const svg = chart(W, H, `${title} over time: canary ${fmt(known('canary').at(-1)?.canary)}, baseline ${fmt(known('baseline').at(-1)?.baseline)}; threshold ${thresholdLabel}`);
  svg.append(s('text', { x: 4, y: 13 }, `${title} over time`));
  for (const kind of ['baseline', 'canary']) {
    const line = known(kind).map(p => `${x(p.at).toFixed(1)},${y(p[kind]).toFixed(1)}`);
    if (line.length) svg.append(s('polyline', { class: kind, points: line.join(' ') }));
  }
  if (threshold !== null && threshold !== undefined) {
    svg.append(s('line', { class: 'threshold', x1: left, x2: right, y1: y(threshold), y2: y(threshold) }));
    svg.append(s('text', { x: right + 4, y: y(threshold) + 4 }, thresholdLabel));
  }
  svg.append(s('text', { x: 4, y: H - 2 }, points[0].at.toISOString().slice(11, 19)));
  svg.append(s('text', { x: right - 50, y: H - 2 }, points.at(-1).at.toISOString().slice(11, 19)));
  return svg;
}
