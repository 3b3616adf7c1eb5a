"""The report rendered as report.html: one self-contained file (styles, scripts, chart specs
and data inline), one template partial per section of :mod:`.sections`.

The charts are Vega-Lite specs rendered in the browser by the Vega bundle that vl-convert
ships (inlined once, no CDN), so the file works opened from disk with the network off.
Chart data is packed column-wise (strings dictionary-encoded) to keep the file small; the
script unpacks it before handing each spec to ``vegaEmbed``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis.heatmap import ALL
from ..analysis.scoring import ASSESSED, STATUS_NAMES
from .charts import heatmap_records, top_columns
from .findings import Findings, findings
from .format import money, pct
from .sections import SECTIONS, Section
from .views import DRILL, capability_view, plateau_maps

if TYPE_CHECKING:
    from .charts import ChartSpec
    from .data import ReportData

TEMPLATES = "templates"
CACHE_ENV = "OPMODEL_CACHE_DIR"


# -- the Vega bundle -------------------------------------------------------------------------
def _cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "opmodel"


@functools.lru_cache(maxsize=2)
def vega_bundle(vl_version: str) -> str:
    """vega + vega-lite + vega-embed as one classic script (``window.vegaEmbed``).

    Building it takes vl-convert a few seconds, so it is cached per Vega-Lite and
    vl-convert version under ``~/.cache/opmodel`` (or ``$OPMODEL_CACHE_DIR``); an
    unwritable cache only costs the time.
    """
    import vl_convert as vlc

    key = f"vega-bundle-{vl_version}-{getattr(vlc, '__version__', 'x')}.js"
    path = _cache_dir() / key
    try:
        text = path.read_text(encoding="utf-8")
        if text.rstrip().endswith(";") and "vegaEmbed" in text:
            return text
    except OSError:
        pass
    text = vlc.javascript_bundle(vl_version=vl_version)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    return text


def script_safe(text: str) -> str:
    """JavaScript that cannot end the <script> element it is inlined in (``</script`` and
    ``<!--`` are escaped; the escapes mean the same in strings and regular expressions)."""
    text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)
    return text.replace("<!--", "<\\!--")


def json_safe(text: str) -> str:
    """JSON that cannot end the <script> element it is inlined in."""
    return text.replace("</", "<\\/").replace("<!--", "<\\u0021--")


# -- packing chart data ------------------------------------------------------------------------
def _clean(v: Any) -> Any:
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        return round(v, 6)
    if isinstance(v, np.generic):
        return _clean(v.item())
    return v


def pack_records(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Column-wise records: ``{"n": rows, "c": {field: list | {"d": uniques, "i": codes}}}``."""
    fields: dict[str, None] = {}
    for r in records:
        for k in r:
            fields.setdefault(k, None)
    cols: dict[str, Any] = {}
    for f in fields:
        vals = [_clean(r.get(f)) for r in records]
        if vals and all(v is None or isinstance(v, str) for v in vals):
            uniq: dict[Any, int] = {}
            codes = [uniq.setdefault(v, len(uniq)) for v in vals]
            if len(uniq) * 2 <= len(vals):
                cols[f] = {"d": list(uniq), "i": codes}
                continue
        cols[f] = vals
    return {"n": len(records), "c": cols}


def pack_spec(spec: Any) -> Any:
    """``spec`` with every inline ``values`` list of records packed (see ``unpack`` in JS)."""
    if isinstance(spec, dict):
        out = {}
        for k, v in spec.items():
            if k == "values" and isinstance(v, list) and v and all(isinstance(r, dict)
                                                                   for r in v):
                out[k] = {"__packed": pack_records(v)}
            else:
                out[k] = pack_spec(v)
        return out
    if isinstance(spec, list):
        return [pack_spec(x) for x in spec]
    return _clean(spec)


# -- payload for the script --------------------------------------------------------------------
def _num(x: float | None, digits: int = 4) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else round(x, digits)


