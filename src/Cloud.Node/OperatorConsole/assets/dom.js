// Builds elements from text only (never parsed as markup), so a device tag, campaign name or reason is always shown as text.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// A table of rows; each column is [heading, row => cell text or node].
export function table(columns, rows, empty = 'none') {
  if (rows.length === 0) return h('p', {}, empty);
  return h('div', { class: 'scroll' }, h('table', {},
    h('thead', {}, h('tr', {}, columns.map(([name]) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, rows.map(r => h('tr', {}, columns.map(([, cell]) => h('td', {}, cell(r))))))));
}

export const badge = (text, kind = text) => h('span', { class: `badge ${kind}` }, text);

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso), s = Math.round((Date.now() - d) / 1000);
  // Only the recent past in words; a date ahead (an expiry) or long ago is the day itself.
  const ago = s < 0 || s >= 86400 ? d.toISOString().slice(0, 10) : s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, ago);
}

export const tags = t => Object.entries(t || {}).map(([k, v]) => `${k}=${v}`).join(' ');

export const pct = v => (v === undefined || v === null) ? '—' : `${(v * 100).toFixed(2)} %`;

// A form whose submit is an API call: the button stays disabled while it runs and the error shows inline.
export function actionForm(fields, buttons, onSubmit) {
  const error = h('span', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'action' }, fields, buttons, error);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const pressed = e.submitter;
    const all = form.querySelectorAll('button');
    all.forEach(b => b.disabled = true);
    error.textContent = '';
    try { await onSubmit(pressed?.value, form); }
    catch (err) { error.textContent = err.message; }
    finally { all.forEach(b => b.disabled = false); form.dispatchEvent(new Event('input')); }
  });
  return form;
}

export const field = (label, input) => h('label', {}, label, input);
