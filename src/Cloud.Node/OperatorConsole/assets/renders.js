// Renders: cloud render jobs and each campaign's budget use today as bars.
import { api } from './api.js';
import { h, table, badge, when } from './dom.js';
import { budgetBars } from './charts.js';

export default {
  topics: [],
  mount(root) {
    const body = h('div');
    root.append(h('h1', {}, 'Renders'), body);
    return async () => {
      const list = await api('/renders');
      body.replaceChildren(
        h('h2', {}, 'Budget today (UTC)'),
        list.usage.length ? [budgetBars(list.usage.map(u => ({ label: `${u.campaign_id} ${u.day}`, used: u.renders, limit: u.renders_per_day })), 'renders'),
          budgetBars(list.usage.map(u => ({ label: `${u.campaign_id} ${u.day}`, used: u.render_seconds, limit: u.render_seconds_per_day })), 'render-seconds')]
          : h('p', {}, 'no cloud renders today'),
        h('h2', {}, 'Jobs'),
        table([['Job', j => j.job_id], ['Device', j => j.device_id], ['Status', j => badge(j.status)], ['Attempts', j => String(j.attempts)],
          ['Worker', j => j.worker ?? '—'], ['Seconds', j => j.render_seconds?.toFixed(1) ?? '—'], ['Accepted', j => when(j.accepted_at)], ['Error', j => j.error ?? '']], list.jobs, 'no render jobs'));
    };
  },
};
