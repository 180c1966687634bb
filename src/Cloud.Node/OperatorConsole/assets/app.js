// The console shell: sign-in, navigation by #hash, the live badge, and re-rendering the open page on its notices.
import { token, setToken, signIn, stream, whenSignedOut } from './api.js';
import fleet from './fleet.js';
import device from './device.js';
import campaigns from './campaigns.js';
import rollouts from './rollouts.js';
import kill from './kill.js';
import renders from './renders.js';
import measurement from './measurement.js';
import review from './review.js';
import audit from './audit.js';

const pages = { fleet, device, campaigns, rollouts, kill, renders, measurement, review, audit };
const $ = id => document.getElementById(id);
let current = null, stopStream = null;

function showError(message) { $('error').textContent = message || ''; }

function signOut(message) {
  setToken(null);
  stopStream?.(); stopStream = null;
  $('nav').hidden = true; $('signout').hidden = true; $('who').textContent = '';
  $('page').replaceChildren();
  $('signin').hidden = false;
  $('signin-error').textContent = message || '';
  setLive('offline');
}

// While the stream is down the page keeps what it last read, marked stale (greyed, with the time it was read), so
// nobody takes it for live; the mark goes only after a refresh on a live stream.
let live = false, readAt = null;
function setLive(state) {
  live = state === 'live';
  const b = $('live');
  b.textContent = live || !readAt ? state : `${state}: shown as of ${readAt.toLocaleTimeString()}`;
  b.className = `badge ${live ? 'live' : 'warn'}`;
  if (!live) $('page').classList.add('stale');
}

// Opens the page named by the hash (#fleet, #device/ID, …) and refreshes it now and on each of its topics' notices.
async function route() {
  if (!token()) return;
  const [name, ...rest] = location.hash.slice(1).split('/');
  const page = pages[name] || fleet;
  document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('current', a.getAttribute('href') === `#${name || 'fleet'}`));
  const root = $('page');
  root.replaceChildren();
  showError('');
  const refresh = page.mount(root, decodeURIComponent(rest.join('/')));
  current = { page, refresh };
  await run(refresh);
}

async function run(refresh) {
  try {
    await refresh();
    showError('');
    readAt = new Date();
    if (live) $('page').classList.remove('stale');
    // The page's own account of what a person may press, for a headless browser to read from the log.
    console.log(`fleet-console: page ${location.hash.slice(1) || 'fleet'} buttons=${[...$('page').querySelectorAll('button')].map(b => b.textContent).join(',')}`);
  } catch (e) { showError(e.message); }
}

// The notices of one stream reading (devices and kill together, say) cause one re-read of the page, not one each:
// with 1,000 devices a Fleet re-read is about a megabyte.
let soon = false;
function refreshSoon() {
  if (soon) return;
  soon = true;
  setTimeout(() => { soon = false; if (current) run(current.refresh); }, 0);
}

async function start() {
  try {
    const me = await signIn();
    $('who').textContent = `${me.name} (${me.role})`;
  } catch (e) {
    signOut(e.status === 401 ? 'That token was refused (unknown or revoked).' : e.message);
    return;
  }
  $('signin').hidden = true; $('nav').hidden = false; $('signout').hidden = false;
  stopStream = stream((topic, data) => {
    if (current?.page.topics.includes(topic)) refreshSoon();
  }, state => {
    setLive(state);
    // (Re)connected: the stream's first reading sends every topic, which re-reads a page that has topics; one without
    // is read again here, so nothing shown stays stale.
    if (state === 'live' && current && current.page.topics.length === 0) refreshSoon();
  });
  await route();
}

whenSignedOut(message => { if (token()) signOut(`Signed out: ${message}.`); });
window.addEventListener('hashchange', route);
$('signout').addEventListener('click', () => signOut(''));
$('signin').addEventListener('submit', e => {
  e.preventDefault();
  setToken($('token').value.trim());
  $('token').value = '';
  start();
});

// A link such as /console#token=… (what a demo prints) signs in once; the token then leaves the address bar.
const link = new URLSearchParams(location.hash.slice(1));
if (link.get('token')) { setToken(link.get('token')); history.replaceState(null, '', `${location.pathname}#${link.get('page') || 'fleet'}`); }
if (token()) start(); else signOut('');
