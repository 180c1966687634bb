// One device: its facts, the kill epoch it acknowledged, and the campaign versions it runs.
import { api } from './api.js';
import { h, table, badge, when, tags } from './dom.js';

export default {
  topics: ['devices', 'kill'],
  mount(root, id) {
    const body = h('div');
    root.append(h('p', {}, h('a', { href: '#fleet' }, '← Fleet')), h('h1', {}, `Device ${id}`), body);
    return async () => {
      const [d, k, campaigns] = await Promise.all([api(`/devices/${encodeURIComponent(id)}`), api('/kill'), api('/campaigns')]);
      const f = d.facts || {};
      const ack = (k.acks || {})[id];
      const running = [];
      for (const c of campaigns) {
        const status = await api(`/campaigns/${encodeURIComponent(c.id)}/status`);
        for (const r of (status.find(s => s.device_id === id)?.running || [])) running.push({ campaign: c.id, ...r });
      }
      const facts = [['State', badge(d.revoked_at ? 'revoked' : d.connectivity)], ['Last seen', when(d.last_seen)], ['Registered', when(d.registered_at)],
        ['Address', d.address ?? '—'], ['Hostname', f.hostname], ['Software version', f.software_version], ['OS / arch', `${f.os} / ${f.architecture}`],
        ['Cores / memory', `${f.cores} / ${f.memory_mb} MB`], ['Encoders', (f.encoders || []).join(', ')],
        ['Execution providers', (f.execution_providers || []).join(', ')], ['Tags', tags(f.tags)],
        ['Kill epoch acknowledged', ack ? `${ack.epoch} (${new Date(ack.received_at).toISOString()})` : '0 (none)']];
      body.replaceChildren(
        h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')])),
        h('h2', {}, 'Campaign versions it runs'),
        table([['Campaign', r => r.campaign], ['Running', r => Object.entries(r).filter(([k]) => k !== 'campaign').map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ')]],
          running, 'no campaign reported'));
    };
  },
};
