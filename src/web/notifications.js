// Web Push: the button subscribes this browser with the server's VAPID key and shows where it
// stands (on, off, blocked, unsupported). The service worker shows what arrives (sw.js).
import { api } from './api.js';

const keyBytes = (b64url) =>
  Uint8Array.from(atob(b64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

const supported = () =>
  'Notification' in window && 'serviceWorker' in navigator && 'PushManager' in window;

export function enableNotificationsControl() {
  const status = document.createElement('p');
  status.className = 'meta';
  status.setAttribute('role', 'status');
  const button = document.createElement('button');
  button.type = 'button';
  const box = document.createElement('div');
  box.className = 'notifications';
  box.append(button, status);

  const show = (state, text) => {
    box.dataset.state = state;
    status.textContent = text;
    button.textContent = state === 'on' ? 'Turn off notifications' : 'Enable notifications';
    button.disabled = !['on', 'off', 'error'].includes(state);
  };
  // `ready` never settles if the worker failed to install: give up rather than hang.
  const worker = () =>
    Promise.race([
      navigator.serviceWorker.ready,
      new Promise((_, fail) => setTimeout(() => fail(new Error('no service worker')), 10_000)),
    ]);
  const current = async () => (await worker()).pushManager.getSubscription();

  async function refresh() {
    if (!supported()) {
      return show(
        'unsupported',
        'This browser cannot show notifications here (on iPhone: add the app to the Home Screen first).',
      );
    }
    if (Notification.permission === 'denied') {
      return show('denied', 'Notifications are blocked in the browser settings.');
    }
    const sub = await current().catch(() => null);
    if (sub && Notification.permission === 'granted') {
      // The server may have dropped it (after failed sends): saying it again is harmless.
      await api('/api/push/subscriptions', { method: 'POST', body: sub.toJSON() }).catch(() => {});
      return show('on', 'Notifications are on for this device.');
    }
    show('off', 'Get approval requests and spend alerts on this device.');
  }

  async function turnOn() {
    if ((await Notification.requestPermission()) !== 'granted') return refresh();
    const { public_key: key } = await api('/api/push/key');
    const reg = await worker();
    const sub = await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(key),
    });
    await api('/api/push/subscriptions', { method: 'POST', body: sub.toJSON() });
  }

  async function turnOff() {
    const sub = await current();
    if (!sub) return;
    await api('/api/push/subscriptions', { method: 'DELETE', body: { endpoint: sub.endpoint } });
    await sub.unsubscribe();
  }

  button.addEventListener('click', async () => {
    const on = box.dataset.state === 'on';
    button.disabled = true;
    try {
      await (on ? turnOff() : turnOn());
      await refresh();
    } catch (e) {
      show('error', `Could not turn notifications ${on ? 'off' : 'on'}: ${e.message}`);
    }
  });
  show('checking', 'Checking notifications…');
  void refresh();
  return box;
}
