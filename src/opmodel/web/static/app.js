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
    var a = ev.target.closest ? ev.target.closest('.msg a[href^="#"]') : null;
    var field = a ? document.getElementById(a.getAttribute("href").slice(1)) : null;
    if (field) { ev.preventDefault(); field.focus(); field.scrollIntoView({block: "center"}); }
  });
  // a row added to a list field of a form (the initiative's effects, team demand): the
  // keyboard goes on in its first field
  // a form's located messages come back as 422 with the messages to show (htmx swaps
  // only 2xx by default): forms marked data-swap-422 show them, and the fields they name
  // (data-fields) are marked invalid, the others cleared
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var form = ev.detail.requestConfig ? ev.detail.requestConfig.elt : null;
    if (ev.detail.xhr.status === 422 && form && form.closest &&
        form.closest("[data-swap-422]")) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSwap", function (ev) {
    var msg = ev.detail.target ? ev.detail.target.querySelector("[data-fields]") : null;
    var form = ev.detail.requestConfig ? ev.detail.requestConfig.elt : null;
    if (!form || !form.closest || !form.closest("[data-swap-422]")) { return; }
    var bad = msg ? msg.dataset.fields.split(" ") : [];
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
    bad.forEach(function (id) {
      var el = id ? document.getElementById(id) : null;
      if (el) { el.setAttribute("aria-invalid", "true"); }
    });
  });
  // pickers (several of the model's ids: boxes to tick under a filter box): the filter
  // hides what does not match (ticked boxes stay), Enter in it ticks the first match
  // instead of sending the form, and the line under it sums up what is ticked
  function pickerOf(el) {
    return el && el.closest ? el.closest("[data-picker]") : null;
  }
  function pickerSum(box) {
    var out = box.querySelector(".picker-chosen");
    if (!out) { return; }
    var names = [];
    box.querySelectorAll(".pick input:checked").forEach(function (cb) {
      names.push(cb.dataset.name);
    });
    out.textContent = names.length ? "Chosen (" + names.length + "): " + names.join(", ")
      : (out.dataset.none || "None chosen.");
  }
  function pickerMatches(box, q) {
    var hits = [];
    box.querySelectorAll(".pick").forEach(function (row) {
      var cb = row.querySelector("input");
      var hit = q === "" || row.dataset.key.indexOf(q) >= 0;
      row.hidden = !hit && !cb.checked;
      if (hit && !cb.checked) { hits.push(cb); }
    });
    return hits;
  }
  // one box of a picker's list is in the Tab order (the list is one stop, not one per
  // choice); the arrow keys, Home and End move between the boxes shown
  function pickerBoxes(box) {
    return Array.prototype.filter.call(box.querySelectorAll(".pick input[type=checkbox]"),
      function (cb) { return !cb.closest(".pick").hidden; });
  }
  function pickerRove(box, to) {
    var boxes = pickerBoxes(box);
    box.querySelectorAll(".pick input[type=checkbox]").forEach(function (cb) {
      cb.tabIndex = -1;
    });
    var keep = to || boxes.filter(function (cb) { return cb.dataset.rove; })[0] || boxes[0];
    box.querySelectorAll("[data-rove]").forEach(function (cb) { delete cb.dataset.rove; });
    if (keep && boxes.indexOf(keep) >= 0) { keep.tabIndex = 0; keep.dataset.rove = "1"; }
    else if (boxes.length) { boxes[0].tabIndex = 0; boxes[0].dataset.rove = "1"; }
    return boxes;
  }
  function pickersIn(root) {
    root.querySelectorAll("[data-picker]").forEach(function (box) { pickerRove(box); });
  }
  document.addEventListener("DOMContentLoaded", function () { pickersIn(document); });
  document.addEventListener("htmx:afterSettle", function (ev) {
    pickersIn(ev.detail.target || document);
  });
  document.addEventListener("input", function (ev) {
    var box = ev.target.classList && ev.target.classList.contains("picker-filter")
      ? pickerOf(ev.target) : null;
    if (box) { pickerMatches(box, ev.target.value.trim().toLowerCase()); pickerRove(box); }
  });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    var box = pickerOf(t);
    if (!box || !t.classList) { return; }
    if (t.classList.contains("picker-filter")) {
      if (ev.key === "ArrowDown") {  // from the filter into the list
        ev.preventDefault();
        var first = pickerBoxes(box)[0];
        if (first) { pickerRove(box, first); first.focus(); }
      } else if (ev.key === "Enter") {  // ticks the first match, never sends the form
        ev.preventDefault();
        var q = t.value.trim().toLowerCase();
        var hits = q ? pickerMatches(box, q) : [];
        if (hits.length) {
          hits[0].checked = true;
          pickerKeep(box, hits[0]);
          pickerSum(box);
          pickerRove(box, hits[0]);
        }
      }
      return;
    }
    if (t.type !== "checkbox" || !t.closest(".pick")) { return; }
    var boxes = pickerBoxes(box);
    var k = boxes.indexOf(t);
    var to = {ArrowDown: k + 1, ArrowRight: k + 1, ArrowUp: k - 1, ArrowLeft: k - 1,
              Home: 0, End: boxes.length - 1}[ev.key];
    if (to === undefined) { return; }
    ev.preventDefault();
    if (to < 0 && ev.key === "ArrowUp") {  // above the first box: back to the filter
      var filter = box.querySelector(".picker-filter");
      if (filter) { filter.focus(); }
      return;
    }
    to = Math.max(0, Math.min(boxes.length - 1, to));
    pickerRove(box, boxes[to]);
    boxes[to].focus();
  });
  // a long picker's search answer (/ui/pick): a box ticked there joins the chosen ones
  // (so the next search keeps it); matches already chosen are not shown twice
  function pickerKeep(box, cb) {
    var picked = box.querySelector(".picker-picked");
    if (!cb.checked || !picked || !cb.closest(".picker-found")) { return; }
    var had = document.activeElement === cb;
    picked.appendChild(cb.closest(".pick"));
    if (had) { cb.focus(); }
  }
  document.addEventListener("htmx:afterSwap", function (ev) {
    var found = ev.detail.target;
    if (!found || !found.classList || !found.classList.contains("picker-found")) { return; }
    var box = pickerOf(found);
    var have = {};
    box.querySelectorAll(".picker-picked input").forEach(function (cb) { have[cb.value] = 1; });
    found.querySelectorAll(".pick input").forEach(function (cb) {
      if (have[cb.value]) { cb.closest(".pick").remove(); }
    });
    pickerRove(box);
  });
  document.addEventListener("change", function (ev) {
    var box = ev.target.type === "checkbox" ? pickerOf(ev.target) : null;
    if (box) { pickerKeep(box, ev.target); pickerSum(box); pickerRove(box, ev.target); }
  });
  document.addEventListener("htmx:afterSwap", function (ev) {
    var box = ev.detail.target;
    if (!box || !box.id || box.id.slice(-5) !== "-rows") { return; }
    var rows = box.querySelectorAll("[data-row]");
    var first = rows.length ? rows[rows.length - 1].querySelector("input") : null;
    if (first) { first.focus(); }
  });
})();