def provenance_payload(d: ReportData) -> dict[str, Any]:
    """Everything behind every (capability, unit) cell, compactly (arrays over cells)."""
    from ..analysis.provenance import cell_provenance

    e, s = d.enterprise, d.analysis.scores
    caps, bus = s.capabilities, s.business_units
    n_b = len(bus)
    exp_idx = {x.id: k for k, x in enumerate(e.expectations)}
    obj_idx = {o.id: k for k, o in enumerate(e.objectives)}
    stage_names = {st.id: st.name for st in e.stages}
    cap_rows = []
    for c in caps:
        p = cell_provenance(e, s, c, bus[0]) if bus else None
        cap = e.capability(c)
        cap_rows.append([
            cap.name, stage_names.get(cap.stage, cap.stage),
            _num(p.customer) if p else 0, _num(p.customer_raw) if p else 0,
            _num(p.strategic) if p else 0, _num(p.strategic_raw) if p else 0,
            [exp_idx[x.id] for x in p.expectations] if p else [],
            [[obj_idx[o.objective], o.strength] for o in p.objectives] if p else [],
        ])
    flat = s.status.ravel()
    arow = s.base.assessment_row.ravel()
    conf, who, when, notes = [], [], [], []
    for k in range(flat.size):
        r = int(arow[k])
        a = e.assessments[r] if r >= 0 else None
        conf.append(a.confidence if a else None)
        who.append(a.assessor if a else None)
        when.append(a.date.isoformat() if a and a.date else None)
        notes.append(a.notes if a else None)

    def arr(x: np.ndarray, digits: int = 4) -> list[float | None]:
        return [_num(v, digits) for v in x.ravel().tolist()]

    # which initiatives act on which capability, and what the plan decided
    plan = d.plan
    work: dict[str, list[list[Any]]] = {}
    for i, it in enumerate(e.initiatives):
        st = int(plan.start[i])
        for fx in it.effects:
            work.setdefault(fx.capability, []).append(
                [it.id, it.name, list(fx.business_units), fx.uplift,
                 plan.quarters[st] if st >= 0 else None])
    # the hottest unit of each capability (drives the "All units" cells)
    pr = np.where(s.status == ASSESSED, s.priority, -1.0)
    hottest = [int(np.argmax(row)) if row.size and row.max() >= 0 else -1 for row in pr]
    return {
        "omega": {k: round(v, 4) for k, v in s.omega.items()},
        "cmax": _num(s.base.customer_max), "smax": _num(s.base.strategic_max),
        "bmax": _num(s.base.bu_weight_max),
        "caps": list(caps), "cap": cap_rows,
        "bus": list(bus),
        "bu": [[b.name, b.weight, _num(float(s.bu_weight[j]))]
               for j, b in enumerate(e.business_units)],
        "exps": [[x.id, x.segment, x.statement, x.importance] for x in e.expectations],
        "objs": [[o.id, o.name, o.weight] for o in e.objectives],
        "status": [STATUS_NAMES[int(v)] for v in flat.tolist()],
        "current": arr(s.current, 2), "target": arr(s.target, 2), "pain": arr(s.pain, 2),
        "gap": arr(s.gap, 2), "weight": arr(s.weight), "priority": arr(s.priority),
        "row": [int(r) + 1 if r >= 0 else None for r in arow.tolist()],
        "confidence": _packed_column(conf),
        "assessor": _packed_column(who),
        "date": _packed_column(when),
        "notes": notes,
        "hottest": hottest,
        "work": work,
        "nb": n_b,
    }


def _packed_column(values: list[Any]) -> Any:
    """One column packed as :func:`pack_records` packs it (an empty list for no cells: a
    model without capabilities or units)."""
    return pack_records([{"v": v} for v in values])["c"].get("v", [])


def drill_payload(d: ReportData, specs: dict[str, ChartSpec]) -> dict[str, Any]:
    """The drill-down from a stage × unit cell: a capability heat map (filtered to the
    stage by the script) and, per cell, the (capability, unit) cell that drives it.

    The map is the report's capability chart when that shows every capability; else (the
    chart shows the hottest) the drill-down's own chart (:data:`.views.DRILL`) of
    :func:`.views.capability_view`: every capability or, for very large models, the level-1
    capabilities."""
    e, hm = d.enterprise, d.analysis.stage_map
    drivers: dict[str, list[str] | None] = {}
    for k, col in enumerate(hm.columns):
        for r, row in enumerate(hm.rows):
            if int(hm.state[r, k]) != ASSESSED:
                drivers[f"{col}|{row}"] = None
                continue
            x = hm.explain(col, row)
            drivers[f"{col}|{row}"] = None if x.driver is None else \
                [x.driver.capability, x.driver.business_unit]
    cv = capability_view(d)
    own = specs.get(DRILL)
    has_cap = "heatmap-capability" in specs
    return {"chart": "heatmap-capability" if has_cap and own is None else None,
            "spec": pack_spec(own.spec) if has_cap and own is not None else None,
            "drivers": drivers, "cap_drivers": _group_drivers(d, cv),
            "level": cv.level, "stages": {st.id: st.name for st in e.stages},
            "rows": dict(zip(hm.rows, hm.row_names, strict=True)), "all": ALL}


