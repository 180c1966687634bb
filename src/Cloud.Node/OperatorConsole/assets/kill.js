// Kill-switch: engage (scope, reason, the scope typed again to confirm), live acknowledgements with pending devices, release.
import { api, may } from './api.js';
import { h, table, badge, when, field, actionForm } from './dom.js';

const scopeText = s => typeof s === 'string' ? s : s?.kind === 'all-generative' ? 'all-generative' : `${s?.kind}:${s?.target}`;

function progress(status) {
  const total = status.acknowledged + status.pending;
  const bar = h('div');
  bar.style.width = `${total ? (100 * status.acknowledged / total) : 100}%`;
  return [h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': status.acknowledged }, bar),
    h('p', { class: 'acks' }, `${status.acknowledged}/${total} acknowledged`, status.p99_ms !== undefined ? ` (p99 ${Math.round(status.p99_ms)} ms)` : '')];
}

function release(id, refresh) {
  if (!may('sre')) return null;
  const reason = h('input', { required: true, placeholder: 'why it is safe again', size: 30 });
  return actionForm([field('Reason', reason)], [h('button', { type: 'submit', class: 'plain' }, 'Release')], async () => {
    if (!reason.value.trim()) throw new Error('a reason is required');
    await api(`/kill/${encodeURIComponent(id)}/release`, { method: 'POST', body: { reason: reason.value.trim() } });
    await refresh();
  });
}

function engageForm(refresh) {
  const scope = h('input', { id: 'kill-scope', required: true, placeholder: 'all-generative | campaign:ID | model:NAME@VERSION', size: 34 });
  const reason = h('input', { id: 'kill-reason', required: true, placeholder: 'what is wrong', size: 30 });
  const confirm = h('input', { id: 'kill-confirm', required: true, placeholder: 'type the scope again', size: 24, autocomplete: 'off' });
  const engage = h('button', { type: 'submit', class: 'danger', id: 'kill-engage', disabled: true }, 'Engage kill');
  const form = actionForm([field('Scope', scope), field('Reason', reason), field('Confirm', confirm)], [engage], async () => {
    await api('/kill', { method: 'POST', body: { scope: scope.value.trim(), reason: reason.value.trim() } });
    scope.value = reason.value = confirm.value = '';
    await refresh();
  });
  // Pressing Engage needs the scope typed twice and a reason: a kill stops ads on every matching screen.
  form.addEventListener('input', () => { engage.disabled = !(scope.value.trim() && reason.value.trim() && confirm.value.trim() === scope.value.trim()); });
  return form;
}

export default {
  topics: ['kill', 'devices'],
  mount(root) {
    const body = h('div');
    let refresh;
    root.append(h('h1', {}, 'Kill-switch'));
    if (may('sre')) root.append(engageForm(() => refresh()));
    root.append(body);
    refresh = async () => {
      const state = await api('/kill');
      const kills = [...state.kills].reverse();
      const statuses = await Promise.all(kills.map(k => api(`/kill/${encodeURIComponent(k.directive.id)}`)));
      body.replaceChildren(h('p', {}, `Fleet kill epoch ${state.epoch}.`), ...(kills.length ? statuses.map(s => {
        const d = s.kill.directive;
        const pending = s.devices.filter(x => x.state === 'pending');
        return h('article', { class: 'kill', 'data-kill': d.id },
          h('h2', {}, `${d.id}: ${scopeText(d.scope)} `, s.active ? badge('engaged', 'bad') : badge('released', 'ok')),
          h('p', {}, 'Engaged ', when(d.issued_at), ` by ${d.issued_by}: ${d.reason}`,
            s.kill.released_at ? [', released ', when(s.kill.released_at), ` by ${s.kill.released_by}: ${s.kill.release_reason ?? ''}`] : ''),
          progress(s),
          pending.length ? [h('h3', {}, `Pending (${pending.length})`), table([['Device', x => h('a', { href: `#device/${encodeURIComponent(x.device_id)}` }, x.device_id)],
            ['Connectivity', x => badge(x.connectivity)], ['Acknowledged epoch', x => String(x.acked_epoch)]], pending)] : null,
          s.active ? release(d.id, refresh) : null);
      }) : [h('p', {}, 'no kills engaged')]));
      const first = statuses[0];
      if (first) console.log(`fleet-console: kill ${first.kill.directive.id} ${first.active ? 'engaged' : 'released'} ${first.acknowledged}/${first.acknowledged + first.pending}`);
    };
    return refresh;
  },
};
