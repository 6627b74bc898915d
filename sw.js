// Pingyi service worker: keeps the standalone page (the app shell) so that an organiser who
// opened it once can reload it at the meeting with no signal. Registered by index.html only.
//
// - Same-origin GETs go network-first with a short timeout, falling back to the cache; every
//   good answer refreshes the cache. That covers the hashed wasm/js/css files Trunk emits and
//   `/v1/surveys/{id}` (a survey opened once from a link works offline).
// - The API is network-only except that public survey document: ballots, state, tally, codes,
//   paper totals, results are never cached nor answered from the cache, and neither is any
//   request carrying an Authorization header (an organiser's token).
// - On install it keeps the page and the files it and its loader (pingyi.js) name (Trunk's
//   hashed js/wasm/css); the page
//   also posts the URLs it loaded before this worker controlled it (the survey of a `?s=` link),
//   so the very first visit is enough.
// - Bump VERSION to drop every older cache.
'use strict';

const VERSION = 'v2';
const CACHE = 'pingyi-shell-' + VERSION;
const TIMEOUT_MS = 3000;
const API = /\/v1\//;
const SURVEY = /\/v1\/surveys\/[^/]+\/?$/;
const CONSOLE = /\/console(\/|$)/;

// Same-origin files a page names: quoted or bare tokens ending in .js, .wasm or .css.
const ASSET = /[^\s"'`=(<>]+\.(?:js|wasm|css)(?=[\s"'`)>])/g;

async function precache() {
  const cache = await caches.open(CACHE);
  await cache.addAll(['./', 'index.html']);
  const html = await (await cache.match('index.html')).text();
  const assets = (html.match(ASSET) || []).filter((a) => !/(^|\/)sw\.js$/.test(a));
  await keep(assets);
  // The loader names the wasm (the page no longer preloads it): keep what it names too.
  const loader = await cache.match('pingyi.js');
  if (loader) await keep(((await loader.text()).match(ASSET) || []).filter((a) => !/(^|\/)sw\.js$/.test(a)));
}

// The cache key of a URL: without a ballot code (?code= or #code= from a printed slip), which
// must never be kept on the phone.
function withoutCode(href) {
  const url = new URL(href, self.location.href);
  url.searchParams.delete('code');
  url.hash = '';
  return url.href;
}

// Whether a same-origin URL may be kept: the app's files and a survey's public document only.
function cacheable(url) {
  return url.origin === self.location.origin && (!API.test(url.pathname) || SURVEY.test(url.pathname));
}

// Puts each same-origin URL in the cache unless it is there already; failures are ignored.
async function keep(urls) {
  const cache = await caches.open(CACHE);
  await Promise.all(urls.map(async (u) => {
    try {
      const url = new URL(withoutCode(u));
      if (!cacheable(url) || await cache.match(url.href)) return;
      const response = await fetch(url.href);
      if (response.ok) await cache.put(url.href, response);
    } catch (e) {
      // offline or gone: the runtime cache will catch it next time
    }
  }));
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache().catch(() => undefined).then(() => self.skipWaiting()));
});

// The page's list of what it loaded before this worker took control.
self.addEventListener('message', (event) => {
  const urls = event.data && event.data.pingyiCache;
  if (Array.isArray(urls)) event.waitUntil(keep(urls.filter((u) => typeof u === 'string')));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith('pingyi-shell-') && k !== CACHE).map((k) => caches.delete(k)),
      ))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || request.headers.has('authorization')) return;
  if (!cacheable(new URL(request.url))) return;
  event.respondWith(networkFirst(request));
});

async function fromCache(request) {
  const cache = await caches.open(CACHE);
  return (await cache.match(withoutCode(request.url)))
    || (request.mode === 'navigate'
      ? (await cache.match(request, { ignoreSearch: true }))
        // Only the widget's own pages fall back to the widget; the organiser console (a
        // separate bundle under console/) must never be answered with the widget page.
        || (CONSOLE.test(new URL(request.url).pathname) ? undefined : await cache.match('./'))
      : undefined);
}

function networkFirst(request) {
  const network = fetch(request).then(async (response) => {
    if (response.ok && response.type === 'basic') {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(withoutCode(request.url), copy)).catch(() => undefined);
    }
    return response;
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const useCache = async () => {
      const cached = await fromCache(request);
      if (cached && !settled) {
        settled = true;
        resolve(cached);
      }
      return cached;
    };
    // Slow signal: answer from the cache after the timeout, if it has the page.
    const timer = setTimeout(useCache, TIMEOUT_MS);
    network.then((response) => {
      clearTimeout(timer);
      if (!settled) {
        settled = true;
        resolve(response);
      }
    }, async () => {
      clearTimeout(timer);
      if (!(await useCache()) && !settled) {
        settled = true;
        reject(new TypeError('offline and not cached'));
      }
    });
  });
}
