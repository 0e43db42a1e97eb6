/*
 * Certify attempt page: autosave, the server's timer, the offline queue.
 *
 * The page works without this script (plain form posts). With it:
 * - each change of an item is queued and posted to the save endpoint as JSON with a
 *   per-item sequence number; the server keeps the highest sequence, so a late retry never
 *   overwrites a newer answer;
 * - the queue lives in localStorage until the server acknowledges (after its commit), so a
 *   reload or a lost connection loses nothing; it retries with backoff and on "online";
 * - the timer counts down to the deadline the server stored, corrected by the offset
 *   between the server's clock and this device's, and resynchronizes about once a minute,
 *   after reconnection and before submitting at zero (a proctor may have added time).
 */
(function () {
  "use strict";

  var form = document.getElementById("attempt-form");
  var bar = document.getElementById("timer-bar");
  if (!form || !bar) { return; }

  var saveUrl = form.dataset.saveUrl;
  var attemptId = form.dataset.attempt;
  var stateUrl = bar.dataset.stateUrl;
  var resultUrl = bar.dataset.resultUrl;
  var storageKey = "certify-attempt-" + attemptId + "-queue";
  var statusEl = document.getElementById("save-status");
  var offlineEl = document.getElementById("offline-banner");
  var warningEl = document.getElementById("time-warning");
  var clockEl = document.getElementById("clock");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var messages = {
    saving: form.dataset.msgSaving || "…",
    saved: form.dataset.msgSaved || "✓",
    offline: form.dataset.msgOffline || "offline",
    closed: form.dataset.msgClosed || "closed",
    five: form.dataset.msgFive || "5 min",
    one: form.dataset.msgOne || "1 min"
  };

  /* ---------- the queue ---------- */

  var queue = loadQueue();           // position -> {response, flagged, sequence}
  var sequences = {};                // position -> last sequence used
  var sending = false;
  var backoff = 1000;
  var closed = false;
  var savedOnce = false;             // the server acknowledged a save since the page loaded

  function loadQueue() {
    try { return JSON.parse(window.localStorage.getItem(storageKey)) || {}; } catch (e) { return {}; }
  }
  function storeQueue() {
    try { window.localStorage.setItem(storageKey, JSON.stringify(queue)); } catch (e) { /* private mode: memory only */ }
  }

  function sectionOf(position) { return document.getElementById("item-" + position); }

  function readResponse(section) {
    var prefix = section.dataset.prefix;
    var qtype = section.dataset.qtype;
    var field = function (name) { return section.querySelector("[name='" + prefix + name + "']"); };
    var checked = function (name) {
      return Array.prototype.map.call(section.querySelectorAll("[name='" + prefix + name + "']:checked"), function (el) { return el.value; });
    };
    var text;
    switch (qtype) {
      case "single_choice":
        return checked("choice").length ? { choice: checked("choice")[0] } : null;
      case "multiple_response":
        return checked("choices").length ? { choices: checked("choices") } : null;
      case "true_false":
        return checked("value").length ? { value: checked("value")[0] === "true" } : null;
      case "numerical":
        text = field("value").value.trim();
        return text ? { value: text } : null;
      case "short_answer":
      case "essay":
        text = field("text").value;
        return text.trim() ? { text: text } : null;
      case "matching": {
        var pairs = {};
        var any = false;
        section.querySelectorAll("select[name^='" + prefix + "pair-']").forEach(function (select) {
          if (select.value) { pairs[select.name.slice((prefix + "pair-").length)] = select.value; any = true; }
        });
        return any ? { pairs: pairs } : null;
      }
      case "ordering": {
        var ranks = [];
        section.querySelectorAll("input[name^='" + prefix + "rank-']").forEach(function (input) {
          var rank = parseInt(input.value, 10);
          if (!isNaN(rank)) { ranks.push([rank, input.name.slice((prefix + "rank-").length)]); }
        });
        ranks.sort(function (a, b) { return a[0] - b[0]; });
        return ranks.length ? { order: ranks.map(function (r) { return r[1]; }) } : null;
      }
      default:
        return null;
    }
  }

  function writeResponse(section, response) {
    // Put a queued (unacknowledged) answer back into the form after a reload.
    if (!response) { return; }
    var prefix = section.dataset.prefix;
    section.querySelectorAll("input, select, textarea").forEach(function (el) {
      var name = el.name.slice(prefix.length);
      if (el.type === "radio" && name === "choice") { el.checked = el.value === response.choice; }
      else if (el.type === "radio" && name === "value") { el.checked = (el.value === "true") === response.value; }
      else if (el.type === "checkbox" && name === "choices") { el.checked = (response.choices || []).indexOf(el.value) >= 0; }
      else if (name === "value" || name === "text") { el.value = response[name] || ""; }
      else if (name.indexOf("pair-") === 0 && response.pairs) { el.value = response.pairs[name.slice(5)] || ""; }
      else if (name.indexOf("rank-") === 0 && response.order) {
        var index = response.order.indexOf(name.slice(5));
        el.value = index >= 0 ? String(index + 1) : "";
      }
    });
  }

  function setItemState(position, text, cls) {
    var section = sectionOf(position);
    if (!section) { return; }
    var el = section.querySelector(".item-state");
    el.textContent = text;
    el.className = "save-state item-state " + (cls || "");
  }

  function setStatus(text, cls) {
    statusEl.textContent = text;
    statusEl.className = "save-state " + (cls || "");
  }

  function enqueue(section) {
    var position = section.dataset.position;
    var flag = section.querySelector("[name='" + section.dataset.prefix + "flagged']");
    sequences[position] = (sequences[position] || 0) + 1;
    queue[position] = {
      response: readResponse(section),
      flagged: flag ? flag.checked : false,
      sequence: sequences[position]
    };
    storeQueue();
    setItemState(position, messages.saving, "");
    updateProgress();
    send();
  }

  function send() {
    if (sending || closed) { return; }
    var positions = Object.keys(queue);
    // "All answers saved" only once this page has saved something; before that, say nothing.
    if (!positions.length) { if (savedOnce) { setStatus(messages.saved, "saved"); } return; }
    var position = positions[0];
    var entry = queue[position];
    sending = true;
    setStatus(messages.saving, "");
    fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ position: Number(position), response: entry.response, flagged: entry.flagged, sequence: entry.sequence })
    }).then(function (reply) {
      return reply.json().then(function (body) { return { status: reply.status, body: body }; }, function () {
        return { status: reply.status, body: {} };
      });
    }).then(function (result) {
      sending = false;
      if (result.status === 200 && result.body.ok) {
        // Acknowledged after the server's commit: only now may the entry leave the queue,
        // and only if no newer answer was queued meanwhile.
        if (queue[position] && queue[position].sequence <= result.body.sequence) {
          delete queue[position];
          storeQueue();
          setItemState(position, messages.saved, "saved");
        }
        savedOnce = true;
        backoff = 1000;
        showOffline(false);
        send();
      } else if (result.status === 409) {
        closed = true;
        setStatus(result.body.message || messages.closed, "error");
        window.localStorage.removeItem(storageKey);
        window.location.assign(resultUrl);
      } else if (result.status >= 400 && result.status < 500 && result.status !== 429) {
        // Refused for good (malformed): drop it so the queue does not stall, and say so.
        delete queue[position];
        storeQueue();
        setItemState(position, result.body.message || "!", "error");
        send();
      } else {
        retryLater();
      }
    }).catch(function () {
      sending = false;
      retryLater();
    });
  }

  function retryLater() {
    showOffline(true);
    setStatus(messages.offline, "error");
    window.setTimeout(send, backoff);
    backoff = Math.min(backoff * 2, 10000);
  }

  function showOffline(on) { offlineEl.hidden = !on; }

  /* ---------- the answered counter ---------- */

  // The server counts answered items over the whole attempt (data-answered); this page shows
  // only some of them, so the counter is "answered elsewhere" (fixed while on this page) plus
  // what is answered here now. The visible text is rewritten only when the number changes;
  // #progress is not a live region (the save status already is), so typing does not chatter.
  var progressEl = document.getElementById("progress");
  function answeredHere() {
    var answered = 0;
    document.querySelectorAll(".item[data-qtype]:not([data-qtype='description'])").forEach(function (section) {
      if (readResponse(section)) { answered += 1; }
    });
    return answered;
  }
  var answeredElsewhere = progressEl ? Math.max(0, Number(progressEl.dataset.answered || 0) - answeredHere()) : 0;

  function updateProgress() {
    if (!progressEl) { return; }
    var answered = answeredElsewhere + answeredHere();
    if (progressEl.dataset.answered === String(answered)) { return; }
    progressEl.dataset.answered = String(answered);
    var template = progressEl.dataset.msgProgress;
    if (template) {
      progressEl.textContent = template.replace("__ANSWERED__", String(answered)).replace("__TOTAL__", progressEl.dataset.total || "");
    }
  }

  /* ---------- wiring ---------- */

  // Text being typed is queued 800 ms after the last key; leaving the page queues it at once.
  var typing = {};
  function clearTyping(section) {
    window.clearTimeout(typing[section.dataset.position]);
    delete typing[section.dataset.position];
  }
  function flushTyping() {
    Object.keys(typing).forEach(function (position) {
      var section = sectionOf(position);
      clearTyping(section);
      enqueue(section);
    });
  }
  window.addEventListener("pagehide", flushTyping);

  document.querySelectorAll(".item[data-position]").forEach(function (section) {
    var position = section.dataset.position;
    sequences[position] = parseInt(section.dataset.sequence || "0", 10);
    var pending = queue[position];
    if (pending && pending.sequence > sequences[position]) {
      writeResponse(section, pending.response);
      sequences[position] = pending.sequence;
    } else if (pending) {
      delete queue[position];
    }
    section.addEventListener("change", function () { clearTyping(section); enqueue(section); });
    section.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA" || event.target.type === "text") {
        clearTyping(section);
        typing[position] = window.setTimeout(function () { delete typing[position]; enqueue(section); }, 800);
      }
    });
  });
  storeQueue();
  updateProgress();
  send();

  window.addEventListener("online", function () { backoff = 1000; send(); resync(); });
  window.addEventListener("offline", function () { showOffline(true); });

  // Navigation with the script: flush the queue, then move by GET; offline, stay put.
  form.addEventListener("submit", function (event) {
    var goto = event.submitter ? event.submitter.value : "";
    event.preventDefault();
    var target = goto === "summary" ? form.dataset.summaryUrl : "?page=" + encodeURIComponent(goto);
    flushTyping();
    waitForQueue(function () { window.location.assign(target); });
  });

  function waitForQueue(done) {
    if (!Object.keys(queue).length) { done(); return; }
    send();
    window.setTimeout(function () { waitForQueue(done); }, 300);
  }

  /* ---------- the timer ---------- */

  var deadline = Number(bar.dataset.deadlineMs);
  var offset = Number(bar.dataset.serverNowMs) - Date.now();  // server clock minus device clock
  var warned = { five: false, one: false };

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : pad(m) + ":" + pad(s);
  }
  function tick() {
    var left = Math.max(0, Math.ceil((deadline - (Date.now() + offset)) / 1000));
    clockEl.textContent = format(left);
    clockEl.setAttribute("datetime", "PT" + left + "S");
    if (left <= 300 && !warned.five) { warned.five = true; announce(messages.five); bar.classList.add("warning"); }
    if (left <= 60 && !warned.one) { warned.one = true; announce(messages.one); }
    if (left === 0) {
      // Ask the server once before submitting: a proctor may have added time meanwhile.
      resync().then(function () {
        if (deadline - (Date.now() + offset) > 1000) { tick(); } else { timeUp(); }
      });
      return;
    }
    window.setTimeout(tick, 1000 - ((Date.now() + offset) % 1000));
  }
  function announce(text) { warningEl.textContent = text; }
  // Resolves in every case (offline: the last known deadline and offset stay).
  function resync() {
    return fetch(stateUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (state) {
      if (typeof state.deadline_ms !== "number") { return; }
      var before = deadline;
      deadline = state.deadline_ms;
      offset = state.server_now_ms - Date.now();
      if (deadline > before) {
        // Time was added (an override or a proctor): the warnings may be due again later.
        var left = (deadline - (Date.now() + offset)) / 1000;
        if (left > 300) { warned.five = false; bar.classList.remove("warning"); announce(""); }
        if (left > 60) { warned.one = false; }
      }
      if (state.state !== "in_progress") { window.location.assign(resultUrl); }
    }).catch(function () { /* offline: keep counting on the last known offset */ });
  }
  // A visible page checks the server's deadline about once a minute (jittered so that a
  // room of candidates does not ask in the same second).
  window.setInterval(function () { if (!document.hidden) { resync(); } }, 55000 + Math.floor(Math.random() * 10000));
  function timeUp() {
    // Save what is queued (the server accepts it during the grace period), then submit.
    flushTyping();
    waitForQueue(function () {
      var submit = document.createElement("form");
      submit.method = "post";
      submit.action = form.dataset.submitUrl;
      submit.innerHTML = "<input type='hidden' name='csrfmiddlewaretoken'><input type='hidden' name='timeout' value='1'>";
      submit.querySelector("input").value = csrf;
      document.body.appendChild(submit);
      submit.submit();
    });
  }
  tick();
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { flushTyping(); } else { resync(); }
  });
})();
