// The proctor's live view: every 10 s, read the session's state from the server (the JSON
// endpoint named in #live-status) and update each candidate's row; between polls the time
// left counts down locally. The server's numbers always win at the next poll.
(function () {
  "use strict";
  var status = document.getElementById("live-status");
  var table = document.getElementById("live-table");
  if (!status || !table) return;
  var url = status.getAttribute("data-json-url");
  var POLL_MS = 10000;

  function label(state) {
    return status.getAttribute("data-label-" + state) || state;
  }

  function clock(seconds) {
    if (seconds === null || seconds === undefined || seconds === "") return "";
    seconds = Math.max(0, Math.floor(Number(seconds)));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = (m < 10 ? "0" : "") + m;
    var ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function cell(row, field) {
    return row.querySelector('[data-field="' + field + '"]');
  }

  function render(data) {
    var known = 0;
    (data.rows || []).forEach(function (item) {
      var row = table.querySelector('tr[data-candidate="' + item.candidate_id + '"]');
      if (!row) return;
      known += 1;
      var previous = row.getAttribute("data-state");
      var previousAttempt = row.getAttribute("data-attempt");
      row.setAttribute("data-state", item.state);
      row.setAttribute("data-attempt", item.attempt_id === null ? "" : String(item.attempt_id));
      cell(row, "state").textContent = label(item.state);
      cell(row, "attempt").textContent = item.attempt_number ? "#" + item.attempt_number : "";
      var left = cell(row, "seconds_left");
      left.setAttribute("data-seconds", item.seconds_left === null ? "" : String(item.seconds_left));
      left.textContent = clock(item.seconds_left);
      // A new attempt or a finished one changes which actions apply: the server renders them.
      var actionsChanged =
        (previous === "not_started") !== (item.state === "not_started") ||
        (previous === "submitted") !== (item.state === "submitted") ||
        (previousAttempt !== null && previousAttempt !== "" && previousAttempt !== String(item.attempt_id));
      if (actionsChanged && !row.contains(document.activeElement)) row.setAttribute("data-stale", "1");
    });
    if (table.querySelector('tr[data-stale="1"]') && !table.contains(document.activeElement)) {
      window.location.reload();
      return;
    }
    status.textContent = label("updated") + " " + new Date().toLocaleTimeString();
    status.setAttribute("data-rows", String(known));
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(render)
      .catch(function () {
        status.textContent = label("offline");
      });
  }

  function tick() {
    table.querySelectorAll('[data-field="seconds_left"]').forEach(function (left) {
      var value = left.getAttribute("data-seconds");
      if (value === "" || value === null) return;
      var next = Math.max(0, Number(value) - 1);
      left.setAttribute("data-seconds", String(next));
      left.textContent = clock(next);
    });
  }

  table.querySelectorAll('[data-field="seconds_left"]').forEach(function (left) {
    left.textContent = clock(left.getAttribute("data-seconds"));
  });
  poll();
  window.setInterval(poll, POLL_MS);
  window.setInterval(tick, 1000);
})();
