// Campaigns: each campaign's versions (in force or staged) and its assignments, and a preview of a version played in the
// page: the cloud renders the version with the copy variant picked here (GET …/review/VARIANT/clip).
import { api, fileUrl } from './api.js';
import { h, table, badge, when, tags } from './dom.js';

function preview(id, version) {
  const box = h('details', { class: 'preview' }, h('summary', {}, 'play'));
  const pick = h('select', { 'aria-label': `copy for the preview of ${id} v${version}` });
  const stage = h('div');
  let current = null;
  const play = async () => {
    if (current) URL.revokeObjectURL(current);
    current = null;
    stage.replaceChildren(h('span', {}, 'rendering…'));
    try {
      current = await fileUrl(`/campaigns/${encodeURIComponent(id)}/versions/${version}/review/${encodeURIComponent(pick.value)}/clip`);
      stage.replaceChildren(h('video', { src: current, controls: true, muted: true, playsinline: true, preload: 'metadata' }));
    } catch (e) { stage.replaceChildren(h('span', { class: 'error' }, e.message)); }
  };
  pick.addEventListener('change', play);
  box.addEventListener('toggle', async () => {
    if (!box.open || pick.options.length) return;
    try {
      const r = await api(`/campaigns/${encodeURIComponent(id)}/versions/${version}/review`);
      pick.replaceChildren(...r.variants.map(v => h('option', { value: v.id }, `${v.kind}: ${v.text}`)));
      box.append(pick, stage);
      if (pick.value) await play();
    } catch (e) { box.append(h('span', { class: 'error' }, e.message)); }
  });
  return box;
}

export default {
  topics: ['rollouts'],
  mount(root) {
    const body = h('div');
    root.append(h('h1', {}, 'Campaigns'), body);
    return async () => {
      const list = await api('/campaigns');
      const details = await Promise.all(list.map(c => api(`/campaigns/${encodeURIComponent(c.id)}`)));
      body.replaceChildren(...(details.length ? details.map(d => h('article', {},
        h('h2', {}, `${d.summary.name} (${d.summary.id})`),
        h('p', {}, 'Assigned to: ', d.summary.assignments.length ? d.summary.assignments.map(a => tags(a) || 'all devices').join('; ') : 'nobody'),
        table([
          ['Version', v => `v${v.version}`],
          ['Copy', v => h('a', { href: `#review/${encodeURIComponent(d.summary.id)}/${v.version}` }, 'review')],
          ['State', v => v.in_force === false ? badge('staged', 'warn') : badge('in force', 'ok')],
          ['Template', v => v.template ?? '—'],
          ['Created', v => [when(v.created_at), ` by ${v.created_by}`]],
          ['Expires', v => v.expires_at ? when(v.expires_at) : '—'],
          ['Assets', v => `${v.assets} (${(v.bytes / 1e6).toFixed(1)} MB)`],
          ['Signed by', v => v.kid ?? '—'],
          ['Preview', v => preview(d.summary.id, v.version)],
        ], [...d.versions].reverse()))) : [h('p', {}, 'no campaigns published')]));
    };
  },
};
