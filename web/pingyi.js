/* Pingyi loader: the one script a page includes, at a URL that never changes (pingyi.js, served
 * with no-cache and an ETag). `cargo xtask build` (xtask/src/loader.rs) fills in the hashed file
 * names of the current build and minifies it with terser.
 *
 * - Starts the wasm download and the survey's download at once, in parallel; the wasm-bindgen
 *   glue compiles it with WebAssembly.instantiateStreaming, or with plain instantiation where
 *   streaming compilation is missing (or the server's MIME type is wrong).
 * - Defines <pingyi-survey> (see docs/embedding.md): a widget in the element's shadow root,
 *   configured by its attributes or a <script type="application/json"> child; removing the
 *   element unmounts it, changing an attribute renders it again.
 * - Mounts the page's [data-pingyi] elements (the wasm module does that at start), handing it a
 *   ?s= link's survey fetched in parallel.
 * - Without WebAssembly or ES modules it says so in Chinese instead of leaving a blank box.
 *
 * ES5 syntax on purpose: old browsers must be able to read this file to say why they cannot run
 * the survey. No inline script or style is ever created (strict CSP). */
(function () {
  'use strict';
  var doc = document;
  var me = doc.currentScript;
  var here = (me && me.src) || location.href;
  var GLUE = '__PINGYI_GLUE__';
  var WASM = '__PINGYI_WASM__';
  var START = '__PINGYI_START__';
  var CSS = '__PINGYI_CSS__';
  var OLD = '\u60a8\u7684\u6d4f\u89c8\u5668\u7248\u672c\u8fc7\u65e7\uff0c\u65e0\u6cd5\u4f7f\u7528\u672c\u95ee\u5377\u3002\u8bf7\u7528\u7cfb\u7edf\u6d4f\u89c8\u5668\u6253\u5f00\u6216\u5347\u7ea7\u5fae\u4fe1\u3002';
  var FAILED = '\u95ee\u5377\u52a0\u8f7d\u5931\u8d25\uff0c\u8bf7\u68c0\u67e5\u7f51\u7edc\u540e\u5237\u65b0\u9875\u9762\u3002';
  var LOADING = '\u6b63\u5728\u52a0\u8f7d\u95ee\u5377\u2026';
  var LOADING_EN = 'Loading the survey\u2026';
  var TAG = 'pingyi-survey';
  var modern = typeof WebAssembly == 'object' && typeof Promise == 'function' && typeof URL == 'function' &&
    'noModule' in doc.createElement('script');

  function whenParsed(f) {
    if (doc.readyState == 'loading') doc.addEventListener('DOMContentLoaded', f);
    else f();
  }

  // A message in place of a widget, for a person to read.
  function say(el, text) {
    var p = doc.createElement('p');
    p.className = 'py-error';
    p.setAttribute('role', 'alert');
    p.textContent = text;
    el.appendChild(p);
  }

  if (!modern) {
    whenParsed(function () {
      var note = doc.getElementById('no-wasm');
      if (note) { note.hidden = false; return; }
      var els = doc.querySelectorAll(TAG + ',[data-pingyi]');
      for (var i = 0; i < els.length; i++) say(els[i], OLD);
    });
    return;
  }

  function abs(path) { return new URL(path, here).href; }

  // The first touch of localStorage on a page loads the site's storage from the browser process:
  // 1 to 6 ms on this project's test machine, more on a cheap phone. Done here, in a task of its
  // own while the wasm downloads, it no longer lengthens the widget's first render, which reads
  // storage at once. Reading one key changes nothing; where storage is blocked it throws.
  setTimeout(function () {
    try { window.localStorage.getItem('pingyi/v1/elder'); } catch (e) { /* blocked: the widget says so */ }
  }, 0);

  // The wasm module's exports, once it runs. The glue arrives through a tiny module script
  // (START), because this classic script cannot `import`: that syntax is what old browsers fail
  // to read.
  var ready = new Promise(function (resolve, reject) {
    var wasm = fetch(abs(WASM), { credentials: 'same-origin' });
    var name = 'pingyi:' + GLUE;
    doc.addEventListener(name, function got(e) {
      doc.removeEventListener(name, got);
      e.detail[0]({ module_or_path: wasm }).then(function () { resolve(e.detail[1]); }, reject);
    });
    var s = doc.createElement('script');
    s.type = 'module';
    s.src = abs(START);
    s.onerror = reject;
    doc.head.appendChild(s);
  });

  // The survey's JSON text, or undefined when it cannot be had (the widget then fetches it
  // itself and shows the error as it always does).
  function text(url) {
    return fetch(url).then(function (r) { return r.ok ? r.text() : undefined; }, function () {});
  }

  function param(name) {
    return new URLSearchParams(location.search).get(name);
  }

  // A survey a ?s= link names on this origin (an &endpoint= is the widget's to check), or with
  // `tail` its state ('/state': open or closed), asked for at the same moment so that a closed
  // survey says so at once instead of showing a form first.
  function linked(o, tail) {
    var s = o['from-link'] != null && param('s');
    return s && !param('endpoint') ? text(location.origin + '/v1/surveys/' + encodeURIComponent(s) + (tail || '')) : undefined;
  }

  // Attributes win over the JSON child's keys; `true` is a present boolean attribute.
  function options(host) {
    var o = {};
    var json = host.querySelector('script[type="application/json"]');
    if (json && json.parentNode == host) {
      try {
        var c = JSON.parse(json.textContent);
        for (var k in c) {
          var v = c[k];
          if (v === false || v == null) continue;
          o[k] = v === true ? '' : typeof v == 'object' ? JSON.stringify(v) : String(v);
        }
      } catch (e) {
        o.invalid = String(e);
      }
    }
    for (var i = 0; i < host.attributes.length; i++) o[host.attributes[i].name] = host.attributes[i].value;
    if (o.survey != null) o.collector = o.endpoint || new URL(here).origin;
    return o;
  }

  function survey(o) {
    if (o.document) return o.document;
    if (o.survey) return text(o.collector.replace(/\/+$/, '') + '/v1/surveys/' + encodeURIComponent(o.survey));
    if (o.src) return text(new URL(o.src, location.href).href);
    return linked(o);
  }

  // Mounts once both the wasm and the survey are here, unless the element moved on meanwhile.
  // Until the wasm and the survey are both here (seconds on weak signal), the box says it is
  // loading instead of staying blank; the widget's own loading line takes over once mounted.
  function mount(host, target, o, pending, state) {
    var generation = host.pingyiGeneration;
    var lang = (o && o.lang) || host.getAttribute('data-lang') || host.getAttribute('lang') || '';
    var wait = doc.createElement('p');
    wait.className = 'py-status';
    wait.setAttribute('role', 'status');
    wait.setAttribute('data-testid', 'loader-wait');
    wait.textContent = lang.indexOf('en') == 0 ? LOADING_EN : LOADING;
    target.appendChild(wait);
    Promise.all([ready, pending, state]).then(function (got) {
      target.removeChild(wait);
      if (host.pingyiGeneration === generation) host.pingyiWidget = got[0].mount_element(target, host, o, got[1], got[2]);
    }, function () {
      target.removeChild(wait);
      if (host.pingyiGeneration === generation) say(target, FAILED);
    });
  }

  function unmount(host) {
    host.pingyiGeneration = (host.pingyiGeneration || 0) + 1;
    if (host.pingyiWidget) host.pingyiWidget.free();
    host.pingyiWidget = null;
  }

  // <pingyi-survey>, written without `class` so that old browsers can read this file.
  function Survey() { return Reflect.construct(HTMLElement, [], Survey); }
  Survey.prototype = Object.create(HTMLElement.prototype);
  Survey.prototype.constructor = Survey;
  Object.setPrototypeOf(Survey, HTMLElement);
  Survey.observedAttributes = ['survey', 'src', 'endpoint', 'lang', 'elder', 'submit-key', 'retry-base-ms',
    'console-url', 'from-link', 'allowed-endpoints', 'shared-device'];
  Survey.prototype.connectedCallback = function () {
    var host = this;
    unmount(host);
    var root = host.shadowRoot;
    if (!root) {
      root = host.attachShadow({ mode: 'open' });
      var css = doc.createElement('link');
      css.rel = 'stylesheet';
      css.href = abs(CSS);
      root.appendChild(css);
    }
    var target = doc.createElement('div');
    target.className = 'pingyi-host';
    root.appendChild(target);
    host.pingyiTarget = target;
    var o = options(host);
    mount(host, target, o, survey(o), o.document || o.survey || o.src ? undefined : linked(o, '/state'));
  };
  Survey.prototype.disconnectedCallback = function () {
    unmount(this);
    if (this.pingyiTarget) this.pingyiTarget.remove();
  };
  Survey.prototype.attributeChangedCallback = function () {
    if (this.pingyiTarget && this.isConnected) {
      this.disconnectedCallback();
      this.connectedCallback();
    }
  };
  if (window.customElements && !customElements.get(TAG)) customElements.define(TAG, Survey);

  // The page's own [data-pingyi] elements that a ?s= link configures: fetched here, in parallel
  // with the wasm, and mounted with it (the wasm's start skips elements marked mounted).
  whenParsed(function () {
    var els = doc.querySelectorAll('[data-pingyi][data-from-link]:not([data-pingyi-mounted])');
    for (var i = 0; i < els.length; i++) {
      var pending = linked({ 'from-link': '' });
      if (!pending) break;
      els[i].setAttribute('data-pingyi-mounted', '');
      mount(els[i], els[i], null, pending, linked({ 'from-link': '' }, '/state'));
    }
  });
  ready.catch(function () {
    var note = doc.getElementById('no-wasm');
    if (note) note.hidden = false;
  });
})();
