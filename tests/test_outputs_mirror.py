"""The published JSON shapes (opmodel.outputs) and the result dataclasses they describe
cannot drift apart: each shape that mirrors a dataclass names it (``mirrors_``), and here
every field must be on both sides — the same names, a type the shape accepts —
unless the shape declares it (``added_``: computed when written; ``dropped_``: left out).

The shapes are not built from the dataclasses at run time: those modules import numpy,
which `validate --format json` and every error document must not load, and the shapes say
what the dataclasses cannot (null for a number that is not one, the words a field takes,
the descriptions of docs/schemas). See opmodel/outputs/_base.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
import inspect
import operator
import types
import typing
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from opmodel import outputs
from opmodel.outputs._base import _Open


def _shapes() -> list[type[_Open]]:
    found: dict[str, type[_Open]] = {}
    for sub in ("analysis", "planning", "cycle", "model", "store", "errors"):
        mod = importlib.import_module(f"opmodel.outputs.{sub}")
        for obj in vars(mod).values():
            if inspect.isclass(obj) and issubclass(obj, _Open) and obj.__module__ == mod.__name__:
                found[obj.__name__] = obj
    return list(found.values())


MIRRORING = [s for s in _shapes() if s.mirrors_]


def _dataclass(path: str) -> type:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def _strip_none(t: Any) -> tuple[Any, bool]:
    args = typing.get_args(t)
    if typing.get_origin(t) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return functools.reduce(operator.or_, rest), True
    return t, False


def _accepts(shape_t: Any, dc_t: Any, where: str) -> list[str]:
    """Why the shape's type ``shape_t`` does not describe the dataclass's ``dc_t`` ([] when
    it does)."""
    if dc_t is Any or shape_t is Any:
        return []
    dc_core, dc_none = _strip_none(dc_t)
    sh_core, sh_none = _strip_none(shape_t)
    if dc_none and not sh_none:
        return [f"{where}: the dataclass may hold None, the shape does not allow null"]
    if dc_core is float:  # NaN is written as null: the shape may be a Number
        return [] if sh_core in (float,) else [f"{where}: a float described as {shape_t}"]
    if dc_core is int:
        return [] if sh_core in (int, float) else [f"{where}: an int described as {shape_t}"]
    if dc_core in (dt.date, dt.datetime):  # written in ISO 8601
        return [] if sh_core is str else [f"{where}: a date described as {shape_t}"]
    if dc_core in (str, bool):
        if sh_core is dc_core or (dc_core is str and typing.get_origin(sh_core) is Literal):
            return []
        return [f"{where}: a {dc_core.__name__} described as {shape_t}"]
    if typing.get_origin(dc_core) is Literal:
        if sh_core is str or (typing.get_origin(sh_core) is Literal
                              and set(typing.get_args(dc_core)) <= set(typing.get_args(sh_core))):
            return []
        return [f"{where}: {dc_core} described as {shape_t}"]
    origin = typing.get_origin(dc_core)
    if origin in (tuple, list):
        if typing.get_origin(sh_core) is not list:
            return [f"{where}: a sequence described as {shape_t}"]
        item = typing.get_args(dc_core)[0]
        return _accepts(typing.get_args(sh_core)[0], item, f"{where}[]")
    if origin is dict:
        if inspect.isclass(sh_core) and issubclass(sh_core, BaseModel):
            return []  # a mapping whose keys the shape describes one by one
        if typing.get_origin(sh_core) is not dict:
            return [f"{where}: a mapping described as {shape_t}"]
        (dk, dv), (sk, sv) = typing.get_args(dc_core), typing.get_args(sh_core)
        return _accepts(sk, dk, f"{where}{{key}}") + _accepts(sv, dv, f"{where}{{}}")
    if dataclasses.is_dataclass(dc_core):
        if inspect.isclass(sh_core) and issubclass(sh_core, BaseModel) and \
                sh_core.mirrors_ == f"{dc_core.__module__}:{dc_core.__name__}":
            return []
        return [f"{where}: the dataclass {dc_core.__name__} described by {shape_t}, which "
                f"does not mirror it"]
    return [f"{where}: {dc_t} is not a type this test knows; teach _accepts"]


def test_shapes_name_the_dataclasses_they_mirror() -> None:
    assert len(MIRRORING) >= 20, [s.__name__ for s in MIRRORING]


@pytest.mark.parametrize("shape", MIRRORING, ids=lambda s: s.__name__)
def test_a_shape_and_its_dataclass_have_the_same_fields(shape: type[_Open]) -> None:
    dc = _dataclass(shape.mirrors_)
    assert dataclasses.is_dataclass(dc), shape.mirrors_
    hints = typing.get_type_hints(dc)
    dc_fields = [f.name for f in dataclasses.fields(dc) if f.name not in shape.dropped_]
    assert set(shape.dropped_) <= {f.name for f in dataclasses.fields(dc)}, \
        f"{shape.__name__}.dropped_ names fields {shape.mirrors_} does not have"
    sh_fields = {(f.alias or n): f for n, f in shape.model_fields.items()}
    if issubclass(shape, outputs.Output):
        sh_fields = {k: v for k, v in sh_fields.items() if k not in ("schema", "version")}
    assert set(shape.added_) <= set(sh_fields), f"{shape.__name__}.added_ names no field"
    mirrored = [n for n in sh_fields if n not in shape.added_ or n in shape.dropped_]
    mirrored = [n for n in mirrored if n not in shape.dropped_]
    assert sorted(mirrored) == sorted(dc_fields), (
        f"{shape.__name__} ≠ {shape.mirrors_}: only in the shape "
        f"{sorted(set(mirrored) - set(dc_fields))}, only in the dataclass "
        f"{sorted(set(dc_fields) - set(mirrored))} (add it to both, or declare it in "
        "added_/dropped_)")
    problems = [p for n in dc_fields
                for p in _accepts(sh_fields[n].annotation, hints[n], f"{shape.__name__}.{n}")]
    assert problems == []


def test_the_check_can_fail() -> None:
    """A dataclass field the shape lacks, or a float shape over a string, is seen."""
    @dataclasses.dataclass
    class Row:
        a: str
        b: float | None

    class Shape(_Open):
        a: float
        b: float

    assert _accepts(Shape.model_fields["a"].annotation, str, "a")
    assert _accepts(Shape.model_fields["b"].annotation, float | None, "b")
    assert not _accepts(float | None, float, "c")
