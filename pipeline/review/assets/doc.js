// Document page: the filter box above the facts hides the rows (and emptied section groups) that do not match.
(function () {
  "use strict";
  var box = document.querySelector("#facts input.filter");
  if (!box) return;
  var groups = document.querySelectorAll("#facts .group");
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase();
    groups.forEach(function (g) {
      var any = false;
      g.querySelectorAll("tbody tr").forEach(function (tr) {
        var hit = !q || tr.textContent.toLowerCase().indexOf(q) >= 0;
        tr.hidden = !hit;
        any = any || hit;
      });
      g.hidden = !any;
    });
  });
})();
