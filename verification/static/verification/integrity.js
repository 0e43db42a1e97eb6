/*
 * Certify integrity beacon for the attempt page: reports focus lost and back, offline and
 * reconnected to the attempt's integrity log. Loaded with
 *   <script src=".../verification/integrity.js" data-events-url="..." defer></script>
 * No inline script (the site's Content-Security-Policy allows only 'self').
 * Events that cannot be sent while offline are queued in memory and sent on reconnection.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.eventsUrl;
  var form = document.getElementById("attempt-form");
  if (!url || !form) { return; }
  var tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = tokenInput ? tokenInput.value : "";
  var page = new URLSearchParams(window.location.search).get("page") || "";
  var queue = [];
  var awaySince = null;
  var offlineSince = null;
  var closed = false;
  // Leaving the page (a page change, the submit) hides it too: that is not "focus lost".
  var leaving = false;
  window.addEventListener("beforeunload", function () { leaving = true; });
  window.addEventListener("pageshow", function () { leaving = false; });

  function post(event) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(event)
    }).then(function (response) {
      if (response.status === 409) { closed = true; }
      return response.ok || response.status >= 400;
    });
  }

  function flush() {
    if (closed) { queue = []; return; }
    var pending = queue;
    queue = [];
    pending.forEach(function (event) {
      post(event).catch(function () { queue.push(event); });
    });
  }

  function report(kind, extra) {
    var event = { kind: kind, page: page };
    Object.keys(extra || {}).forEach(function (key) { event[key] = extra[key]; });
    queue.push(event);
    if (navigator.onLine !== false) { flush(); }
  }

  function seconds(since) { return since ? Math.max(0, Math.round((Date.now() - since) / 1000)) : 0; }

  function away(hidden) {
    if (awaySince !== null || leaving) { return; }
    awaySince = Date.now();
    report("focus_lost", { hidden: hidden ? "hidden" : "blur" });
  }

  function back() {
    if (awaySince === null) { return; }
    report("focus_back", { away_seconds: seconds(awaySince) });
    awaySince = null;
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { away(true); } else { back(); }
  });
  window.addEventListener("blur", function () { away(false); });
  window.addEventListener("focus", back);
  window.addEventListener("offline", function () {
    offlineSince = Date.now();
    queue.push({ kind: "offline", page: page });
  });
  window.addEventListener("online", function () {
    report("reconnected", { offline_seconds: seconds(offlineSince) });
    offlineSince = null;
  });
})();
