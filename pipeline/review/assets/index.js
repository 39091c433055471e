// Review index: loads the row shards (index/rows-NNNNN.js, plain <script> elements, so it works from file://),
// then sorts, filters and pages every document in the browser. The view is kept in the address's #fragment
// (q, year, doc_type, only, sort, dir, page), so a filtered list can be bookmarked or shared.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("review-data").textContent);
  var col = {};
  cfg.fields.forEach(function (name, i) { col[name] = i; });
  var NUMERIC = { year: 1, facts: 1, errors: 1, warnings: 1, placeholders: 1, tables: 1 };
  var COUNTS = ["facts", "errors", "warnings", "placeholders", "tables"];
  var form = document.getElementById("controls");
  var status = document.getElementById("status");
  var tbody = document.querySelector("#docs tbody");
  var heads = document.querySelectorAll("#docs th[data-key]");
  var pager = document.getElementById("pager");
  var parts = new Array(cfg.shards), loaded = 0, failed = 0, rows = [], view = [];
  var state = { q: "", year: "", doc_type: "", only: [], sort: "", dir: "", page: 1 };

  window.reviewRows = function (n, data) {
    if (parts[n] === undefined) { parts[n] = data; loaded += 1; }
    if (loaded === cfg.shards) ready();
    else status.textContent = "正在载入索引 " + loaded + " / " + cfg.shards + " …";
  };
  for (var i = 0; i < cfg.shards; i++) {
    var s = document.createElement("script");
    s.src = "index/rows-" + ("0000" + i).slice(-5) + ".js";
    s.onerror = function () { failed += 1; status.textContent = "索引文件缺失（" + failed + " 个）：请重新生成审阅页。"; };
    document.head.appendChild(s);
  }

  function ready() {
    for (var p = 0; p < parts.length; p++) rows = rows.concat(parts[p]);
    rows.forEach(function (r, n) {
      r.order = n;
      r.text = [r[col.issuer], r[col.stem], r[col.file]].join(" ").toLowerCase();
    });
    readHash();
    form.hidden = false;
    pager.hidden = false;
    form.addEventListener("input", function () { readForm(); state.page = 1; update(); });
    form.addEventListener("change", function () { readForm(); state.page = 1; update(); });
    heads.forEach(function (th) {
      var go = function () { sortBy(th.dataset.key); };
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") go(); });
    });
    pager.addEventListener("click", function (e) {
      var step = Number(e.target.dataset && e.target.dataset.step);
      if (step) { state.page += step; update(); }
    });
    window.addEventListener("hashchange", function () { readHash(); update(false); });
    update(false);
    document.documentElement.dataset.readyMs = String(Math.round(performance.now()));  // read by the benchmark
  }

  function readHash() {
    var h = new URLSearchParams(location.hash.slice(1));
    state.q = h.get("q") || "";
    state.year = h.get("year") || "";
    state.doc_type = h.get("doc_type") || "";
    state.only = (h.get("only") || "").split(",").filter(Boolean);
    state.sort = col[h.get("sort")] !== undefined ? h.get("sort") : "";
    state.dir = h.get("dir") === "asc" ? "asc" : h.get("dir") === "desc" ? "desc" : "";
    state.page = Math.max(1, parseInt(h.get("page"), 10) || 1);
    form.elements.q.value = state.q;
    form.elements.year.value = state.year;
    form.elements.doc_type.value = state.doc_type;
    form.querySelectorAll("input[name=only]").forEach(function (b) { b.checked = state.only.indexOf(b.value) >= 0; });
  }

  function readForm() {
    state.q = form.elements.q.value.trim();
    state.year = form.elements.year.value;
    state.doc_type = form.elements.doc_type.value;
    state.only = [];
    form.querySelectorAll("input[name=only]:checked").forEach(function (b) { state.only.push(b.value); });
  }

  function sortBy(key) {
    if (state.sort === key) state.dir = state.dir === "asc" ? "desc" : "asc";
    else { state.sort = key; state.dir = NUMERIC[key] ? "desc" : "asc"; }
    state.page = 1;
    update();
  }

  function keep(r) {
    if (state.q && r.text.indexOf(state.q.toLowerCase()) < 0) return false;
    if (state.year && String(r[col.year]) !== state.year) return false;
    if (state.doc_type && r[col.doc_type] !== state.doc_type) return false;
    for (var k = 0; k < state.only.length; k++) if (!(r[col[state.only[k]]] > 0)) return false;
    return true;
  }

  function byDefault(a, b) {  // most errors, warnings, placeholders, tables not understood first; then by name
    var keys = ["errors", "warnings", "placeholders", "tables"];
    for (var k = 0; k < keys.length; k++) {
      var d = b[col[keys[k]]] - a[col[keys[k]]];
      if (d) return d;
    }
    return a[col.stem] < b[col.stem] ? -1 : a[col.stem] > b[col.stem] ? 1 : 0;
  }

  function compare(a, b) {
    if (!state.sort) return byDefault(a, b);
    var i = col[state.sort], x = a[i], y = b[i], sign = state.dir === "asc" ? 1 : -1;
    var xe = x === null || x === "", ye = y === null || y === "";
    if (xe || ye) return xe && ye ? a.order - b.order : xe ? 1 : -1;  // blanks last either way
    if (x < y) return -sign;
    if (x > y) return sign;
    return a.order - b.order;
  }

  function update(push) {
    var started = performance.now();
    view = rows.filter(keep).sort(compare);
    var pages = Math.max(1, Math.ceil(view.length / cfg.page));
    state.page = Math.min(state.page, pages);
    var start = (state.page - 1) * cfg.page;
    render(view.slice(start, start + cfg.page));
    heads.forEach(function (th) {
      var on = th.dataset.key === state.sort;
      if (on) th.setAttribute("aria-sort", state.dir === "asc" ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
    document.getElementById("page-label").textContent =
      (view.length ? start + 1 : 0) + "–" + Math.min(start + cfg.page, view.length) + " / " + view.length +
      "（第 " + state.page + " / " + pages + " 页）";
    pager.querySelector("[data-step='-1']").disabled = state.page <= 1;
    pager.querySelector("[data-step='1']").disabled = state.page >= pages;
    status.textContent = "共 " + rows.length + " 份，符合条件 " + view.length + " 份";
    if (push !== false) writeHash();
    document.documentElement.dataset.updateMs = String(Math.round(performance.now() - started));
  }

  function writeHash() {
    var h = new URLSearchParams();
    ["q", "year", "doc_type", "sort", "dir"].forEach(function (k) { if (state[k]) h.set(k, state[k]); });
    if (state.only.length) h.set("only", state.only.join(","));
    if (state.page > 1) h.set("page", String(state.page));
    var text = h.toString();
    history.replaceState(null, "", text ? "#" + text : location.pathname + location.search);
  }

  function cell(tr, text, css) {
    var td = document.createElement("td");
    td.textContent = text;
    if (css) td.className = css;
    tr.appendChild(td);
    return td;
  }

  function render(page) {
    var frag = document.createDocumentFragment();
    page.forEach(function (r) {
      var tr = document.createElement("tr");
      var a = document.createElement("a");
      a.href = "docs/" + encodeURIComponent(r[col.stem]) + ".html";
      a.textContent = r[col.issuer] || r[col.stem];
      cell(tr, "").appendChild(a);
      cell(tr, r[col.year] === null ? "" : String(r[col.year]));
      cell(tr, r[col.doc_type]);
      COUNTS.forEach(function (k) {
        cell(tr, String(r[col[k]]), "num" + (k === "errors" && r[col[k]] > 0 ? " bad" : ""));
      });
      cell(tr, r[col.file], "muted");
      frag.appendChild(tr);
    });
    tbody.replaceChildren(frag);
  }
})();
