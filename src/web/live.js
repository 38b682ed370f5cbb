// /api/events as an EventSource. The browser resends Last-Event-ID by itself when it
// reconnects after a drop, and the gateway replays what was missed (or says `reset`).

const TYPES = [
  'task.changed',
  'approval.requested',
  'task.progress',
  'breaker.alert',
  'oauth.consent_requested',
  'permission.requested',
  'permission.decided',
  'reset',
];

const listeners = new Map();
let source = null;

/** Calls `fn(data)` for each event of `type` until the returned function is called. */
export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type)?.delete(fn);
}

function emit(type, data) {
  for (const fn of [...(listeners.get(type) ?? [])]) fn(data);
}

export function connect() {
  if (source) return;
  source = new EventSource('/api/events');
  for (const type of TYPES) {
    source.addEventListener(type, (e) => emit(type, e.data ? JSON.parse(e.data) : {}));
  }
  source.addEventListener('hello', () => emit('connection', { live: true }));
  source.addEventListener('error', () => {
    emit('connection', { live: false });
    // A closed source (e.g. 401 after sign-out) does not retry on its own.
    if (source?.readyState === EventSource.CLOSED) {
      source = null;
      setTimeout(() => navigator.onLine && connect(), 5000);
    }
  });
}

export function disconnect() {
  source?.close();
  source = null;
}
