// "Copy link" buttons on "My certificates": copy the public verification link of a certificate.
// Served as a static file (the Content-Security-Policy forbids inline scripts). A button
// carries data-copy-target (the id of the read-only field holding the link) and
// data-copied (the translated confirmation); the status appears in an aria-live region.
(function () {
  "use strict";

  function announce(button, text) {
    var status = document.getElementById(button.getAttribute("aria-controls") + "-status");
    if (status) {
      status.textContent = text;
    }
  }

  function fallbackCopy(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    var done = function () {
      announce(button, button.getAttribute("data-copied"));
      button.setAttribute("data-state", "copied");
    };
    var failed = function () {
      // Leave the link selected so that the person can copy it by hand.
      field.focus();
      field.select();
      announce(button, button.getAttribute("data-failed"));
      button.setAttribute("data-state", "failed");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        if (fallbackCopy(field)) {
          done();
        } else {
          failed();
        }
      });
    } else if (fallbackCopy(field)) {
      done();
    } else {
      failed();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) {
      event.preventDefault();
      copy(button);
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[data-share-link]")) {
      event.target.select();
    }
  });
})();
