// The case list's filters: folded behind "Filters" on a phone, open on a wide
// screen. Without this script they stay folded and the button still opens them
// (a plain <details>), so nothing depends on it.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 992px)");
  document.querySelectorAll("details[data-open-wide]").forEach(function (fold) {
    if (wide.matches) {
      fold.open = true;
    }
  });
})();
