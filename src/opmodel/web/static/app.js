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
})();
