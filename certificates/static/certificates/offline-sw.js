/* The offline verifier's service worker (scope /v/offline/), loaded by /v/offline/sw.js, which sets
 * self.CERTIFY_OFFLINE = {cache: "<cache name>", precache: ["/v/offline/", ..., "/.well-known/jwks.json",
 * "/v/offline/status.json"]} first (certificates/offline_views.py).
 *
 * Install saves every URL of the list. Requests for those URLs go to the network first (so an online
 * visit refreshes the page, the keys and the status snapshot) and fall back to the saved copy when
 * the network fails or is slower than NETWORK_TIMEOUT_MS. Any other request is left alone.
 */
"use strict";

var CONFIG = self.CERTIFY_OFFLINE || { cache: "certify-offline", precache: [] };
var CACHE_PREFIX = "certify-offline-";
var NETWORK_TIMEOUT_MS = 4000;

function keyOf(url) {
  var parsed = new URL(url, self.location.href);
  return parsed.origin === self.location.origin ? parsed.pathname : null;
}

var KEPT = new Set(CONFIG.precache.map(keyOf));

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(CONFIG.cache)
      .then(function (cache) {
        // "reload": skip the browser's HTTP cache, keep what the server says now.
        return cache.addAll(
          CONFIG.precache.map(function (url) {
            return new Request(url, { cache: "reload", credentials: "omit" });
          })
        );
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf(CACHE_PREFIX) === 0 && name !== CONFIG.cache;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function fromNetwork(request, key) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () {
      reject(new Error("timeout"));
    }, NETWORK_TIMEOUT_MS);
    // By URL: a navigation's own Request cannot be given options; "no-store" skips the HTTP cache.
    fetch(request.url, { cache: "no-store", credentials: "same-origin" }).then(
      function (response) {
        clearTimeout(timer);
        if (!response.ok) {
          reject(new Error("HTTP " + response.status));
          return;
        }
        var copy = response.clone();
        caches.open(CONFIG.cache).then(function (cache) {
          return cache.put(key, copy);
        });
        resolve(response);
      },
      function (error) {
        clearTimeout(timer);
        reject(error);
      }
    );
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var key = keyOf(request.url);
  if (key === null || !KEPT.has(key)) return;
  event.respondWith(
    fromNetwork(request, key).catch(function (error) {
      return caches.open(CONFIG.cache).then(function (cache) {
        return cache.match(key, { ignoreVary: true, ignoreSearch: true }).then(function (saved) {
          if (saved) return saved;
          throw error;
        });
      });
    })
  );
});
