// The notification settings page: your own days and hours can be edited
// only while "My own working hours" is chosen, so nothing typed there is
// silently ignored. Without this script the server ignores them for "team".
(function () {
  "use strict";
  var choices = document.querySelectorAll("input[name=hours]");
  if (!choices.length) return;
  var fields = document.querySelectorAll(
    "input[name=work_days], input[name=work_start], input[name=work_end]"
  );
  function follow() {
    var own = document.querySelector("input[name=hours][value=own]");
    var editable = own && own.checked;
    fields.forEach(function (field) {
      field.disabled = !editable;
    });
  }
  choices.forEach(function (choice) {
    choice.addEventListener("change", follow);
  });
  follow();
})();
