// Switchboard's service worker: the app shell works offline (with a clear offline state);
// live data (/api, /auth) always goes to the network and is never cached.

const CACHE = 'switchboard-shell-v2';

// Every file of the app (a test checks this list against src/web).
const SHELL = [
  '/',
  '/index.html',
  '/styles.css',
  '/app.js',
  '/api.js',
  '/dom.js',
  '/live.js',
  '/chart.js',
  '/mermaid-view.js',
  '/notifications.js',
  '/views/chat.js',
  '/views/tasks.js',
  '/views/task.js',
  '/views/approvals.js',
  '/views/spend.js',
  '/views/hosts.js',
  '/views/login.js',
  '/manifest.webmanifest',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/maskable-512.png',
  '/icons/apple-touch-icon.png',
];

const LIVE =
  /^\/(api|auth|mcp|health|telegram|runner|register|authorize|token|revoke|\.well-known)(\/|$)/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// Network first, so an online app is always current; the cache answers only when offline.
async function networkFirst(request, fallback) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(fallback ?? request, response.clone());
    return response;
  } catch {
    const cached = await cache.match(fallback ?? request, { ignoreSearch: true });
    if (cached) return cached;
    throw new Error('offline and not cached');
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || LIVE.test(url.pathname)) {
    return;
  }
  if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request, '/index.html'));
  } else {
    event.respondWith(networkFirst(request));
  }
});

// Web Push: the server sends { title, body, url, tag } (src/core/push/push-message.ts).
self.addEventListener('push', (event) => {
  let data;
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data?.text() };
  }
  event.waitUntil(
    self.registration.showNotification(data.title ?? 'Switchboard', {
      body: data.body ?? '',
      tag: data.tag,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      data: { url: data.url ?? '/#/approvals' },
    }),
  );
});

// A tap takes an open window of the app to the notification's page and focuses it, or opens
// one; a URL that is not ours opens the start page.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url ?? '/', self.location.origin);
  const url = target.origin === self.location.origin ? target.href : '/';
  event.waitUntil(
    self.clients.matchAll({ type: 'window' }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (!open) return self.clients.openWindow(url);
      // Focusing is allowed only while a real tap is handled; the navigation stands regardless.
      return open.navigate(url).then((w) => w?.focus().catch(() => {}));
    }),
  );
});
