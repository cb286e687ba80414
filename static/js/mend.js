// Mend's own behaviour. Kept in a file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  // Send Django's CSRF token with every htmx request.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) {
      event.detail.headers["X-CSRFToken"] = token.value;
    }
  });
  // One click, one submit: a second click while the first is on its way does
  // nothing. (The server also refuses a repeated one-time form.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-one-submit")) return;
    if (form.dataset.sent === "yes") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "yes";
    window.setTimeout(function () { form.dataset.sent = ""; }, 8000);
  });
})();
