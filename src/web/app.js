import { api, ApiError, setCsrf } from './api.js';
import { announce, clear, errorPanel, h, usd } from './dom.js';
import * as live from './live.js';
import { loginView, signInWithLink } from './views/login.js';

// Views are loaded when first opened; the chat is the landing view.
const ROUTES = {
  chat: () => import('./views/chat.js'),
  tasks: () => import('./views/tasks.js'),
  task: () => import('./views/task.js'),
  approvals: () => import('./views/approvals.js'),
  spend: () => import('./views/spend.js'),
  hosts: () => import('./views/hosts.js'),
};

const main = document.getElementById('view');
const offlineBadge = document.getElementById('offline');
const nav = document.getElementById('tabs');
const userBox = document.getElementById('user');
let session = null;
let unmount = null;

function route() {
  const [name = 'chat', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  return { name: ROUTES[name] ? name : 'chat', arg: rest.join('/') || null };
}

async function render() {
  if (!session) return;
  const { name, arg } = route();
  for (const a of nav.querySelectorAll('a')) {
    const here = a.dataset.route === (name === 'task' ? 'tasks' : name);
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  unmount?.();
  unmount = null;
  clear(main);
  try {
    const view = await ROUTES[name]();
    unmount = (await view.mount(main, { arg, session })) ?? null;
  } catch (e) {
    main.append(errorPanel(e));
  }
}

function showOffline(isOffline) {
  offlineBadge.hidden = !isOffline;
  document.body.classList.toggle('is-offline', isOffline);
}

function breakerAlert(data) {
  const b = data.breaker;
  const box = document.getElementById('alerts');
  const text =
    `${b.scope === 'task' ? 'Task' : b.scope === 'day' ? 'Daily' : 'Monthly'} spend breaker ` +
    `${b.state}: ${usd(b.spent_usd)} of ${usd(b.threshold_usd)}` +
    (b.scope === 'task' ? '' : ` (${b.period})`);
  const alert = h(
    'div',
    { class: `alert breaker-${b.state}`, role: 'alert' },
    h('span', {}, text),
    h(
      'button',
      {
        type: 'button',
        class: 'icon',
        'aria-label': 'Dismiss alert',
        onclick: () => alert.remove(),
      },
      '×',
    ),
  );
  box.append(alert);
}

async function start() {
  try {
    session = await api('/auth/session');
  } catch (e) {
    session = null;
    if (e instanceof ApiError && e.status === 0) {
      showOffline(true);
      clear(main).append(errorPanel(e));
      return;
    }
  }
  if (!session) {
    document.body.classList.add('signed-out');
    clear(main);
    loginView(main, { onSignedIn: start });
    return;
  }
  setCsrf(session.csrf_token);
  document.body.classList.remove('signed-out');
  clear(userBox).append(
    h('span', { class: 'who' }, session.user),
    h('button', { type: 'button', id: 'logout', onclick: logout }, 'Sign out'),
  );
  live.connect();
  await render();
}

async function logout() {
  await api('/auth/logout', { method: 'POST' }).catch(() => {});
  live.disconnect();
  session = null;
  clear(userBox);
  announce('Signed out');
  await start();
}

window.addEventListener('hashchange', render);
window.addEventListener('online', () => showOffline(false));
window.addEventListener('offline', () => showOffline(true));
window.addEventListener('signed-out', () => {
  if (session) {
    session = null;
    live.disconnect();
    void start();
  }
});
live.on('breaker.alert', breakerAlert);
live.on('connection', ({ live: up }) => document.body.classList.toggle('stream-down', !up));

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
}
showOffline(!navigator.onLine);

if (location.pathname === '/login' && location.hash.length > 1) {
  const token = location.hash.slice(1);
  // The secret leaves the address bar and history before anything else happens.
  history.replaceState(null, '', '/#/tasks');
  signInWithLink(main, token, start);
} else {
  if (location.pathname !== '/') history.replaceState(null, '', `/${location.hash}`);
  void start();
}
