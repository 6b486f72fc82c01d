// The phone's service worker: a phone that reloads while the Wi-Fi is gone still gets its page
// (and so its outbox of unsent notes, which lives in localStorage).
//
// Network first for page loads of /j/* and for /static/*: a fresh copy whenever the network
// answers (and it is kept), the last good copy when it does not. The live connection
// (/socket.io/) and the JSON API (/api/) are never touched: they must be live or fail.
const CACHE = 'cafe-v1';
const NETWORK_WAIT_MS = 6000;   // on a dead-slow network, fall back to the kept copy after this

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

function handled(request) {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith('/socket.io/') || url.pathname.startsWith('/api/')) return false;
  if (url.pathname.startsWith('/static/')) return true;
  return request.mode === 'navigate' && url.pathname.startsWith('/j/');
}

async function keep(request, response) {
  if (!response || !response.ok || response.type !== 'basic') return;
  try {
    const cache = await caches.open(CACHE);
    await cache.put(request, response);
  } catch (e) { /* storage full: the network copy still serves */ }
}

async function networkFirst(event) {
  const { request } = event;
  const kept = caches.match(request, { ignoreSearch: request.mode === 'navigate' });
  const network = fetch(request).then((response) => {
    event.waitUntil(keep(request, response.clone()));
    return response;
  });
  network.catch(() => { /* handled below, or the kept copy already answered */ });
  // Whichever comes first of: the network's answer, or (when there is a kept copy and the
  // network is very slow) the kept copy after a while. A network error falls back at once.
  let timer = null;
  const slow = new Promise((resolve) => {
    timer = setTimeout(async () => resolve(await kept), NETWORK_WAIT_MS);
  });
  try {
    const response = await Promise.race([network, slow.then((r) => r || network)]);
    return response;
  } catch (e) {
    const copy = await kept;
    if (copy) return copy;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

self.addEventListener('fetch', (event) => {
  if (!handled(event.request)) return;
  event.respondWith(networkFirst(event));
});

// The page asks, once the worker controls it, to keep the files it was loaded with (they were
// fetched before the worker existed), and is told when they are kept.
self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type !== 'keep' || !Array.isArray(data.urls)) return;
  const reply = event.ports && event.ports[0];
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    let kept = 0;
    for (const raw of data.urls) {
      let url;
      try { url = new URL(raw, self.location.origin); } catch (e) { continue; }
      if (url.origin !== self.location.origin) continue;
      if (!(url.pathname.startsWith('/static/') || url.pathname.startsWith('/j/'))) continue;
      url.hash = '';
      try {
        const response = await fetch(url.href, { credentials: 'same-origin', cache: 'no-cache' });
        if (response.ok) { await cache.put(url.href, response); kept += 1; }
      } catch (e) { /* offline right now: the fetch handler keeps it next time */ }
    }
    if (reply) reply.postMessage({ type: 'kept', kept });
  })());
});