def _group_drivers(d: ReportData, hm: Any) -> dict[str, list[str]]:
    """For a heat map that rolls capabilities up (a ``level``): the hottest (capability,
    unit) cell counted in every (column, unit) cell, so a click shows what drives it."""
    if hm.level is None:
        return {}
    s = d.analysis.scores
    pr = np.asarray(s.priority, dtype=float)[hm.pair_cap]  # (pairs, units)
    v = np.where(np.asarray(hm.pair_status) == ASSESSED, np.nan_to_num(pr, nan=-1.0), -1.0)
    out: dict[str, list[str]] = {}
    for k, col in enumerate(hm.columns):
        idx = np.nonzero(hm.pair_col == k)[0]
        if not idx.size:
            continue
        sub = v[idx]
        best = sub.argmax(axis=0)
        for j, b in enumerate(s.business_units):
            if sub[best[j], j] >= 0:
                out[f"{col}|{b}"] = [s.capabilities[int(hm.pair_cap[idx[best[j]]])], b]
        flat = int(np.argmax(sub))
        if sub.flat[flat] >= 0:
            p, j = divmod(flat, sub.shape[1])
            out[f"{col}|{ALL}"] = [s.capabilities[int(hm.pair_cap[idx[p]])],
                                   s.business_units[j]]
    return out


def plateau_payload(d: ReportData, cap_spec: dict[str, Any] | None) -> dict[str, Any] | None:
    """The capability heat map today and after each quarter: the chart's spec once, and per
    step the columns that change."""
    if d.roadmap is None or cap_spec is None:
        return None
    cm = d.analysis.capability_map
    maps = plateau_maps(d, cm)
    keep = top_columns(cm)  # the columns of the chart
    steps = []
    for label, m in maps:
        recs = heatmap_records(m, keep)
        steps.append({"label": label, "value": [_clean(r["value"]) for r in recs],
                      "label_": _packed_column([r["label"] for r in recs]),
                      "dark": [r["dark"] for r in recs],
                      "state": _packed_column([r["state"] for r in recs])})
    base = cap_spec.get("data", {}).get("values")
    if not isinstance(base, list) or len(base) != len(steps[0]["value"]):
        return None
    note = None
    if keep is not None:
        note = f"the {len(keep)} hottest of {len(cm.columns):,} capabilities"
    return {"chart": "heatmap-capability", "steps": steps, "closing": _closing_counts(maps),
            "note": note}


def _closing_counts(maps: list[tuple[str, Any]]) -> list[int]:
    """Cells with priority above 0.2 at each step (the hot cells left, in the whole map)."""
    out = []
    for _, m in maps:
        v = np.nan_to_num(np.asarray(m.values[:-1], dtype=float), nan=0.0)
        out.append(int((v > 0.2).sum()))
    return out


# -- rendering ---------------------------------------------------------------------------------
def _resource(name: str) -> str:
    return (resources.files("opmodel.report") / TEMPLATES / name).read_text(encoding="utf-8")


def _env() -> Any:
    import jinja2

    class Cache(jinja2.FileSystemBytecodeCache):
        """The compiled template in the cache folder (a tenth of a second each run); a
        cache that cannot be written only costs that time."""

        def dump_bytecode(self, bucket: Any) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    cache = None
    folder = _cache_dir()
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        cache = Cache(str(folder), "jinja-%s.cache")
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda n: _resource(n)),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        bytecode_cache=cache)
    return env


