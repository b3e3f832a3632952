// luban's site: filtering and sorting of the workshops table, and dimming the map's
// markers of the rows filtered out. The page reads without it.
(function () {
  "use strict";
  var table = document.getElementById("workshop-table");
  var filters = document.getElementById("filters");
  if (!table || !filters) {
    return;
  }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById("filter-text");
  var country = document.getElementById("filter-country");
  var status = document.getElementById("filter-status");
  var count = document.getElementById("filter-count");
  var markers = document.querySelectorAll(".marker");
  filters.hidden = false;

  function apply() {
    var q = text.value.trim().toLowerCase();
    var shown = {};
    var n = 0;
    rows.forEach(function (r) {
      var ok = (!country.value || r.getAttribute("data-country") === country.value) &&
        (!status.value || r.getAttribute("data-status") === status.value) &&
        (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) {
        shown[r.getAttribute("data-workshop-id")] = true;
        n += 1;
      }
    });
    Array.prototype.forEach.call(markers, function (m) {
      m.classList.toggle("dim", !shown[m.getAttribute("data-workshop-id")]);
    });
    count.textContent = n + " of " + rows.length + " workshops shown";
  }
  [text, country, status].forEach(function (el) {
    el.addEventListener("input", apply);
    el.addEventListener("change", apply);
  });

  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, k) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(b);
    b.addEventListener("click", function () {
      var up = th.getAttribute("aria-sort") !== "ascending";
      var numeric = th.getAttribute("data-type") === "number";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var key = function (r) { return r.cells[k].textContent.trim(); };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return up ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  apply();
}());
