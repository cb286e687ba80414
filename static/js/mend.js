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

  // A file over the attachment limit is said at once, not after sending it
  // (the server refuses it too).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "file" || !input.dataset.maxBytes) return;
    var limit = Number(input.dataset.maxBytes);
    var file = input.files && input.files[0];
    var mb = function (n) { return (n / 1048576).toFixed(1).replace(/\.0$/, ""); };
    input.setCustomValidity(file && file.size > limit
      ? "This file is " + mb(file.size) + " MB; a file may be at most " + mb(limit) + " MB."
      : "");
    input.reportValidity();
  });

  // The case page: its forms post through htmx and the answer carries the
  // changed parts of the page, each swapped in by id (hx-swap-oob). A part
  // holding a form someone is typing in, other than the one just sent, is
  // left as it is, so nothing typed is lost; the reader keeps their place.
  var sentForm = null;
  var sentPart = "";
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    sentForm = elt && elt.tagName === "FORM" ? elt : null;
    var part = sentForm && sentForm.closest("[id^='form-']");
    sentPart = part ? part.id : "";
  });
  function changed(form) {
    return Array.prototype.some.call(form.elements, function (field) {
      // Only what a person types or picks (a live counter is an <output>).
      if (["INPUT", "SELECT", "TEXTAREA"].indexOf(field.tagName) < 0) return false;
      if (["hidden", "submit", "button"].indexOf(field.type) >= 0) return false;
      if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
      if (field.tagName === "SELECT") {
        var options = Array.prototype.slice.call(field.options);
        var chosen = options.filter(function (o) { return o.defaultSelected; });
        // With no option marked, a single select starts on its first one.
        if (!chosen.length && !field.multiple) return field.selectedIndex > 0;
        return options.some(function (o) { return o.selected !== o.defaultSelected; });
      }
      return field.value !== field.defaultValue;
    });
  }
  // Before a part is swapped: a form being typed in (not the one sent) is
  // kept as typed. It is still based on the case as it is now, unless it
  // edits the case's own fields (details, root cause): there a change made
  // by someone else meanwhile must be seen first, so its version stays.
  function keepVersion(form, fresh) {
    if (form.closest("[data-edits-case]") || !fresh) return;
    var now = fresh.querySelector("[name$=version]");
    var kept = form.querySelector("[name$=version]");
    if (now && kept) kept.value = now.value;
  }
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var part = event.detail.target;
    var fragment = event.detail.fragment;
    if (part.id === "case-page") {
      // The step changed: the whole page comes new, but each form part
      // someone is typing in stays as it is (htmx's hx-preserve).
      part.querySelectorAll("[id^='form-']").forEach(function (old) {
        var form = old.querySelector("form");
        if (!form || form === sentForm || !changed(form)) return;
        var fresh = fragment.querySelector("#" + old.id);
        if (!fresh) return;
        keepVersion(form, fresh);
        fresh.setAttribute("hx-preserve", "true");
      });
      return;
    }
    if (sentForm && part.contains(sentForm)) return;
    var forms = part.tagName === "FORM" ? [part] : part.querySelectorAll("form");
    var typing = Array.prototype.filter.call(forms, changed);
    if (!typing.length) return;
    event.detail.shouldSwap = false;
    typing.forEach(function (form) { keepVersion(form, fragment.querySelector("#" + part.id)); });
  });
  document.body.addEventListener("htmx:oobAfterSwap", function (event) {
    var part = event.target;
    if (part.id === "case-page") {
      // The step changed: the reader starts at the new step's heading.
      var heading = document.getElementById("step-heading");
      if (heading) heading.focus();
    } else if (sentPart && part.id === sentPart) {
      // The form just sent, drawn again: on a refusal its first marked field,
      // otherwise the form's own place, where the reader was.
      var invalid = part.querySelector(".is-invalid");
      if (invalid) invalid.focus();
      else part.focus({ preventScroll: true });
    }
  });
  // A refused request (gone, forbidden, failed): show the page as the server has it.
  document.body.addEventListener("htmx:responseError", function () {
    if (document.querySelector("[data-case-page]")) window.location.reload();
  });
  // "Promise it", "Offer it as compensation": the prefilled form comes in;
  // open its fold and take the reader there.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var part = event.detail.target;
    if (!part || !part.id || part.id.indexOf("form-") !== 0) return;
    var fold = part.closest("details");
    if (fold) fold.open = true;
    part.focus();
  });
})();
