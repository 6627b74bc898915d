/* Iframe mode (embed.html only): tells the parent page the widget's height and its events.
 * Messages go to one origin, the `parent` parameter of this page's URL, never to '*': the browser
 * delivers them only if the parent page really has that origin, and where it can tell
 * (location.ancestorOrigins) nothing is posted to a parent of another origin. Who may frame the
 * page at all is the collector's `frame-ancestors` (--frame-ancestors), enforced by the browser.
 * Message data: { pingyi: 'resize', detail: { height } } or { pingyi: 'ready' | 'cast' | 'synced'
 * | 'error', detail } with the same detail as the DOM events (docs/embedding.md). */
(function () {
  'use strict';
  var parentOrigin = new URLSearchParams(location.search).get('parent');
  if (window.parent === window || !parentOrigin) return;
  try {
    parentOrigin = new URL(parentOrigin).origin;
  } catch (e) {
    return;
  }
  if (parentOrigin === 'null') return;
  var ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length && ancestors[0] !== parentOrigin) return;
  function post(type, detail) {
    window.parent.postMessage({ pingyi: type, detail: detail }, parentOrigin);
  }
  ['ready', 'cast', 'synced', 'error'].forEach(function (name) {
    document.addEventListener('pingyi:' + name, function (e) { post(name, e.detail); });
  });
  var last = -1;
  function size() {
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      post('resize', { height: height });
    }
  }
  if (typeof ResizeObserver == 'function') new ResizeObserver(size).observe(document.body);
  else setInterval(size, 500);
})();
