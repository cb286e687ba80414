// Forms with rows (a formset): "Add another" appends a blank row from the
// form's <template>, numbered as Django's formset expects, and counts it in
// TOTAL_FORMS. In a file: the Content-Security-Policy allows no inline
// script. Without JavaScript the button stays hidden and the blank rows the
// server drew are there to fill.
(function () {
  "use strict";

  function reveal(root) {
    root.querySelectorAll("[data-add-row]").forEach(function (button) {
      var rows = button.closest("[data-rows]");
      var total = rows && rows.querySelector("input[name$='-TOTAL_FORMS']");
      var most = parseInt(button.dataset.max, 10);
      button.hidden = !total || parseInt(total.value, 10) >= most;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (!button) return;
    var rows = button.closest("[data-rows]");
    var total = rows.querySelector("input[name$='-TOTAL_FORMS']");
    var template = rows.querySelector("template[data-row-template]");
    var list = rows.querySelector("[data-row-list]");
    var index = parseInt(total.value, 10);
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.firstElementChild;
    var legend = row.querySelector("legend");
    if (legend) legend.textContent = "Promise " + (index + 1);
    list.appendChild(row);
    total.value = String(index + 1);
    reveal(rows);
    var first = row.querySelector("input, textarea, select");
    if (first) first.focus();
  });

  document.body.addEventListener("htmx:afterSettle", function () {
    reveal(document);
  });
  reveal(document);
})();
