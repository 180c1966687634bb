// One device: its facts, the kill epoch it acknowledged, the campaign versions it runs, and its last hour of renders and
// resource readings (CPU, temperature, memory) as small charts from GET /api/v1/telemetry?device=ID.
import { api } from './api.js';
import { h, table, badge, when, tags } from './dom.js';
import { series } from './charts.js';

function charts(periods) {
  const at = p => new Date(p.start);
  const of = f => periods.map(p => ({ at: at(p), value: f(p) }));
  return h('div', { class: 'cards', id: 'device-charts' },
    series('Renders', of(p => p.renders), 'per period'),
    series('CPU', of(p => p.resources?.cpu_percent_avg), '%'),
    series('Temperature', of(p => p.resources?.temperature_c_max), '°C'),
    series('Memory used', of(p => p.resources?.memory_used_mb_max), 'MB'));
}

export default {
  topics: ['devices', 'kill'],
  mount(root, id) {
    const body = h('div');
    root.append(h('p', {}, h('a', { href: '#fleet' }, '← Fleet')), h('h1', {}, `Device ${id}`), body);
    return async () => {
      const [d, k, campaigns, telemetry] = await Promise.all([api(`/devices/${encodeURIComponent(id)}`), api('/kill'), api('/campaigns'),
        api(`/telemetry?device=${encodeURIComponent(id)}&since=1h`)]);
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
      const periods = telemetry.periods || [];
      body.replaceChildren(
        h('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')])),
        h('h2', {}, 'Last hour'),
        periods.length ? charts(periods) : h('p', { id: 'device-charts' }, 'no telemetry from this device in the last hour'),
        h('h2', {}, 'Recent renders by campaign version'),
        table([['Campaign', c => `${c.campaign_id} v${c.campaign_version}`], ['Renders', c => String(c.renders)], ['Failures', c => String(c.failures)],
          ['Fallback rate', c => `${(c.fallback_rate * 100).toFixed(1)} %`], ['p95', c => c.p95_ms === null || c.p95_ms === undefined ? '—' : `${c.p95_ms} ms`]],
          telemetry.campaigns, 'no renders in the last hour'),
        h('h2', {}, 'Campaign versions it runs'),
        table([['Campaign', r => r.campaign], ['Running', r => Object.entries(r).filter(([k]) => k !== 'campaign').map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ')]],
          running, 'no campaign reported'));
    };
  },
};