def render_html(d: ReportData, specs: dict[str, ChartSpec], f: Findings | None = None,
                sections: list[Section] | None = None) -> str:
    """The complete report.html: the data ``d``, its findings ``f`` (stated again when not
    given) and its charts ``specs``, laid out by ``sections`` (default :data:`.SECTIONS`)."""
    import altair as alt

    f = findings(d) if f is None else f
    e = d.enterprise

    def m(x: float | None) -> str:
        return money(x, e.currency, e.unit)

    cap = specs.get("heatmap-capability")
    cap_spec = cap.spec if cap is not None else None
    payload = {
        "charts": {name: pack_spec(c.spec) for name, c in specs.items() if c.file},
        "drill": drill_payload(d, specs),
        "prov": provenance_payload(d),
        "plateau": plateau_payload(d, cap_spec),
    }
    data_json = json.dumps(payload, separators=(",", ":"), ensure_ascii=False,
                           allow_nan=False)
    vl_version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
    env = _env()
    env.filters["money"] = m
    env.filters["pct"] = pct
    env.filters["num"] = _fmt_num
    env.filters["heat"] = lambda p: "#{:02x}{:02x}{:02x}".format(*heat_rgb(p))
    env.filters["heatfg"] = _heat_text
    plan = d.plan
    common = {"d": d, "e": e, "f": f, "plan": plan, "specs": specs,
              "title": f"{e.name} — IT planning report",
              "horizon": f"{plan.quarters[0]}–{plan.quarters[-1]}"}
    shown = [s for s in (SECTIONS if sections is None else sections) if s.show(d)]
    bodies = [env.get_template(s.template).render(**common, **s.context(d, f)) for s in shown]
    return env.get_template("report.html.j2").render(
        **common,
        sections=shown,
        bodies=bodies,
        css=_resource("report.css"),
        script=script_safe(_resource("report.js")),
        bundle=script_safe(vega_bundle(vl_version)),
        data_json=json_safe(data_json),
    )


HOT = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026",
       "#800026")
"""Vega's "yelloworangered" scheme: the priority colours of every chart."""


def heat_rgb(priority: float) -> tuple[int, int, int]:
    """The colour of a priority (0–1) on the charts' square-root priority scale."""
    return _along(HOT, math.sqrt(min(1.0, max(0.0, float(priority)))))


def _along(stops: tuple[str, ...], x: float) -> tuple[int, int, int]:
    """The colour at ``x`` (0–1) along evenly spaced colour ``stops``, linearly between them."""
    x = min(1.0, max(0.0, x)) * (len(stops) - 1)
    k = min(int(x), len(stops) - 2)
    t = x - k
    a = [int(stops[k][i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(stops[k + 1][i:i + 2], 16) for i in (1, 3, 5)]
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))


def _heat_text(priority: float) -> str:
    """White or dark text, whichever reads on the priority's colour."""
    return _ink(heat_rgb(priority))


def _ink(rgb: tuple[int, int, int]) -> str:
    r, g, b = rgb
    return "#fff" if 0.299 * r + 0.587 * g + 0.114 * b < 150 else "#222"


BLUES = ("#cfe1f2", "#bed8ec", "#a8cee5", "#8fc1de", "#74b2d7", "#5ba3cf", "#4592c6",
         "#3181bd", "#206fb2", "#125ca4", "#0a4a90")
"""Vega's "blues" scheme: the maturity colours of the charts (charts.MATURITY_SCHEME)."""


def layer_colours(layer: str, v: float) -> tuple[str, str]:
    """The fill and text colour of a heat-map cell of ``layer`` at ``v``, as the charts'
    colour scales draw it (charts.colour_scale): priority on the square-root hot scale over
    0–1, gap on the hot scale over 0–5, current and target maturity in blues over 0–5. The
    same number has the same colour in the report, its charts and the web app."""
    from ..analysis.heatmap import LAYER_DOMAIN

    lo, hi = LAYER_DOMAIN[layer]
    x = min(1.0, max(0.0, (float(v) - lo) / ((hi - lo) or 1.0)))
    if layer == "priority":
        rgb = heat_rgb(x)
    elif layer == "gap":
        rgb = heat_rgb(x * x)  # heat_rgb takes the square root: linear here
    else:
        rgb = _along(BLUES, x)
    return "#{:02x}{:02x}{:02x}".format(*rgb), _ink(rgb)


def _fmt_num(x: float | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:,.{digits}f}"


__all__ = ["json_safe", "pack_records", "pack_spec", "render_html", "script_safe",
           "vega_bundle"]
