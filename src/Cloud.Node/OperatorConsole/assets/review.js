// Copy review: every copy variant of a campaign version with the safety filter's verdict; operators approve or reject
// each one with a reason (it goes to the audit log); each variant's frame in the template opens on request. Without #review/ID/VERSION it lists the versions to review.
import { api, may, fileUrl } from './api.js';
import { h, table, badge, when, field, actionForm } from './dom.js';

const stateKind = { approved: 'ok', rejected: 'bad', unreviewed: 'warn' };

function decide(path, variant, refresh) {
  if (!may('operator')) return null;
  const reason = h('input', { name: 'reason', required: true, placeholder: 'why (goes to the audit log)', size: 24 });
  return actionForm([field('Reason', reason)],
    [h('button', { type: 'submit', value: 'approve', class: 'plain' }, 'Approve'), h('button', { type: 'submit', value: 'reject', class: 'danger' }, 'Reject')],
    async decision => {
      if (!reason.value.trim()) throw new Error('a reason is required');
      await api(path, { method: 'POST', body: { variant: variant.id, decision, reason: reason.value.trim() } });
      reason.value = '';
      await refresh();
    });
}

// The variant drawn in the version's template, rendered by the cloud on first opening (seconds) and kept there.
function frame(path, variant) {
  const box = h('details', { class: 'frame' }, h('summary', {}, 'frame'));
  box.addEventListener('toggle', async () => {
    if (!box.open || box.dataset.loaded) return;
    box.dataset.loaded = 'yes';
    const status = h('span', {}, 'rendering…');
    box.append(status);
    try {
      const url = await fileUrl(`${path}/${encodeURIComponent(variant.id)}/frame`);
      status.replaceWith(h('img', { src: url, alt: `${variant.id} as the template shows it: ${variant.text}` }));
    } catch (e) { status.replaceWith(h('span', { class: 'error' }, e.message)); delete box.dataset.loaded; }
  });
  return box;
}

async function versions(body) {
  const list = await api('/campaigns');
  const details = await Promise.all(list.map(c => api(`/campaigns/${encodeURIComponent(c.id)}`)));
  body.replaceChildren(...(details.length ? details.map(d => h('p', {}, `${d.summary.name} (${d.summary.id}): `,
    [...d.versions].reverse().map(v => [h('a', { href: `#review/${encodeURIComponent(d.summary.id)}/${v.version}` }, `v${v.version}`), ' ']))) : [h('p', {}, 'no campaigns published')]));
}

export default {
  topics: ['rollouts'],
  mount(root, target) {
    const [id, version] = (target || '').split('/');
    const body = h('div');
    root.append(h('h1', {}, id && version ? `Copy review: ${id} v${version}` : 'Copy review'), body);
    if (!id || !version) return () => versions(body);
    const path = `/campaigns/${encodeURIComponent(id)}/versions/${encodeURIComponent(version)}/review`;
    const refresh = async () => {
      const r = await api(path);
      const open = r.variants.filter(v => v.state !== 'approved').length;
      body.replaceChildren(
        h('p', {}, open ? badge(`${open} of ${r.variants.length} not approved`, 'warn') : badge('every variant approved', 'ok')),
        table([
          ['Variant', v => v.id],
          ['Locale', v => v.locale || 'default'],
          ['Kind', v => v.kind],
          ['Text', v => v.text],
          ['Safety', v => v.safety.length ? badge(v.safety.join(', '), 'bad') : badge('ok', 'ok')],
          ['State', v => badge(v.state, stateKind[v.state])],
          ['Decided', v => v.by ? [when(v.at), ` by ${v.by} (${v.role})${v.why ? `: ${v.why}` : ''}`] : '—'],
          ['', v => decide(path, v, refresh)],
          ['Frame', v => frame(path, v)],
        ], r.variants));
    };
    return refresh;
  },
};
