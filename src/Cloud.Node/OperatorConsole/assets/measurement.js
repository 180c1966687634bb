// Measurement: per variant impressions, VTR and CTR, and the lift of personalised over holdout with its 95 % interval.
import { api } from './api.js';
import { h, table, pct } from './dom.js';
import { interval } from './charts.js';

function lift(l) {
  return h('div', { class: 'card' }, h('strong', {}, l.metric.toUpperCase()),
    h('p', {}, `personalised ${pct(l.personalised)} vs holdout ${pct(l.holdout)}; relative lift ${pct(l.relative_lift)} (95 % CI ${pct(l.relative_low)} to ${pct(l.relative_high)})`),
    interval(`${l.metric} relative lift`, l.relative_lift, l.relative_low, l.relative_high),
    h('p', {}, l.verdict));
}

export default {
  topics: [],
  mount(root) {
    const pick = h('select', { 'aria-label': 'campaign' });
    const body = h('div');
    root.append(h('h1', {}, 'Measurement'), h('div', { class: 'filters' }, pick), body);
    let loaded = false;
    const refresh = async () => {
      if (!loaded) {
        const list = await api('/campaigns');
        pick.replaceChildren(...list.map(c => h('option', { value: c.id }, `${c.name} (${c.id})`)));
        loaded = true;
      }
      if (!pick.value) { body.replaceChildren(h('p', {}, 'no campaigns')); return; }
      const report = await api(`/reports/campaigns/${encodeURIComponent(pick.value)}`);
      body.replaceChildren(h('p', {}, `From ${report.from} to ${report.to}; minimum detectable lift ${pct(report.minimum_detectable_lift)}.`),
        ...(report.versions.length ? report.versions.map(v => h('article', {},
          h('h2', {}, `Version ${v.campaign_version}`),
          h('div', { class: 'cards' }, lift(v.ctr), lift(v.vtr)),
          table([['Variant', r => r.id], ['Impressions', r => String(r.impressions)], ['Clicks', r => String(r.clicks)],
            ['Completes', r => String(r.completes)], ['CTR', r => pct(r.ctr)], ['VTR', r => pct(r.vtr)]], v.variants, 'no variant outcomes'),
          h('h3', {}, 'Arms'),
          table([['Arm', r => r.id], ['Impressions', r => String(r.impressions)], ['CTR', r => pct(r.ctr)], ['VTR', r => pct(r.vtr)]], v.arms)))
          : [h('p', {}, 'no outcomes reported yet')]));
    };
    pick.addEventListener('change', () => refresh().catch(e => { body.replaceChildren(h('p', { class: 'error' }, e.message)); }));
    return refresh;
  },
};
