// The standalone page's service worker (see sw.js and docs/embedding.md): lets an organiser who
// opened the page once reload it at the meeting with no signal. Only index.html loads this file;
// embedding pages do not get a worker from Pingyi. An external file, so that the page runs under
// a Content-Security-Policy without inline script.
(function () {
  'use strict';
  if (!('serviceWorker' in navigator) || !/^https?:$/.test(location.protocol)) return;
  window.addEventListener('load', function () {
    navigator.serviceWorker.register('sw.js').catch(function () {});
    // Hand the worker what this first visit loads without it (e.g. the ?s= survey).
    navigator.serviceWorker.ready.then(function (reg) {
      var post = function (urls) { if (reg.active) reg.active.postMessage({ pingyiCache: urls }); };
      // Never hand over a ballot code (?code= or #code= from a slip): strip it from what is cached.
      var here = new URL(location.href);
      here.searchParams.delete('code');
      here.hash = '';
      post([here.href]);
      if (typeof PerformanceObserver !== 'function') return;
      var seen = new PerformanceObserver(function (list) {
        post(list.getEntries().map(function (e) { return e.name; }));
      });
      seen.observe({ type: 'resource', buffered: true });
      setTimeout(function () { seen.disconnect(); }, 30000);
    });
  });
})();
