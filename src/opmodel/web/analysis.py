"""Analysis endpoints: heat map (and a cell's provenance), gaps, homogeneity, TIME, weights,
rank stability. Each is one :mod:`opmodel.analysis` call on the current snapshot; the JSON
is the document ``opmodel … --format json`` prints (the same ``schema``, ``version`` and
fields: :mod:`opmodel.outputs`, docs/schemas/), and is cached per model version (the cache
key is the version plus the query), so reads after the first are fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import Response

from ..analysis import heatmap as heatmap_fn
from ..analysis import homogeneity as homogeneity_fn
from ..analysis import ranked_gaps, time_classification
from ..analysis import stability as stability_fn
from ..analysis import weights as weights_fn
from ..analysis.heatmap import BYS, LAYERS, ROLLUPS
from .auth import Principal, authenticate
from .errors import ApiError
from .jsonout import answer, document, dumps, ok
from .resources import Limit, Offset, snapshot
from .source import Snapshot


def cached(request: Request, snap: Snapshot, name: str, params: dict[str, Any],
           compute: Callable[[], dict[str, Any]]) -> Response:
    """The document of output ``name`` (:mod:`opmodel.outputs`) holding ``compute()``,
    for this model version and these parameters: computed once per (version, name,
    params) and answered from the cache afterwards."""
    ctx = request.app.state.ctx
    key = (snap.version, name, tuple(sorted((k, str(v)) for k, v in params.items())))
    payload: bytes = ctx.cache.get_or_compute(key, lambda: document(name, compute()))
    return answer(request, payload, headers={"X-Model-Version": snap.version})


def ok_paged(name: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a paged document: the page fields and the document's schema."""
    out = ok(name)
    content = out[200]["content"]["application/json"]
    content["schema"] = {"allOf": [{
        "type": "object", "required": ["ok", "total", "limit", "offset", "next"],
        "properties": {"ok": {"const": True}, "total": {"type": "integer"},
                       "limit": {"type": "integer"}, "offset": {"type": "integer"},
                       "next": {"anyOf": [{"type": "string"}, {"type": "null"}]}}},
        content["schema"]]}
    out[200]["description"] += ", a page at a time (?limit=&offset=)"
    return out


PAGED = {"homogeneity": ("capabilities", "candidates"), "apps": ("applications", "by_unit")}
"""The row lists of the documents answered a page at a time (the other fields, and
homogeneity's ``stages``, one row per stage of the value chain, come whole on every page)."""


def paged(request: Request, snap: Snapshot, name: str, compute: Callable[[], dict[str, Any]],
          limit: int, offset: int) -> Response:
    """The document of output ``name`` with each of its row lists (:data:`PAGED`) cut to
    the window ``offset`` … ``offset + limit``, as every list of the API is paged: the page
    fields ``ok``, ``total`` (the rows of the longest list), ``limit``, ``offset`` and
    ``next`` (null once every list is read to its end) come first. The whole document is
    computed once per model version; a page is cut from it."""
    ctx = request.app.state.ctx
    whole: dict[str, Any] = ctx.cache.get_or_compute(
        (snap.version, name, "whole"), lambda: compute())
    lists = PAGED[name]
    total = max(len(whole[k]) for k in lists)
    nxt = None
    if offset + limit < total:
        u = request.url.include_query_params(offset=offset + limit, limit=limit)
        nxt = f"{u.path}?{u.query}"
    from ..outputs import head

    doc = head(name, {**whole, **{k: whole[k][offset:offset + limit] for k in lists}})
    page = {"ok": True, "total": total, "limit": limit, "offset": offset, "next": nxt, **doc}
    return answer(request, dumps(page), headers={"X-Model-Version": snap.version})


@contextlib.contextmanager
def _at_field(field: str | Callable[[Any], str]) -> Iterator[None]:
    """An unknown id the analysis meets is at ``field`` of the request (``query.stage``):
    a 404 naming where, as every other unknown id."""
    from ..errors import UnknownIdError
    from .errors import from_opmodel_error

    try:
        yield
    except UnknownIdError as exc:
        mapped = from_opmodel_error(exc)
        mapped.errors[0]["field"] = field(exc) if callable(field) else field
        raise mapped from None


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ApiError(422, f"{name}: '{value}' is not one of {', '.join(allowed)}",
                       code="E-VALUE", errors=[{"code": "E-VALUE", "field": f"query.{name}",
                                                "message": f"'{value}' is not one of "
                                                           f"{', '.join(allowed)}"}])
    return value


Auth = Depends(authenticate)
Snap = Depends(snapshot)


def _level(text: str | None) -> int | None:
    """``?level=``: a whole number ≥ 1, or empty (not given, as docs/api.md writes it)."""
    if text is None or not text.strip():
        return None
    t = text.strip()
    if not t.isdigit() or int(t) < 1:
        raise ApiError(422, f"query.level: '{t}' is not a whole number ≥ 1", code="E-RANGE",
                       errors=[{"code": "E-RANGE", "field": "query.level",
                                "message": f"'{t}' is not a whole number ≥ 1"}])
    return int(t)


