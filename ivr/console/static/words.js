// Live checks on the words page: as staff type, ask the server what content check says about the file
// (the same checks and HTML the page renders without JavaScript) and show it in the file's live region.
"use strict";

(function () {
  const WAIT_MS = 400; // after the last key, so a check is not sent for every letter
  const token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  function watch(form) {
    const area = form.querySelector("textarea");
    const name = form.querySelector('input[name="name"]').value;
    const region = document.getElementById(area.getAttribute("aria-describedby"));
    let timer = null;
    let asked = 0;
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(async function () {
        const mine = ++asked;
        try {
          const answer = await fetch(form.dataset.checkUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
            body: JSON.stringify({ name: name, text: area.value }),
          });
          const found = await answer.json();
          if (mine !== asked) return; // a newer check is on its way
          if (found.html !== undefined) {
            region.innerHTML = found.html;
          } else {
            region.textContent = "Checks unavailable: " + (found.error || answer.status) + ". Use Check.";
          }
        } catch (error) {
          region.textContent = "Checks unavailable (" + error + "). Use Check.";
        }
      }, WAIT_MS);
    });
  }

  document.querySelectorAll("form.words-form").forEach(watch);
})();
