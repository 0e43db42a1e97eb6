/* The offline verifier (certificates/offline.html): checks a certificate's QR link in the browser.
 *
 * The same check as certificates/offline.py (verify_qr_text), with WebCrypto instead of Python:
 *   1. parse HTTPS://HOST/V/<CODE>/<CREDENTIAL> (any case; the code as people type it);
 *   2. RFC 4648 base32 (no padding) -> COSE_Sign1 bytes -> CBOR: 18([protected, {}, payload, signature]);
 *   3. protected header {1: -8 (EdDSA), 4: kid (8 bytes)}; the kid (base64url) must be in the saved JWKS,
 *      retired keys included;
 *   4. Sig_structure ["Signature1", protected, h'', payload] encoded as the Python side does (cbor2:
 *      definite lengths, shortest heads) and checked with crypto.subtle.verify("Ed25519", ...);
 *   5. the payload's claims {7: cti (10 bytes), "sn", "nm", "ql", "io", "eo"?}; the code in the link
 *      must equal the signed cti (Crockford base32, grouped XXXX-XXXX-XXXX-XXXX);
 *   6. SHA-256 of that code looked up in the status snapshot (revoked, superseded); expiry from "eo"
 *      against today's date in Asia/Tashkent.
 * Texts come from the page's data-msg-* attributes. Data from the credential is only ever set as text.
 */
