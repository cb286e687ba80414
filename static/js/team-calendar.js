// The team calendar page: the region list follows the chosen country.
// Without this script the page still works: the server lists the regions of
// the country saved (or just submitted) and refuses a region of another one.
(function () {
  "use strict";
  var form = document.querySelector("form[data-holiday-regions]");
  var data = document.getElementById("holiday-regions");
  if (!form || !data) return;
  var regions = JSON.parse(data.textContent);
  var country = form.querySelector("select[name=holiday_country]");
  var region = form.querySelector("select[name=holiday_subdivision]");
  if (!country || !region) return;
  var whole = region.options[0] ? region.options[0].text : "";
  var hint = form.querySelector("[data-region-hint]");
  if (hint) hint.hidden = true;

  country.addEventListener("change", function () {
    var chosen = region.value;
    var list = regions[country.value] || [];
    region.replaceChildren(new Option(whole, ""));
    list.forEach(function (pair) {
      region.add(new Option(pair[1], pair[0], false, pair[0] === chosen));
    });
    region.disabled = list.length === 0;
  });
  region.disabled = (regions[country.value] || []).length === 0;
})();
