// Campaigns: each campaign's versions (in force or staged) and its assignments.
import { api } from './api.js';
import { h, table, badge, when, tags } from './dom.js';

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
        ], [...d.versions].reverse()))) : [h('p', {}, 'no campaigns published')]));
    };
  },
};
