// Try it without page reloads: the simulator's forms are posted with fetch and its part of the page is swapped
// for the server's answer (the same HTML a form post without JavaScript gets). Digits, * and # typed anywhere
// outside a text box press the keypad's keys. The newest words the line says are announced to screen readers, and
// its audio, where the line has audio, plays in order.
(function () {
  "use strict";

  var KEYS = "0123456789*#";

  function simulator() {
    return document.getElementById("simulator");
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function announce(region) {
    var status = document.getElementById("simulator-status");
    var latest = region.querySelector(".latest, .chat li:last-child");
    if (status && latest) {
      status.textContent = latest.textContent.replace(/\s+/g, " ").trim();
    }
  }

  // The audio the line just played, one part after another, as the caller would hear it (a part without audio
  // is read by Twilio's voice, which the browser cannot play: its words are on the page).
  function playInTurn(region) {
    var parts = Array.prototype.slice.call(region.querySelectorAll(".latest audio"));
    function next() {
      var part = parts.shift();
      if (!part) {
        return;
      }
      part.addEventListener("ended", next, {once: true});
      var playing = part.play();
      if (playing && playing.catch) {
        playing.catch(function () { parts = []; });  // autoplay refused: the play buttons remain
      }
    }
    next();
  }

  function focusAfter(region, submitter) {
    var target = null;
    if (submitter && submitter.dataset.key) {
      target = region.querySelector('[data-key="' + submitter.dataset.key + '"]');
    }
    if (!target && submitter && (submitter.value === "speech" || submitter.value === "unclear-speech")) {
      target = region.querySelector("#speech");
    }
    target = target || region.querySelector("#text-body") || region.querySelector(".key") ||
      region.querySelector("h2");
    if (target) {
      if (target.tagName === "H2") {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
  }

  function send(form, submitter) {
    var body = new FormData(form);
    if (submitter && submitter.name) {
      body.append(submitter.name, submitter.value);
    }
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    fetch(form.action, {method: "POST", body: body, credentials: "same-origin",
                        headers: {"X-CSRF-Token": csrfToken()}})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("simulator");
        if (!fresh) {  // not a simulator page (signed out, an expired form): let the browser show it
          form.dataset.plain = "yes";
          buttons.forEach(function (button) { button.disabled = false; });
          form.requestSubmit(submitter || undefined);
          return;
        }
        simulator().replaceWith(fresh);
        announce(fresh);
        playInTurn(fresh);
        focusAfter(fresh, submitter);
      })
      .catch(function () {
        form.dataset.plain = "yes";
        buttons.forEach(function (button) { button.disabled = false; });
        form.requestSubmit(submitter || undefined);
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!simulator() || !simulator().contains(form) || form.dataset.plain === "yes") {
      return;
    }
    event.preventDefault();
    send(form, event.submitter);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || KEYS.indexOf(event.key) < 0) {
      return;
    }
    var typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    var region = simulator();
    if (typing || !region) {
      return;
    }
    var key = region.querySelector('.keypad [data-key="' + event.key + '"]');
    if (key && !key.disabled) {
      event.preventDefault();
      key.click();
    }
  });
}());