(function () {
  "use strict";

  var root = document.getElementById("offline-verifier");
  if (!root) return;

  var form = document.getElementById("offline-form");
  var input = document.getElementById("offline-link");
  var result = document.getElementById("offline-result");
  var syncLine = document.getElementById("offline-sync");
  var keysLine = document.getElementById("offline-keys");
  var stateLine = document.getElementById("offline-state");
  var factsTemplate = document.getElementById("offline-facts-template");

  var COSE_SIGN1_TAG = 18;
  var HEADER_ALG = 1;
  var HEADER_KID = 4;
  var ALG_EDDSA = -8;
  var CLAIM_CTI = 7;
  var CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  var MAX_CREDENTIAL_CHARS = 4096; // a real one is about 300
  var MAX_DEPTH = 8;

  function message(key, values) {
    var text = root.getAttribute("data-msg-" + key) || key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(values[name]);
    });
    return text;
  }

  // ---- A failure with a reason (the data-reason of the result) ----------------------------------
  function Failure(reason, values) {
    this.reason = reason;
    this.values = values || {};
  }

  // ---- The link ----------------------------------------------------------------------------------
  /** {code: "XXXX-XXXX-XXXX-XXXX" | null, credential: "BASE32..." | null}, or null when no /v/ path. */
  function parseLink(text) {
    var path = text.trim();
    try {
      path = new URL(path).pathname;
    } catch (error) {
      path = path.split(/[?#]/)[0];
    }
    var match = /\/v\/([^/?#]+)(?:\/([A-Za-z2-7]+))?\/?$/i.exec(path);
    if (!match) return null;
    return { code: codeNormalize(decodeURIComponent(match[1])), credential: match[2] ? match[2].toUpperCase() : null };
  }

  /** Like certificates.codes.code_normalize: case, hyphens and spaces ignored; I, L -> 1, O -> 0. */
  function codeNormalize(text) {
    var digits = String(text)
      .toUpperCase()
      .replace(/[-\s\u00a0]/g, "")
      .replace(/[IL]/g, "1")
      .replace(/O/g, "0");
    if (digits.length !== 16) return null;
    for (var i = 0; i < digits.length; i++) {
      if (CROCKFORD.indexOf(digits[i]) < 0) return null;
    }
    return digits.match(/.{4}/g).join("-");
  }

  function codeFromBytes(bytes) {
    if (!(bytes instanceof Uint8Array) || bytes.length !== 10) throw new Failure("malformed");
    var bits = 0;
    var value = 0;
    var digits = "";
    for (var i = 0; i < bytes.length; i++) {
      value = ((value << 8) | bytes[i]) & 0xfff; // at most 12 bits are ever pending
      bits += 8;
      while (bits >= 5) {
        digits += CROCKFORD[(value >> (bits - 5)) & 31];
        bits -= 5;
      }
    }
    return digits.match(/.{4}/g).join("-");
  }

  /** RFC 4648 base32 without padding -> bytes; Failure("malformed") for anything else. */
  function base32Decode(text) {
    if (text.length > MAX_CREDENTIAL_CHARS || [1, 3, 6].indexOf(text.length % 8) >= 0) {
      throw new Failure("malformed");
    }
    var out = new Uint8Array(Math.floor((text.length * 5) / 8));
    var bits = 0;
    var value = 0;
    var index = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = BASE32.indexOf(text[i]);
      if (digit < 0) throw new Failure("malformed");
      value = ((value << 5) | digit) & 0xfff; // at most 12 bits are ever pending
      bits += 5;
      if (bits >= 8) {
        out[index++] = (value >> (bits - 8)) & 0xff;
        bits -= 8;
      }
    }
    return out;
  }

  function base64url(bytes) {
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // ---- CBOR (RFC 8949), the subset a credential uses -------------------------------------------
  // Unsigned and negative integers, byte and text strings, arrays, maps (as Map), tags ({tag, value}),
  // false, true, null. Definite lengths only. Anything else, or bytes left over: Failure("malformed").
  var utf8 = new TextDecoder("utf-8", { fatal: true });

  function cborDecode(bytes) {
    var offset = 0;

    function need(count) {
      if (count > bytes.length - offset) throw new Failure("malformed");
    }

    function readLength(info) {
      if (info < 24) return info;
      var size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
      if (!size) throw new Failure("malformed"); // 28-30 reserved, 31 indefinite: not used here
      need(size);
      var value = 0;
      for (var i = 0; i < size; i++) value = value * 256 + bytes[offset++];
      if (!Number.isSafeInteger(value)) throw new Failure("malformed");
      return value;
    }

    function item(depth) {
      if (depth > MAX_DEPTH) throw new Failure("malformed");
      need(1);
      var head = bytes[offset++];
      var major = head >> 5;
      var info = head & 31;
      if (major === 7) {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        throw new Failure("malformed");
      }
      var length = readLength(info);
      var i;
      switch (major) {
        case 0:
          return length;
        case 1:
          return -1 - length;
        case 2:
          need(length);
          offset += length;
          return bytes.subarray(offset - length, offset);
        case 3:
          need(length);
          offset += length;
          try {
            return utf8.decode(bytes.subarray(offset - length, offset));
          } catch (error) {
            throw new Failure("malformed");
          }
        case 4: {
          need(length); // every item takes at least one byte
          var array = [];
          for (i = 0; i < length; i++) array.push(item(depth + 1));
          return array;
        }
        case 5: {
          need(length * 2);
          var map = new Map();
          for (i = 0; i < length; i++) {
            var key = item(depth + 1);
            if (typeof key !== "number" && typeof key !== "string") throw new Failure("malformed");
            if (map.has(key)) throw new Failure("malformed");
            map.set(key, item(depth + 1));
          }
          return map;
        }
        default: // 6: tag
          return { tag: length, value: item(depth + 1) };
      }
    }

    var value = item(0);
    if (offset !== bytes.length) throw new Failure("malformed");
    return value;
  }

  /** A CBOR head (major type, length) with the shortest argument, as cbor2 writes it. */
  function cborHead(major, length) {
    var top = major << 5;
    if (length < 24) return [top | length];
    if (length < 0x100) return [top | 24, length];
    if (length < 0x10000) return [top | 25, length >> 8, length & 0xff];
    return [top | 26, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
  }

  /** CBOR of ["Signature1", protected, h'', payload] (RFC 9052 section 4.4). */
  function sigStructure(protectedBytes, payload) {
    var context = new TextEncoder().encode("Signature1");
    var parts = [
      cborHead(4, 4),
      cborHead(3, context.length),
      context,
      cborHead(2, protectedBytes.length),
      protectedBytes,
      cborHead(2, 0),
      cborHead(2, payload.length),
      payload,
    ];
    var total = parts.reduce(function (sum, part) {
      return sum + part.length;
    }, 0);
    var out = new Uint8Array(total);
    var at = 0;
    parts.forEach(function (part) {
      out.set(part, at);
      at += part.length;
    });
    return out;
  }

  // ---- Saved keys and status snapshot (through the service worker: network first, then the copy) --
  var keysById = null; // Map kid -> JWK
  var snapshot = null; // {generated_at, revoked: Set, superseded: Set}

  function fetchJson(url) {
    return fetch(url, { credentials: "omit" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function loadKeys() {
    return fetchJson(root.getAttribute("data-jwks-url")).then(
      function (body) {
        var map = new Map();
        (body.keys || []).forEach(function (jwk) {
          if (jwk && jwk.kty === "OKP" && jwk.crv === "Ed25519" && typeof jwk.kid === "string") map.set(jwk.kid, jwk);
        });
        keysById = map;
        keysLine.textContent = message("keys", { count: String(map.size) });
      },
      function () {
        keysById = null;
        keysLine.textContent = "";
      }
    );
  }

  function tashkentDateTime(date) {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Tashkent",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(date)
      .forEach(function (part) {
        parts[part.type] = part.value;
      });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }

  function tashkentToday() {
    return tashkentDateTime(new Date()).slice(0, 10);
  }

  function syncedText() {
    if (!snapshot) return message("never-synced");
    return message("synced", { time: snapshot.syncedAt });
  }

  function loadSnapshot() {
    return fetchJson(root.getAttribute("data-status-url")).then(
      function (body) {
        var generated = new Date(body.generated_at);
        if (isNaN(generated.getTime())) throw new Error("no generated_at");
        snapshot = {
          generatedAt: body.generated_at,
          syncedAt: tashkentDateTime(generated) + " (" + syncLine.getAttribute("data-tz-label") + ")",
          revoked: new Set(body.revoked || []),
          superseded: new Set(body.superseded || []),
        };
        syncLine.textContent = syncedText();
        syncLine.setAttribute("data-generated-at", body.generated_at);
      },
      function () {
        snapshot = null;
        syncLine.textContent = syncedText();
      }
    );
  }

  function sha256Hex(text) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (digest) {
      return Array.from(new Uint8Array(digest))
        .map(function (byte) {
          return byte.toString(16).padStart(2, "0");
        })
        .join("");
    });
  }

  // ---- The check ---------------------------------------------------------------------------------
  function isDate(value) {
    return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value);
  }

  /** Resolves to {outcome, reason?, values, claims?, kid?}; never rejects. */
  async function check(text) {
    try {
      if (!text.trim()) throw new Failure("empty");
      var link = parseLink(text);
      if (!link || !link.code) throw new Failure("not-link");
      if (!link.credential) throw new Failure("no-credential");
      var decoded = cborDecode(base32Decode(link.credential));
      if (!decoded || decoded.tag !== COSE_SIGN1_TAG || !Array.isArray(decoded.value) || decoded.value.length !== 4) {
        throw new Failure("malformed");
      }
      var protectedBytes = decoded.value[0];
      var payload = decoded.value[2];
      var signature = decoded.value[3];
      if (![protectedBytes, payload, signature].every(function (part) { return part instanceof Uint8Array; })) {
        throw new Failure("malformed");
      }
      var header = cborDecode(protectedBytes);
      if (!(header instanceof Map)) throw new Failure("malformed");
      if (header.get(HEADER_ALG) !== ALG_EDDSA) throw new Failure("algorithm");
      var kidBytes = header.get(HEADER_KID);
      if (!(kidBytes instanceof Uint8Array)) throw new Failure("malformed");
      var kid = base64url(kidBytes);
      if (!keysById) throw new Failure("no-keys");
      var jwk = keysById.get(kid);
      if (!jwk) throw new Failure("unknown-key", { kid: kid });
      var key;
      try {
        key = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, [
          "verify",
        ]);
      } catch (error) {
        throw new Failure(error && error.name === "NotSupportedError" ? "unsupported" : "unknown-key", { kid: kid });
      }
      var genuine = signature.length === 64 && (await crypto.subtle.verify("Ed25519", key, signature, sigStructure(protectedBytes, payload)));
      if (!genuine) throw new Failure("signature", { kid: kid });
      var body = cborDecode(payload);
      if (!(body instanceof Map)) throw new Failure("malformed");
      var claims = {
        code: codeFromBytes(body.get(CLAIM_CTI)),
        serial: body.get("sn"),
        holder: body.get("nm"),
        qualification: body.get("ql"),
        issued: body.get("io"),
        expires: body.has("eo") ? body.get("eo") : null,
      };
      if (
        typeof claims.serial !== "string" ||
        typeof claims.holder !== "string" ||
        typeof claims.qualification !== "string" ||
        !isDate(claims.issued) ||
        (claims.expires !== null && !isDate(claims.expires))
      ) {
        throw new Failure("malformed");
      }
      if (claims.code !== link.code) throw new Failure("code-mismatch");
      var outcome = "valid";
      var values = {};
      var hash = await sha256Hex(claims.code);
      if (snapshot && snapshot.revoked.has(hash)) {
        outcome = "revoked";
        values.time = snapshot.syncedAt;
      } else if (snapshot && snapshot.superseded.has(hash)) {
        outcome = "superseded";
        values.time = snapshot.syncedAt;
      } else if (claims.expires !== null && tashkentToday() > claims.expires) {
        outcome = "expired";
        values.date = claims.expires;
      }
      return { outcome: outcome, values: values, claims: claims, kid: kid };
    } catch (error) {
      if (error instanceof Failure) return { outcome: "invalid", reason: error.reason, values: error.values };
      return { outcome: "invalid", reason: "malformed", values: {} };
    }
  }

  function show(answer) {
    result.textContent = "";
    result.setAttribute("data-outcome", answer.outcome);
    result.setAttribute("data-reason", answer.reason || "");
    var banner = document.createElement("p");
    banner.className = "status-banner status-" + answer.outcome;
    banner.textContent = message(answer.outcome === "invalid" ? "fail-" + answer.reason : answer.outcome, answer.values);
    result.appendChild(banner);
    if (answer.claims) {
      var facts = factsTemplate.content.cloneNode(true);
      var fill = {
        holder: answer.claims.holder,
        qualification: answer.claims.qualification,
        serial: answer.claims.serial,
        code: answer.claims.code,
        issued: answer.claims.issued,
        expires: answer.claims.expires,
        kid: answer.kid,
      };
      Object.keys(fill).forEach(function (name) {
        var cell = facts.querySelector('[data-fact="' + name + '"]');
        cell.textContent = fill[name] === null ? cell.getAttribute("data-none") : fill[name];
      });
      result.appendChild(facts);
    }
    // The "last synchronised" line is #offline-sync below the result, always shown: not repeated here.
  }

  // ---- The page in the browser's language ---------------------------------------------------------
  // The page is the same bytes for everyone (the service worker keeps it), so it never redirects:
  // when the browser prefers another language the page exists in, a link to that version is shown.
  (function offerLanguage() {
    var offer = document.getElementById("offline-language-offer");
    if (!offer) return;
    var page = root.getAttribute("data-language");
    var wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
    for (var i = 0; i < wanted.length; i++) {
      var code = String(wanted[i]).toLowerCase().split("-")[0];
      if (code === page) return;
      var link = offer.querySelector('[data-offer-language="' + code + '"]');
      if (link) {
        link.hidden = false;
        offer.hidden = false;
        return;
      }
    }
  })();

  // A check waits for the saved keys and status snapshot (network first, then the saved copy).
  var loaded = Promise.all([loadKeys(), loadSnapshot()]).then(function () {
    root.setAttribute("data-loaded", "true");
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    loaded.then(function () {
      return check(text);
    }).then(show);
  });

  // ---- A photo of the QR code, where the browser can read one (BarcodeDetector) ------------------
  function enablePhotoScan() {
    if (!("BarcodeDetector" in window)) return;
    var scan = document.getElementById("offline-scan");
    var photo = document.getElementById("offline-photo");
    window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        if (formats.indexOf("qr_code") < 0) return;
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        scan.hidden = false;
        photo.addEventListener("change", function () {
          if (!photo.files || !photo.files[0]) return;
          createImageBitmap(photo.files[0])
            .then(function (image) {
              return detector.detect(image);
            })
            .then(function (found) {
              if (!found.length) throw new Error("no QR code");
              input.value = found[0].rawValue;
              return check(input.value);
            })
            .then(show, function () {
              show({ outcome: "invalid", reason: "no-qr", values: {} });
            });
        });
      })
      .catch(function () {});
  }

  // ---- Offline use -------------------------------------------------------------------------------
  function markReady() {
    root.setAttribute("data-offline-ready", "true");
    stateLine.textContent = message("offline-ready");
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) {
      stateLine.textContent = message("offline-unavailable");
      return;
    }
    if (navigator.serviceWorker.controller) {
      // Already kept: the browser itself checks the worker for updates after each visit.
      markReady();
      return;
    }
    navigator.serviceWorker
      .register(root.getAttribute("data-sw-url"), { scope: root.getAttribute("data-sw-scope"), updateViaCache: "none" })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function () {
        if (navigator.serviceWorker.controller) {
          markReady();
        } else {
          navigator.serviceWorker.addEventListener("controllerchange", markReady, { once: true });
        }
      })
      .catch(function () {
        if (navigator.serviceWorker.controller) {
          markReady(); // offline: the saved worker still serves this page
        } else {
          stateLine.textContent = message("offline-unavailable");
        }
      });
  }

  registerWorker();
  enablePhotoScan();
})();
