// Audit: the operator audit log, newest first, under a badge that says whether its hash chain (and signed head) verifies.
import { api } from './api.js';
import { h, table, badge, when } from './dom.js';

const SHOWN = 200;

export default {
  topics: ['rollouts', 'kill', 'devices'],
  mount(root) {
    const status = h('p', { id: 'audit-chain' });
    const body = h('div');
    root.append(h('h1', {}, 'Audit'), status, body);
    return async () => {
      // The check first: entries listed after it are never newer than what it vouched for.
      const chain = await api('/audit/verify');
      status.replaceChildren(chain.valid ? badge('verified', 'ok') : badge('broken', 'bad'), ` ${chain.summary}`);
      let entries = [], error = null;
      try { entries = await api(`/audit?limit=${SHOWN}`); } catch (e) { error = e.message; } // a broken line stops the list
      body.replaceChildren(
        ...(error ? [h('p', { class: 'error' }, error)] : []),
        h('p', {}, `The newest ${entries.length} entries.`),
        table([['Seq', e => String(e.seq)], ['When', e => when(e.at)], ['Who', e => e.actor], ['Action', e => e.action],
          ['Subject', e => e.subject], ['Detail', e => e.detail ?? '']], [...entries].reverse(), 'no entries'));
    };
  },
};
