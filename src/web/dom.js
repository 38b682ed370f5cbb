import { ApiError } from './api.js';

// Tiny DOM helpers: the app builds its views from plain elements, no framework.

/** h('button', { onclick, 'aria-label': 'Close' }, 'x') → an element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const clear = (el) => {
  el.replaceChildren();
  return el;
};

export const usd = (n) => `$${(n ?? 0).toFixed(2)}`;

export function ago(iso, now = Date.now()) {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export const time = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'timed_out', 'rejected', 'expired', 'lost'];
export const isTerminal = (status) => TERMINAL.includes(status);

export const statusBadge = (status) =>
  h('span', { class: `badge status-${status}` }, status.replace('_', ' '));

/** What a task is, in one line: the prompt, the command or the template. */
export function taskTitle(t) {
  if (t.kind === 'agent' || t.kind === 'consensus')
    return `${t.executor ?? 'agent'}: ${t.prompt ?? ''}`;
  if (t.kind === 'shell') return `${t.host ?? ''}$ ${(t.argv ?? []).join(' ')}`;
  return `${t.template ?? t.kind}${t.environment ? ` → ${t.environment}` : ''}`;
}

/** A polite live region for short confirmations and errors. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (region) region.textContent = text;
}

/** An error where a view would be: offline gets its own calm state, the rest their message. */
export function errorPanel(e) {
  const offline = e instanceof ApiError && e.status === 0;
  return h(
    'section',
    { class: offline ? 'panel offline-state' : 'panel error', role: 'alert' },
    h('h2', {}, offline ? 'You are offline' : 'Something went wrong'),
    h(
      'p',
      {},
      offline
        ? 'Switchboard cannot be reached. What you see will update when the connection is back.'
        : (e?.message ?? String(e)),
    ),
  );
}
