// The signed-in token (this tab only), calls to /api/v1 with it, and the server-sent change notices.
const KEY = 'fleet-console-token';

export const token = () => sessionStorage.getItem(KEY);
export const setToken = t => t ? sessionStorage.setItem(KEY, t) : sessionStorage.removeItem(KEY);

export class ApiError extends Error {
  constructor(status, message) { super(`${status}: ${message}`); this.status = status; }
}

let onSignedOut = () => {};
export const whenSignedOut = f => { onSignedOut = f; };

export async function api(path, { method = 'GET', body } = {}) {
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token()}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: the message below says what came */ }
  if (res.status === 401) onSignedOut(json?.error || 'the token was refused');
  if (!res.ok) throw new ApiError(res.status, json?.error || text.slice(0, 200) || res.statusText);
  return json;
}

// A file from /api/v1 (an image the API draws) as an object URL: an <img> cannot send the bearer header itself.
export async function fileUrl(path) {
  const res = await fetch(`/api/v1${path}`, { headers: { Authorization: `Bearer ${token()}` } });
  if (res.status === 401) onSignedOut('the token was refused');
  if (!res.ok) {
    let message = res.statusText;
    try { message = (await res.json()).error || message; } catch { /* not JSON */ }
    throw new ApiError(res.status, message);
  }
  return URL.createObjectURL(await res.blob());
}

// The caller's role and the roles it may act as, from GET /api/v1/whoami.
let me = null;
export async function signIn() { me = await api('/whoami'); return me; }
export const may = role => !!me && me.acts.includes(role);

// GET /api/v1/events/stream read with fetch() so the bearer header goes with it (EventSource cannot send one).
// Reconnects after a drop; onState gets 'live' or 'reconnecting', onNotice(topic, data) each change notice. The server
// ends it with 'signed-out' once the token is revoked.
export function stream(onNotice, onState) {
  let stopped = false, controller = null;
  (async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch('/api/v1/events/stream', { headers: { Authorization: `Bearer ${token()}` }, signal: controller.signal });
        if (res.status === 401) { onSignedOut('the token was refused'); return; }
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
        onState('live');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end); buffer = buffer.slice(end + 2);
            let topic = 'message', data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) topic = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (topic === 'signed-out') { stopped = true; onSignedOut(JSON.parse(data).error); return; }
            if (data) onNotice(topic, JSON.parse(data));
          }
        }
      } catch (e) {
        if (stopped) return;
      }
      // The stream ended or failed (a node restarting): what is on screen is no longer live until it is back.
      onState('reconnecting');
      await new Promise(r => setTimeout(r, 2000));
    }
  })();
  return () => { stopped = true; controller?.abort(); };
}
