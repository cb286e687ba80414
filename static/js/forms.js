// Forms that say what they need: a counter as a text nears its limit, and
// focus on the error summary after a refused save. In a file: the
// Content-Security-Policy allows no inline script. Without JavaScript the
// limit is still said under each field and the summary still heads the form.
(function () {
  "use strict";
  // The counter shows from this share of the limit on.
  var NEAR = 0.8;
  // Screen readers hear the count once typing pauses, not at every key.
  var QUIET_MS = 1000;

  // Counted as the server counts: in characters, a line break as the two
  // the browser sends (CR LF).
  function length(value) {
    return Array.from(value.replace(/\r?\n/g, "\r\n")).length;
  }

  function plural(n, word) {
    return n.toLocaleString() + " " + word + (n === 1 ? "" : "s");
  }

  function countField(field) {
    if (field.dataset.counted === "yes") return;
    var limit = parseInt(field.dataset.limit, 10);
    if (!limit) return;
    field.dataset.counted = "yes";
    // The browser's maxlength cuts a pasted text without a word; with the
    // counter the user sees how much is over, and the server refuses it.
    field.removeAttribute("maxlength");
    var count = document.createElement("div");
    count.className = "form-text mend-count";
    count.setAttribute("aria-hidden", "true");
    count.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    status.setAttribute("data-count-status", "");
    var help = field.id && document.getElementById(field.id + "_helptext");
    var after = help || field;
    after.insertAdjacentElement("afterend", count);
    count.insertAdjacentElement("afterend", status);
    var timer = null;

    function update() {
      var used = length(field.value);
      var near = used >= limit * NEAR;
      var over = used - limit;
      count.hidden = !near;
      count.classList.toggle("text-danger", over > 0);
      count.classList.toggle("fw-semibold", over > 0);
      count.textContent = near
        ? used.toLocaleString() + " / " + limit.toLocaleString() +
          (over > 0 ? ": " + plural(over, "character") + " too many" : "")
        : "";
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (!near) {
          status.textContent = "";
        } else if (over > 0) {
          status.textContent = plural(over, "character") + " too many";
        } else {
          status.textContent = plural(limit - used, "character") + " left";
        }
      }, QUIET_MS);
    }

    field.addEventListener("input", update);
    update();
  }

  function setUp(root) {
    root.querySelectorAll("[data-limit]").forEach(countField);
    var summary = root.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  // A link in the summary puts the cursor in its field, label in view.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    var label = document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    setUp(event.target);
  });
  setUp(document);
})();
