/* opmodel planning report: draws the charts (Vega-Lite, inlined) and wires the interactions.
   Everything it needs is in the page: no network. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var EMBED = { renderer: "svg", actions: false, logLevel: 1 };  // 1: only errors from Vega
  var views = {};

  function $(sel) { return document.querySelector(sel); }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  // like Python's format(x, ".4g")
  function g4(x) { return x == null ? "–" : String(Number(Number(x).toPrecision(4))); }

  /* ---- packed chart data (see opmodel.report.html.pack_records) ---- */
  function column(col, n) {
    if (Array.isArray(col)) return col;
    var out = new Array(n);
    for (var k = 0; k < n; k++) out[k] = col.d[col.i[k]];
    return out;
  }
  function unpackRecords(p) {
    var names = Object.keys(p.c), cols = {}, out = new Array(p.n);
    names.forEach(function (f) { cols[f] = column(p.c[f], p.n); });
    for (var k = 0; k < p.n; k++) {
      var r = {};
      for (var j = 0; j < names.length; j++) r[names[j]] = cols[names[j]][k];
      out[k] = r;
    }
    return out;
  }
  function unpack(x) {
    if (Array.isArray(x)) return x.map(unpack);
    if (x && typeof x === "object") {
      if (x.__packed) return unpackRecords(x.__packed);
      var o = {};
      Object.keys(x).forEach(function (k) { o[k] = unpack(x[k]); });
      return o;
    }
    return x;
  }

  /* ---- charts fitted to their box ----
     The specs are the ones written as PNG and SVG beside the report. A chart wider than its
     box (a phone, a narrow window, a large model) is drawn again, in this page only: a single
     or layered view takes the width of its box (Vega-Lite "container" width, autosize fit-x),
     panels side by side are stacked, facets by column become facets by row or wrap into fewer
     columns, and fixed widths shrink by what still sticks out. A chart still too wide after
     that is scaled down. The steps taken are remembered per chart and width, so the plateau
     slider draws each quarter once, and done again when the window is resized. */
  var clicks = {};  // name -> function (datum): what a click on a mark of that chart does
  var last = {};    // name -> {el, spec}: the chart drawn last in each place (for resizing)
  var memo = {};    // name -> {room, plan}: how the chart was fitted to a box of that width

  function copy(x) { return JSON.parse(JSON.stringify(x)); }
  function svgWidth(el) {
    var svg = el.querySelector("svg");
    return svg ? svg.getBoundingClientRect().width : 0;
  }
  function isView(s) { return !!(s.mark || s.layer) && !s.facet && !s.repeat; }
  // every object of a spec but its data
  function visit(v, fn) {
    if (Array.isArray(v)) { v.forEach(function (x) { visit(x, fn); }); return; }
    if (!v || typeof v !== "object") return;
    fn(v);
    Object.keys(v).forEach(function (k) { if (k !== "data" && k !== "datasets") visit(v[k], fn); });
  }
  // a title cut into lines that fit `room` px (Vega draws an array as lines)
  function lines(text, room, size) {
    if (typeof text !== "string") return text;
    var per = Math.max(12, Math.floor(room / (size * 0.62))), out = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > per) { out.push(line); line = word; }
      else line = line ? line + " " + word : word;
    });
    if (line) out.push(line);
    return out.length > 1 ? out : text;
  }
  // a heat map (units as rows, stages or capabilities as columns)
  function heatColumns(s) {
    var found = null;
    (s.layer || []).forEach(function (l) {
      var e = l.encoding;
      if (!found && e && e.x && e.x.field === "column_name" && e.y && e.y.field === "row_name")
        found = Array.isArray(e.x.sort) ? e.x.sort.length : 1;
    });
    return found;
  }
  // cells too small for their numbers: the tooltips keep them
  function numbersOff(s) {
    s.layer = s.layer.filter(function (l) {
      return !(l.encoding && l.encoding.text && l.encoding.text.field === "label");
    });
  }
  // a heat map turned a quarter: units across, stages or capabilities down the page
  function turn(s, room) {
    s.layer = s.layer.filter(function (l) { return !/^stage-/.test(l.name || ""); });
    var units = 1;
    s.layer.forEach(function (l) {
      var y = l.encoding && l.encoding.y;
      if (y && Array.isArray(y.sort)) units = Math.max(units, y.sort.length);
    });
    if (room * 0.6 / units < 26) numbersOff(s);
    s.layer.forEach(function (l) {
      var e = l.encoding;
      if (!e || !e.x || !e.y) return;
      var x = e.x, y = e.y, bold = y.axis && y.axis.labelFontWeight;
      e.x = y; e.y = x;
      e.x.axis = { orient: "top", domain: false, ticks: false, labelAngle: -90, labelAlign: "left",
                   labelBaseline: "middle", labelLimit: 120, labelFontWeight: bold || "normal" };
      e.y.axis = { domain: false, ticks: false, labelLimit: Math.round(room * 0.36), title: null };
      e.x.title = null; e.y.title = null;
      if (l.mark && l.mark.type === "text") l.mark.fontSize = Math.min(l.mark.fontSize || 11, 10);
    });
    s.height = { step: 24 };
  }
  // the y channels of a panel (its own and its layers')
  function yChannels(v) {
    return [v.encoding].concat((v.layer || []).map(function (l) { return l.encoding; }))
      .filter(function (e) { return e && e.y; }).map(function (e) { return e.y; });
  }
  // panels that were side by side on the same rows, now stacked: each names its rows
  function labelRows(panels) {
    var first = null;
    panels.forEach(function (p) {
      yChannels(p).forEach(function (y) {
        if (!first && y.field && y.axis) first = y;
        else if (first && y.field === first.field && y.axis === null) {
          y.axis = copy(first.axis);
          y.title = null;
        }
      });
    });
  }
  // text marks of a panel `width` px wide are cut to that width
  function cutText(v, width) {
    width = width || v.width;
    if (typeof width !== "number") return;
    [v].concat(v.layer || []).forEach(function (l) {
      if (l.mark === "text") l.mark = { type: "text" };
      if (l.mark && l.mark.type === "text" && !(l.mark.limit > 0 && l.mark.limit <= width)) l.mark.limit = width;
    });
  }
  // the chart laid out for a narrow box: one column of panels, legends below, long labels
  // and titles cut, heat maps turned when their cells would be too small to read
  function narrow(s, room) {
    var phone = room < 600, cols = heatColumns(s);
    if (cols && (phone || cols * 14 + 200 > room)) turn(s, room);
    else if (cols && (room - 260) / cols < 24) numbersOff(s);
    if (s.hconcat) { s.vconcat = s.hconcat; delete s.hconcat; labelRows(s.vconcat); }
    if (s.concat) s.columns = 1;
    if (s.facet && s.facet.column && !s.facet.row) s.facet = { row: s.facet.column };
    if (phone) small(s, room);
    if (s.title) {
      var t = typeof s.title === "string" ? { text: s.title } : s.title;
      t.text = lines(t.text, room, 15 * 1.12);  // bold
      if (t.subtitle) t.subtitle = lines(t.subtitle, room, 11);
      s.title = t;
    }
    if (isView(s)) {
      if (phone) {
        cutText(s, Math.round(room * 0.3));  // labels beside the marks (names of applications)
        s.padding = { left: 5, top: 5, bottom: 5, right: 30 };  // room for labels at the bars' ends
      }
      s.width = "container";
      s.autosize = { type: "fit-x", contains: "padding" };
    }
  }
  // on a phone: legends below the chart, long labels cut
  function small(s, room) {
    var limit = Math.round(room * 0.36);
    visit(s, function (v) {
      if (v.legend && typeof v.legend === "object") {
        v.legend.orient = "bottom";
        v.legend.direction = "horizontal";
        // a legend below starts under the plot, to the right of the row labels
        v.legend.gradientLength = Math.min(v.legend.gradientLength || 200, Math.round(room * 0.25));
        v.legend.labelLimit = Math.round(room * 0.25);
        v.legend.titleOrient = "top";
        v.legend.titleLimit = Math.round(room * 0.5);
        v.legend.columns = 1;
      }
      cutText(v);
      // categories along x (quarters) slant rather than overlap
      var x = v.encoding && v.encoding.x;
      if (x && (x.type === "ordinal" || x.type === "nominal") && x.axis !== null &&
          !(x.axis && x.axis.labelAngle)) x.axis = Object.assign({}, x.axis, { labelAngle: -45 });
      if (v.axis && typeof v.axis === "object" && v.axis.orient !== "top" &&
          !(v.axis.labelLimit > 0 && v.axis.labelLimit <= limit)) v.axis.labelLimit = limit;
      if (v.axis && typeof v.axis === "object") v.axis.titleLimit = Math.round(room * 0.6);
    });
    s.config = s.config || {};
    s.config.legend = Object.assign({}, s.config.legend, {
      orient: "bottom", direction: "horizontal", columns: 1,
      gradientLength: Math.round(room * 0.25), labelLimit: Math.round(room * 0.25),
      titleOrient: "top", titleLimit: Math.round(room * 0.5) });
    s.config.axis = Object.assign({}, s.config.axis, { labelLimit: limit });
  }
  // make the chart `excess` px narrower (`total`: its width now)
  function shrink(s, excess, total) {
    if (s.facet && s.columns > 1) {
      s.columns = Math.max(1, s.columns - Math.ceil(excess / (total / s.columns)));
      return;
    }
    var ratio = Math.max(0.1, 1 - excess / total);
    (function walk(v) {
      if (!v || typeof v !== "object") return;
      if (typeof v.width === "number") { v.width = Math.max(40, Math.floor(v.width - excess)); cutText(v); }
      else if (v.width && typeof v.width.step === "number") v.width = { step: Math.max(3, Math.floor(v.width.step * ratio)) };
      ["vconcat", "hconcat", "concat"].forEach(function (k) { if (v[k]) v[k].forEach(walk); });
      if (v.spec) walk(v.spec);
    })(s);
  }
  function planned(plain, plan) {
    var s = copy(plain);
    plan.forEach(function (p) { if (p[0] === "narrow") narrow(s, p[1]); else shrink(s, p[1], p[2]); });
    return s;
  }

  // draw `spec` in `el`; null when a newer drawing of the chart (`mine` is stale) came first
  function draw(el, spec, name, mine) {
    if (views[name]) { views[name].finalize(); delete views[name]; }
    var inner = document.createElement("div");
    el.innerHTML = "";
    el.appendChild(inner);
    return vegaEmbed(inner, spec, EMBED).then(function (res) {
      if (last[name] !== mine) { res.view.finalize(); return null; }
      views[name] = res.view;
      res.view.addEventListener("click", function (ev, item) {
        if (clicks[name] && item && item.datum) clicks[name](item.datum);
      });
      return res.view;
    });
  }

  function embed(el, packed, name) {
    var mine = last[name] = { el: el, spec: packed };  // the slider may draw again meanwhile
    var plain = unpack(packed), room = el.clientWidth, m = memo[name];
    var plan = m && m.room === room ? m.plan.slice() : [];
    var tries = 0;
    function check(view) {
      if (view === null || last[name] !== mine) return view;
      var w = svgWidth(el);
      if (w > room + 0.5 && room > 0 && tries++ < 5) {
        // shrink by what sticks out (twice that once a shrink fell short: centred titles)
        plan.push(!plan.length ? ["narrow", room] : ["shrink", (plan.length > 1 ? 2 : 1) * (w - room), w]);
        return draw(el, planned(plain, plan), name, mine).then(check);
      }
      var svg = el.querySelector("svg");
      if (svg && w > room + 0.5) {  // still too wide: scaled down to the box
        svg.style.maxWidth = "100%";
        svg.style.height = "auto";
      }
      memo[name] = { room: room, plan: plan };
      el.setAttribute("data-fit", !plan.length ? "as-is" : w > room + 0.5 ? "scaled" : "fitted");
      el.setAttribute("data-rendered", "1");
      return view;
    }
    return draw(el, plan.length ? planned(plain, plan) : plain, name, mine).then(check).catch(failed);
    function failed(err) {
      console.error("chart " + name + ": " + err);
      el.innerHTML = '<p class="chart-error">This chart could not be drawn: ' + esc(err) + "</p>";
      throw err;
    }
  }

  // a new width (a phone turned, a window resized): every chart fitted again
  var lastWidth = document.documentElement.clientWidth, resizing = null;
  window.addEventListener("resize", function () {
    if (resizing) clearTimeout(resizing);
    resizing = setTimeout(function () {
      var w = document.documentElement.clientWidth;
      if (w === lastWidth) return;
      lastWidth = w;
      var round = [];
      Object.keys(last).forEach(function (name) {
        var x = last[name];
        if (x.el.isConnected && x.el.offsetParent !== null) round.push(embed(x.el, x.spec, name));
      });
      Promise.allSettled(round).then(function () {  // for tests: every chart fitted to w
        if (w === lastWidth) document.body.setAttribute("data-fitted", String(w));
      });
    }, 200);
  });

  /* ---- provenance of one capability × unit cell ---- */
  var P = DATA.prov;
  var capPos = {}, buPos = {};
  P.caps.forEach(function (c, k) { capPos[c] = k; });
  P.bus.forEach(function (b, k) { buPos[b] = k; });

  function provenanceHtml(cap, bu) {
    var c = capPos[cap], b = buPos[bu];
    if (c === undefined) return null;
    if (b === undefined) {  // the "All units" row: the hottest unit drives it
      b = P.hottest[c];
      if (b < 0) return null;
      bu = P.bus[b];
    }
    var k = c * P.nb + b, cp = P.cap[c], bw = P.bu[b];
    var status = P.status[k], om = P.omega;
    var h = [];
    h.push('<div class="panel-head"><h3>' + esc(cp[0]) + " in " + esc(bw[0]) + "</h3>" +
           '<button type="button" class="close no-print" data-close="prov" aria-label="Close">×</button></div>');
    h.push('<div class="muted">' + esc(cp[1]) + " · capability <span class=\"mono\">" + esc(cap) +
           "</span> · unit <span class=\"mono\">" + esc(bu) + "</span></div>");
    if (status === "assessed") {
      h.push('<div class="big"><span>priority <b id="prov-priority">' + g4(P.priority[k]) + "</b></span>" +
             "<span>gap <b>" + g4(P.gap[k]) + "</b> (" + g4(P.current[k]) + " → " + g4(P.target[k]) + ")</span>" +
             "<span>pain <b>" + g4(P.pain[k]) + "</b> of 5</span><span>weight <b>" + g4(P.weight[k]) + "</b></span></div>");
    } else {
      h.push('<div class="big"><span><b>' + (status === "n/a" ? "n/a" : "not assessed") + "</b></span></div>");
    }
    // the arithmetic, in the model's own numbers (the values come from opmodel's analysis)
    var exps = cp[6].map(function (i) { return P.exps[i]; });
    var objs = cp[7].map(function (x) { return [P.objs[x[0]], x[1]]; });
    var lines = [];
    lines.push("customer(c)  = (" + (exps.map(function (x) { return x[3]; }).join(" + ") || "0") +
               ") / " + g4(P.cmax) + " = " + g4(cp[2]));
    lines.push("strategic(c) = (" + (objs.map(function (o) { return g4(o[0][2]) + "×" + o[1]; }).join(" + ") || "0") +
               ") / " + g4(P.smax) + " = " + g4(cp[4]));
    lines.push("bu_weight(b) = " + (bw[1] == null ? "unit has no weight → 1" : g4(bw[1]) + " / " + g4(P.bmax) + " = " + g4(bw[2])));
    lines.push("w(c,b) = (" + g4(om.customer) + "×" + g4(cp[2]) + " + " + g4(om.strategic) + "×" + g4(cp[4]) +
               " + " + g4(om.pain) + "×" + g4(P.pain[k]) + "/5) × " + g4(bw[2]) + " = " + g4(P.weight[k]));
    if (status === "assessed") {
      lines.push("gap(c,b) = max(0, " + g4(P.target[k]) + " − " + g4(P.current[k]) + ") = " + g4(P.gap[k]));
      lines.push("priority = w × gap / 5 = " + g4(P.weight[k]) + " × " + g4(P.gap[k]) + " / 5 = " + g4(P.priority[k]));
    } else if (status === "n/a") {
      lines.push("gap and priority: none — the unit marked this capability n/a");
    } else {
      lines.push("gap and priority: unknown — nobody assessed this capability here");
    }
    h.push("<h4>How the number is made</h4><pre class=\"arith\">" + esc(lines.join("\n")) + "</pre>");
    var row = P.row[k];
    if (row != null) {
      var conf = column(P.confidence, P.status.length)[k], who = column(P.assessor, P.status.length)[k];
      var when = column(P.date, P.status.length)[k], notes = P.notes[k];
      h.push("<h4>Assessment</h4><p>Row " + row + " of assessments.csv · " + esc(conf || "") +
             (who ? " by " + esc(who) : "") + (when ? " on " + esc(when) : "") + "</p>" +
             (notes ? "<p>“" + esc(notes) + "”</p>" : ""));
    }
    h.push("<h4>Customers who need it</h4>" + (exps.length ? "<ul>" + exps.map(function (x) {
      return "<li>importance <b>" + x[3] + "</b> · " + esc(x[1]) + ": “" + esc(x[2]) + "”</li>";
    }).join("") + "</ul>" : "<p class=\"muted\">No customer expectation names this capability.</p>"));
    h.push("<h4>Objectives it serves</h4>" + (objs.length ? "<ul>" + objs.map(function (o) {
      return "<li>" + esc(o[0][1]) + " · weight " + g4(o[0][2]) + " × strength " + o[1] + "</li>";
    }).join("") + "</ul>" : "<p class=\"muted\">No objective links this capability.</p>"));
    var work = (P.work[cap] || []).filter(function (w) { return !w[2].length || w[2].indexOf(bu) >= 0; });
    // funded work first (earliest first), then the rest by uplift
    work.sort(function (a, b) {
      return (a[4] ? 0 : 1) - (b[4] ? 0 : 1) || String(a[4] || "").localeCompare(String(b[4] || "")) || b[3] - a[3];
    });
    var SHOW = 8, funded = work.filter(function (w) { return w[4]; }).length;
    h.push("<h4>What the plan does about it</h4>" + (work.length ? "<ul>" + work.slice(0, SHOW).map(function (w) {
      return "<li><b>" + esc(w[1]) + "</b> (+" + g4(w[3]) + " maturity) — " +
        (w[4] ? '<span class="ok">funded from ' + esc(w[4]) + "</span>" : '<span class="warn">not funded</span>') + "</li>";
    }).join("") + (work.length > SHOW ? '<li class="muted">and ' + (work.length - SHOW) + " more (" + funded + " of " +
      work.length + " initiatives acting on this cell are funded)</li>" : "") + "</ul>"
      : "<p class=\"muted\">No initiative addresses this cell.</p>"));
    return h.join("");
  }

  function showProvenance(cap, bu) {
    var html = provenanceHtml(cap, bu);
    if (!html) return;
    var box = $("#prov");
    box.innerHTML = html;
    box.hidden = false;
    box.setAttribute("data-cell", cap + "|" + bu);
  }

  /* ---- drill-down: stage × unit → capability × unit of that stage ---- */
  var D = DATA.drill;
  // one stage of the capability heat map (the same chart as in the export, filtered)
  function stageSpec(stage) {
    var full = D.spec || (D.chart && DATA.charts[D.chart]);
    if (!full) return null;
    var spec = unpack(full), name = D.stages[stage] || stage;
    spec.data.values = spec.data.values.filter(function (r) { return r.stage === name; });
    if (!spec.data.values.length) return null;
    // one stage, named in the heading: no stage names, lines or rules between stages
    if (spec.layer) spec.layer = spec.layer.filter(function (l) { return !/^stage-/.test(l.name || ""); });
    spec.title = { text: name + ": priority by business unit and capability",
                   subtitle: D.level ? "capabilities rolled up to level " + D.level + "; bottom row: all units"
                                     : "bottom row: all units, hottest cell" };
    return spec;
  }
  function cellClicked(datum) {
    var key = datum.column + "|" + datum.row, drv = D.cap_drivers[key];
    if (drv) showProvenance(drv[0], drv[1]);
    else showProvenance(datum.column, datum.row);
  }
  function showDrill(stage, row) {
    var spec = stageSpec(stage);
    if (!spec) return;
    var box = $("#drill");
    box.hidden = false;
    var drv = D.drivers[stage + "|" + row];
    $("#drill-title").textContent = (D.stages[stage] || stage) + ": every capability in every unit";
    var capName = drv && P.cap[capPos[drv[0]]] ? P.cap[capPos[drv[0]]][0] : null;
    $("#drill-hint").textContent = (capName ? "The cell you clicked (" + (D.rows[row] || row) + ") is driven by " +
      capName + (row === D.all ? " in " + (D.rows[drv[1]] || drv[1]) : "") + ": its provenance is below. " : "") +
      "Click any cell for its provenance.";
    box.setAttribute("data-stage", stage);
    embed($("#drill-chart"), spec, "drill").catch(function () {});
    if (drv) showProvenance(drv[0], drv[1]);
    else $("#prov").hidden = true;
    box.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target.closest && ev.target.closest("[data-close]");
    if (t) document.getElementById(t.getAttribute("data-close")).hidden = true;
  });

  /* ---- the heat map after each quarter ---- */
  function wirePlateau() {
    var PL = DATA.plateau, slider = $("#plateau-step"), out = $("#plateau-label");
    if (!PL || !slider || !DATA.charts[PL.chart]) return Promise.resolve();
    var base = unpack(DATA.charts[PL.chart]), recs = base.data.values, n = recs.length;
    slider.max = String(PL.steps.length - 1);
    var pending = null;
    function draw(i) {
      var st = PL.steps[i], lab = column(st.label_, n), state = column(st.state, n);
      var spec = Object.assign({}, base);
      spec.data = { values: recs.map(function (r, k) {
        var o = Object.assign({}, r);
        o.value = st.value[k]; o.label = lab[k]; o.dark = st.dark[k]; o.state = state[k];
        return o;
      }) };
      spec.title = { text: "Priority by business unit and capability — " + st.label,
                     subtitle: (PL.note ? PL.note + "; " : "") + PL.closing[i] + " cells with priority above 0.2" +
                               (i ? " (today: " + PL.closing[0] + ")" : "") };
      out.textContent = st.label + ": " + PL.closing[i] + " cells above priority 0.2" + (i ? " (today " + PL.closing[0] + ")" : "");
      return embed($("#plateau-chart"), spec, "plateau");
    }
    slider.addEventListener("input", function () {
      if (pending) cancelAnimationFrame(pending);
      pending = requestAnimationFrame(function () { draw(Number(slider.value)).catch(function () {}); });
    });
    return draw(0);
  }

  /* ---- the initiative table: filter and sort ---- */
  function wireTable() {
    var table = $("#init-table");
    if (!table) return;
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var text = $("#f-text"), kind = $("#f-kind"), decision = $("#f-decision"), reason = $("#f-reason"), count = $("#f-count");
    rows.forEach(function (r) { r._text = r.textContent.toLowerCase(); });
    // long portfolios: the first LIMIT matching rows, and a button for the rest
    var LIMIT = 150, all = rows.length <= LIMIT, more = $("#f-more");
    function apply() {
      var q = text.value.trim().toLowerCase(), match = 0, shown = 0;
      rows.forEach(function (r) {
        var ok = (!q || r._text.indexOf(q) >= 0) &&
          (!kind.value || r.getAttribute("data-kind") === kind.value) &&
          (!decision.value || r.getAttribute("data-decision") === decision.value) &&
          (!reason.value || r.getAttribute("data-reason") === reason.value);
        if (ok) match++;
        var show = ok && (all || match <= LIMIT);
        r.hidden = !show;
        if (show) shown++;
      });
      count.textContent = shown === rows.length ? rows.length + " initiatives" :
        "showing " + shown + " of " + (match < rows.length ? match + " matching (" + rows.length + " in all)" : rows.length) + " initiatives";
      if (more) {
        more.hidden = shown === match;
        more.textContent = "Show all " + match + " initiatives";
      }
    }
    if (more) more.addEventListener("click", function () { all = true; apply(); });
    apply();
    [text, kind, decision, reason].forEach(function (el) { el.addEventListener("input", apply); el.addEventListener("change", apply); });
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var sorter = $("#f-sort"), sorts = {};  // on a phone the headers are hidden: a menu sorts
    heads.forEach(function (th, col) {
      if (!th.hasAttribute("data-sort")) return;
      th.tabIndex = 0;
      function sort(want) {
        var asc = want ? want === "ascending" : th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var num = th.getAttribute("data-sort") === "num";
        var keyed = rows.map(function (r, i) {
          var v = r.cells[col].getAttribute("data-v");
          return { r: r, i: i, v: num ? Number(v) : String(v).toLowerCase() };
        });
        keyed.sort(function (a, b) {
          var c = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
          return (asc ? c : -c) || a.i - b.i;
        });
        keyed.forEach(function (x) { body.appendChild(x.r); });
        rows = keyed.map(function (x) { return x.r; });
        apply();
      }
      th.addEventListener("click", function () { sort(); });
      th.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sort(); } });
      if (sorter) ["ascending", "descending"].forEach(function (dir) {
        var o = document.createElement("option"), num = th.getAttribute("data-sort") === "num";
        o.value = col + " " + dir;
        o.textContent = th.textContent.trim().toLowerCase() + (num ? (dir === "ascending" ? ", low to high" : ", high to low")
                                                                   : (dir === "ascending" ? ", A to Z" : ", Z to A"));
        sorter.appendChild(o);
        sorts[o.value] = function () { sort(dir); };
      });
    });
    var planned = rows.slice();
    if (sorter) sorter.addEventListener("change", function () {
      if (sorts[sorter.value]) { sorts[sorter.value](); return; }
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });  // back to the plan's order
      planned.forEach(function (r) { body.appendChild(r); });
      rows = planned.slice();
      apply();
    });
    window.opmodelShowInitiative = function (id) {
      text.value = ""; kind.value = ""; decision.value = ""; reason.value = ""; all = true; apply();
      var r = body.querySelector('tr[data-id="' + (window.CSS && CSS.escape ? CSS.escape(id) : id) + '"]');
      if (!r) return;
      r.classList.remove("flash"); void r.offsetWidth; r.classList.add("flash");
      r.scrollIntoView({ behavior: "smooth", block: "center" });
    };
  }

  /* ---- wire the clicks, draw everything ---- */
  clicks.drill = function (datum) { if (datum.column && datum.row) cellClicked(datum); };
  clicks["heatmap-stage"] = function (datum) { if (datum.column && datum.row) showDrill(datum.column, datum.row); };
  clicks["roadmap-gantt"] = function (datum) {
    if (datum.id && window.opmodelShowInitiative) window.opmodelShowInitiative(datum.id);
  };
  wireTable();
  var jobs = [];
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
    var name = el.getAttribute("data-chart"), spec = DATA.charts[name];
    if (spec) jobs.push(embed(el, spec, name));
  });
  jobs.push(wirePlateau());
  Promise.allSettled(jobs).then(function () {
    document.body.setAttribute("data-fitted", String(lastWidth));
    document.body.setAttribute("data-ready", "1");
  });
})();