def register(app: FastAPI) -> None:
    @app.get("/heatmap", tags=["analysis"], responses=ok("heatmap"),
             summary="Heat map: business units × stages or capabilities, one layer")
    def heatmap(request: Request,
                by: str = Query("stage", description=f"Columns: {', '.join(BYS)}."),
                layer: str = Query("priority", description=f"One of {', '.join(LAYERS)}."),
                rollup: str = Query("max", description=f"One of {', '.join(ROLLUPS)}."),
                level: str | None = Query(None, description="Capabilities: roll deeper "
                                          "levels up to this one (a whole number ≥ 1)."),
                stage: str | None = Query(None, description="Capabilities of one stage."),
                who: Principal = Auth, snap: Snapshot = Snap) -> Response:
        _choice("by", by, BYS)
        _choice("layer", layer, LAYERS)
        _choice("rollup", rollup, ROLLUPS)
        stage = stage or None  # `?level=&stage=`, as docs/api.md writes it: not given
        lv = _level(level)
        params = {"by": by, "layer": layer, "rollup": rollup, "level": lv, "stage": stage}
        with _at_field("query.stage"):
            return cached(request, snap, "heatmap", params, lambda: heatmap_fn(
                snap.enterprise, by, layer, rollup, level=lv, stage=stage).to_dict())

    @app.get("/heatmap/cells/{column}/{unit}", tags=["analysis"],
             responses=ok("heatmap-cell"),
             summary="Why a heat-map cell has its value (provenance, as --explain)")
    def heatmap_cell(request: Request, column: str, unit: str,
                     by: str | None = Query(None, description="stage or capability (default: "
                                            "what the column names)."),
                     layer: str = Query("priority"), rollup: str = Query("max"),
                     level: str | None = Query(None, description="A whole number ≥ 1."),
                     who: Principal = Auth, snap: Snapshot = Snap) -> Response:
        e = snap.enterprise
        lv = _level(level)
        if by is None:
            by = "capability" if column not in e.ids("stage") and \
                column in e.ids("capability") else "stage"
        _choice("by", by, BYS)
        _choice("layer", layer, LAYERS)
        _choice("rollup", rollup, ROLLUPS)
        params = {"by": by, "layer": layer, "rollup": rollup, "level": lv,
                  "column": column, "unit": unit}

        def compute() -> Any:
            hm = heatmap_fn(e, by, layer, rollup, level=lv)
            return hm.explain(column, unit).to_dict()

        with _at_field(lambda exc: "path.unit" if exc.kind == "business unit"
                       else "path.column"):
            return cached(request, snap, "heatmap-cell", params, compute)

    @app.get("/gaps", tags=["analysis"],
             responses=ok("gaps"), summary="The biggest gaps by priority")
    def gaps(request: Request, top: int = Query(20, ge=1, le=100_000),
             who: Principal = Auth, snap: Snapshot = Snap) -> Response:
        return cached(request, snap, "gaps", {"top": top},
                      lambda: ranked_gaps(snap.enterprise, top).to_dict())

    @app.get("/homogeneity", tags=["analysis"], responses=ok_paged("homogeneity"),
             summary="Applications per capability across units; consolidation candidates",
             description="Paged as every list (?limit=&offset=): `capabilities` and "
                         "`candidates` are cut to the page; the rest comes whole.")
    def homogeneity(request: Request, limit: int = Limit, offset: int = Offset,
                    who: Principal = Auth, snap: Snapshot = Snap) -> Response:
        return paged(request, snap, "homogeneity",
                     lambda: homogeneity_fn(snap.enterprise).to_dict(), limit, offset)

    @app.get("/apps", tags=["analysis"],
             responses=ok_paged("apps"), summary="TIME classification of applications",
             description="Paged as every list (?limit=&offset=): `applications` and "
                         "`by_unit` are cut to the page; the rest comes whole.")
    def apps(request: Request, limit: int = Limit, offset: int = Offset,
             who: Principal = Auth, snap: Snapshot = Snap) -> Response:
        return paged(request, snap, "apps",
                     lambda: time_classification(snap.enterprise).to_dict(), limit, offset)

    @app.get("/weights", tags=["analysis"],
             responses=ok("weights"), summary="The scoring weights ω (and AHP)")
    def weights(request: Request, who: Principal = Auth, snap: Snapshot = Snap) -> Response:
        return cached(request, snap, "weights", {},
                      lambda: weights_fn(snap.enterprise).to_dict())

    @app.get("/stability", tags=["analysis"], responses=ok("stability"),
             summary="How often each top gap stays on top when the weights move")
    def stability(request: Request, top: int = Query(10, ge=1, le=1000),
                  spread: float = Query(0.2, ge=0, le=1),
                  draws: int = Query(500, ge=1, le=10_000),
                  seed: int = Query(0, ge=0, le=2**32 - 1),
                  who: Principal = Auth, snap: Snapshot = Snap) -> Response:
        params = {"top": top, "spread": spread, "draws": draws, "seed": seed}
        return cached(request, snap, "stability", params, lambda: stability_fn(
            snap.enterprise, top, spread, draws, seed).to_dict())
