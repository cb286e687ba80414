// Copy buttons (the link to the client's promise page): shown only where
// script runs; without it the link is there to select and copy by hand.
(function () {
  "use strict";
  function reveal(root) {
    root.querySelectorAll("[data-copy-from][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  function said(button, text) {
    var out = document.getElementById(button.dataset.copied);
    if (out) out.textContent = text;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-from]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copyFrom);
    if (!field) return;
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { said(button, "Copied."); },
        function () { said(button, "Press Ctrl+C (or ⌘C) to copy the selected link."); }
      );
    } else {
      said(button, "Press Ctrl+C (or ⌘C) to copy the selected link.");
    }
  });
  // After sharing (or a refused share), the card comes back in place: the
  // reader lands on the new link, or on the field to correct.
  document.body.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.target.id !== "promise-share") return;
    var next = event.target.querySelector(".is-invalid, #promise-share-link");
    if (next) next.focus();
  });
  reveal(document);
  // Parts of the case page swapped in by htmx.
  document.body.addEventListener("htmx:load", function (event) { reveal(event.target); });
})();
