// Follows a background import: polls the job's progress.json every second, moves the bar, and reloads
// the page when the job leaves the background (checked, imported or failed). A separate file rather than
// an inline script: the Content-Security-Policy allows scripts from 'self' only.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var meter = box.querySelector("[role=progressbar]");
  var bar = box.querySelector(".progress-bar");
  var text = box.querySelector("[data-progress-text]");
  var url = box.getAttribute("data-url");
  var phases = JSON.parse(box.getAttribute("data-phases"));
  var rowsWord = box.getAttribute("data-rows-word");

  // the starting width, set through the CSSOM (the CSP refuses style attributes in the markup)
  bar.style.width = meter.getAttribute("aria-valuenow") + "%";

  function show(state) {
    var phase = phases[state.phase] || phases[state.status] || "";
    if (state.percent !== null && state.percent !== undefined) {
      bar.style.width = state.percent + "%";
      meter.setAttribute("aria-valuenow", String(state.percent));
      bar.textContent = state.percent + "%";
      text.textContent = phase + " · " + state.done + " / " + state.total + " " + rowsWord;
    } else {
      bar.style.width = "100%";
      text.textContent = phase + (state.done ? " · " + state.done + " " + rowsWord : "");
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 3000); return; }
        if (!state.running || state.interrupted) { window.location.reload(); return; }
        show(state);
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
