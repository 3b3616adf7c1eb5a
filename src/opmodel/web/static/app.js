// The web app's own script: the CSRF token on every htmx request, charts drawn with
// vega-embed from specs inlined as JSON (the report's chart specs).
(function () {
  "use strict";
  function token() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (ev) {
    ev.detail.headers["X-CSRF-Token"] = token();
  });
  function charts(root) {
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var src = document.getElementById(el.dataset.chart);
      if (!src || typeof vegaEmbed !== "function") { return; }
      el.dataset.drawn = "1";
      vegaEmbed(el, JSON.parse(src.textContent), {actions: false, renderer: "svg"})
        .catch(function (err) { el.textContent = "The chart could not be drawn: " + err; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    charts(document);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  });
  // a capability × unit cell: its provenance panel (one listener for the whole table)
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest("table.heat td.cell button") : null;
    if (!btn) { return; }
    var table = btn.closest("table.heat");
    var parts = btn.parentElement.dataset.cell.split("/");
    var url = table.dataset.explain.replace("{col}", encodeURIComponent(parts[0]))
      .replace("{unit}", encodeURIComponent(parts[1]));
    htmx.ajax("GET", url, {target: "#panel", swap: "innerHTML"});
  });
  document.addEventListener("htmx:afterSettle", function () { charts(document); });
  // a message located at a field: following it puts the keyboard in that field
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest('.msg a[href^="#f-"]') : null;
    var field = a ? document.getElementById(a.getAttribute("href").slice(1)) : null;
    if (field) { ev.preventDefault(); field.focus(); field.scrollIntoView({block: "center"}); }
  });
  // a row added to a list field of a form (the initiative's effects, team demand): the
  // keyboard goes on in its first field
  document.addEventListener("htmx:afterSwap", function (ev) {
    var box = ev.detail.target;
    if (!box || !box.id || box.id.slice(-5) !== "-rows") { return; }
    var rows = box.querySelectorAll("[data-row]");
    var first = rows.length ? rows[rows.length - 1].querySelector("input") : null;
    if (first) { first.focus(); }
  });
})();
