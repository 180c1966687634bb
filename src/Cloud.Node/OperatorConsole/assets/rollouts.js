// Rollouts: stage progress, each gate's canary and baseline against its threshold, device states, and the actions.
import { api, may } from './api.js';
import { h, table, badge, when, field, actionForm } from './dom.js';
import { barsWithThreshold, linesWithThreshold } from './charts.js';

const DEFAULT_GATES = ['success>=0.99', 'p95<=1.2x', 'fallback<=0.02', 'load-errors<=0'];
const FINISHED = ['completed', 'aborted', 'rolled-back'];

// A gate's value for one cohort's health window, as the coordinator judges it.
function value(metric, w) {
  if (!w) return null;
  const rate = n => w.renders ? n / w.renders : null;
  return { success: rate(w.successes), fallback: rate(w.fallbacks), safety: rate(w.safety_blocks), 'load-errors': w.load_errors, p95: w.p95_ms ?? null }[metric];
}

function gateChart(gate, r) {
  const m = /^(success|p95|fallback|safety|load-errors)(>=|<=)([\d.]+)(x?)$/.exec(gate.replace(/\s/g, ''));
  if (!m) return h('p', {}, gate);
  const [, metric, op, v, relative] = m;
  const base = value(metric, r.baseline);
  const threshold = relative ? (base === null ? null : base * Number(v)) : Number(v);
  const label = `${op} ${relative ? `${v}× baseline` : v}`;
  const now = barsWithThreshold(gate, [{ label: 'canary', value: value(metric, r.canary), kind: 'canary' }, { label: 'baseline', value: base, kind: 'baseline' }],
    threshold, label);
  // The coordinator's recent ticks (kept in its memory): how canary and baseline moved, with today's threshold.
  const samples = (r.samples ?? []).map(p => ({ at: new Date(p.at), canary: value(metric, p.canary), baseline: value(metric, p.baseline) }));
  return samples.length < 2 ? now : h('div', { class: 'gate' }, now, linesWithThreshold(gate, samples, threshold, label));
}

function actions(r, refresh) {
  if (!may('operator') || FINISHED.includes(r.status)) return null;
  const reason = h('input', { name: 'reason', required: true, placeholder: 'why (goes to the audit log)', size: 30 });
  return actionForm([field('Reason', reason)],
    ['pause', 'resume', 'promote', 'abort'].map(a => h('button', { type: 'submit', value: a, class: a === 'abort' ? 'danger' : '' }, a)),
    async action => {
      if (!reason.value.trim()) throw new Error('a reason is required');
      await api(`/rollouts/${encodeURIComponent(r.id)}/${action}`, { method: 'POST', body: { reason: reason.value.trim() } });
      reason.value = '';
      await refresh();
    });
}

export default {
  topics: ['rollouts'],
  mount(root) {
    const body = h('div');
    root.append(h('h1', {}, 'Rollouts'));
    let refresh;
    if (may('operator')) {
      const artifact = h('input', { required: true, placeholder: 'campaign:ID@VERSION', size: 28 });
      const reason = h('input', { required: true, placeholder: 'why', size: 24 });
      root.append(actionForm([field('Artifact', artifact), field('Reason', reason)], [h('button', { type: 'submit' }, 'Start rollout')], async () => {
        await api('/rollouts', { method: 'POST', body: { artifact: artifact.value.trim(), reason: reason.value.trim() } });
        artifact.value = reason.value = '';
        await refresh();
      }));
    }
    root.append(body);
    refresh = async () => {
      const list = await api('/rollouts');
      body.replaceChildren(...(list.length ? list.map(r => h('article', {},
        h('h2', {}, `${r.id}: ${r.artifact} `, badge(r.status, r.status)),
        h('p', {}, `Stage ${r.stage + 1} of ${r.stages.length} (${r.stage_percent} % of ${r.eligible} eligible devices; stages ${r.stages.join(', ')} %), started `,
          when(r.started_at), ` by ${r.started_by}`, r.verdict ? `. Verdict: ${r.verdict}` : ''),
        h('div', { class: 'cards' }, (r.gates.length ? r.gates : DEFAULT_GATES).map(g => gateChart(g, r))),
        actions(r, refresh),
        h('details', {}, h('summary', {}, `Devices (${r.devices.length})`),
          table([['Device', d => d.device_id], ['State', d => badge(d.state)], ['Detail', d => d.detail ?? '']], r.devices)),
        h('details', {}, h('summary', {}, 'History'),
          table([['When', t => when(t.at)], ['What', t => t.what], ['By', t => t.by], ['Why', t => t.why]], r.history)))) : [h('p', {}, 'no rollouts')]));
    };
    return refresh;
  },
};
