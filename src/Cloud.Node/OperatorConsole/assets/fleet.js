// Fleet: counts by state and a filterable device table (tags, state, version, kill epoch, last seen).
import { api } from './api.js';
import { h, table, badge, when, tags } from './dom.js';

const STATES = ['up', 'unreachable', 'offline', 'revoked'];
const stateOf = d => d.revoked_at ? 'revoked' : d.connectivity;

export default {
  topics: ['devices', 'kill'],
  mount(root) {
    const text = h('input', { type: 'search', placeholder: 'filter: id, tag, version', 'aria-label': 'filter devices' });
    const state = h('select', { 'aria-label': 'state' }, h('option', { value: '' }, 'any state'), STATES.map(s => h('option', { value: s }, s)));
    const counts = h('div', { class: 'cards', id: 'fleet-counts' });
    const list = h('div');
    let devices = [], acks = {};
    const draw = () => {
      const q = text.value.trim().toLowerCase();
      const shown = devices.filter(d => (!state.value || stateOf(d) === state.value)
        && (!q || [d.device_id, tags(d.facts?.tags), d.facts?.software_version].join(' ').toLowerCase().includes(q)));
      list.replaceChildren(table([
        ['Device', d => h('a', { href: `#device/${encodeURIComponent(d.device_id)}` }, d.device_id)],
        ['State', d => badge(stateOf(d))],
        ['Tags', d => tags(d.facts?.tags)],
        ['Version', d => d.facts?.software_version ?? '—'],
        ['Kill epoch', d => String(acks[d.device_id]?.epoch ?? 0)],
        ['Last seen', d => when(d.last_seen)],
      ], shown, devices.length ? 'no device matches' : 'no devices registered'));
    };
    text.addEventListener('input', draw);
    state.addEventListener('change', draw);
    root.append(h('h1', {}, 'Fleet'), counts, h('div', { class: 'filters' }, text, state), list);
    return async () => {
      const [d, k] = await Promise.all([api('/devices'), api('/kill')]);
      devices = d; acks = k.acks || {};
      counts.replaceChildren(h('div', { class: 'card' }, 'total', h('b', { 'data-state': 'total' }, String(devices.length))),
        ...STATES.map(s => h('div', { class: 'card' }, s, h('b', { 'data-state': s }, String(devices.filter(x => stateOf(x) === s).length)))));
      draw();
      // The page's own account of what it shows, for a headless browser to read from the log.
      console.log(`fleet-console: fleet ${[...counts.querySelectorAll('b')].map(b => `${b.dataset.state}=${b.textContent}`).join(' ')}`);
    };
  },
};
