// sw.js: the officer app's service worker. It keeps a copy of the app shell
// (the page, its scripts, styles, icons and manifest) so that the app opens
// with no signal; API calls are never cached. Requests go to the network
// first, so a new release is picked up as soon as the server is reachable.
// Served as /sw.js (which imports this file) it controls /app; served as
// /static/sw.js it controls only the shell's static files.

const cacheName = 'precinct-app-shell-v4';
const shell = [
  '/app',
  '/static/app.js',
  '/static/app-duty.js',
  '/static/app-tasks.js',
  '/static/app-visits.js',
  '/static/api.js',
  '/static/i18n.js',
  '/static/map.js',
  '/static/login.js',
  '/static/outbox.js',
  '/static/words.js',
  '/static/style.css',
  '/static/icon.svg',
  '/static/icon-192.png',
  '/static/app.webmanifest',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(cacheName)
      .then((c) => Promise.all(shell.map((u) => c.add(new Request(u, { cache: 'reload' })).catch(() => undefined))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('precinct-app-shell-') && k !== cacheName).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  const isShell = url.pathname === '/app' || url.pathname.startsWith('/static/');
  if (!isShell) return;
  event.respondWith(
    fetch(req)
      .then((resp) => {
        if (resp.ok) {
          const copy = resp.clone();
          caches.open(cacheName).then((c) => c.put(url.pathname === '/app' ? '/app' : req, copy));
        }
        return resp;
      })
      .catch(() => caches.match(url.pathname === '/app' ? '/app' : req).then((r) => r || Response.error())),
  );
});
