// The insights period form: typing a date means "the dates I choose".
(function () {
  "use strict";
  var form = document.getElementById("insights-form");
  if (!form) return;
  var preset = form.querySelector("select[name=period]");
  form.querySelectorAll("input[type=date]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (preset && input.value) preset.value = "custom";
    });
  });
})();
