"""The same result in every format: the csv rows are the json's table row for row (ids,
order, numbers to the last digit), and -n is how many in every format (docs/output.md)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from opmodel.cli import app

ACME = str(Path(__file__).resolve().parents[2] / "examples" / "acme")


def _run(*args: str) -> Any:
    r = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    return r


def _same(json_value: Any, text: str) -> bool:
    if isinstance(json_value, bool):
        return text == str(json_value)
    if isinstance(json_value, int | float):
        return math.isclose(float(text), json_value, rel_tol=0, abs_tol=0)  # every digit
    if json_value is None:
        return text == ""
    if isinstance(json_value, list):
        return text == ";".join(map(str, json_value))
    return text == str(json_value)


@pytest.mark.parametrize(("args", "key"), [
    (["gaps", ACME, "-n", "60"], "rows"),
    (["homogeneity", ACME, "--by", "stage"], "stages"),
    (["apps", ACME], "applications"),
    (["apps", ACME, "--by-unit"], "by_unit"),
    (["stability", ACME, "--draws", "40"], "cells"),
    (["survey", "status", ACME], "units"),
])
def test_csv_rows_are_the_json_rows(args: list[str], key: str) -> None:
    """`gaps -f csv` wrote 0.688186 where the json has 0.6881855525770622 (and 3e+06 for a
    budget of 3,000,000 in a plan's tables): a script comparing the two found them unequal."""
    items = json.loads(_run(*args, "-f", "json").stdout)[key]
    rows = list(csv.DictReader(io.StringIO(_run(*args, "-f", "csv").stdout)))
    assert len(rows) == len(items) > 0
    for item, row in zip(items, rows, strict=True):
        shared = [k for k in row if k in item and not isinstance(item[k], dict)]
        assert len(shared) >= len(row) - 1, (args, list(row), list(item))
        for k in shared:
            assert _same(item[k], row[k]), (args, k, item[k], row[k])


def test_heatmap_csv_cells_are_the_json_grid() -> None:
    """The json's grid (values to 6 decimals) and the csv's cells, one a row, agree."""
    doc = json.loads(_run("heatmap", ACME, "-f", "json").stdout)
    rows = list(csv.DictReader(io.StringIO(_run("heatmap", ACME, "-f", "csv").stdout)))
    cells = [(r["id"], c["id"]) for r in doc["rows"] for c in doc["columns"]]
    assert [(x["business_unit"], x["column"]) for x in rows] == cells
    flat = [v for row in doc["values"] for v in row]
    states = [s for row in doc["state"] for s in row]
    for x, v, state in zip(rows, flat, states, strict=True):
        assert _same(v, x["value"]) and x["state"] == state, (x, v, state)


def test_homogeneity_savings_are_one_number_everywhere() -> None:
    """A capability's duplicated cost (total − best) read 275.00000000000006 beside its
    candidate's savings 275.0 (the retired costs summed), in the json and the csv."""
    doc = json.loads(_run("homogeneity", ACME, "-f", "json").stdout)
    rows = list(csv.DictReader(io.StringIO(_run("homogeneity", ACME, "-f", "csv").stdout)))
    caps = {c["capability"]: c for c in doc["capabilities"]}
    for c, row in zip(doc["candidates"], rows, strict=True):
        assert row["capability"] == c["capability"] and row["keep"] == c["keep"]["application"]
        assert c["savings"] == caps[c["capability"]]["duplicated_cost"] == \
            float(row["savings"]), c["capability"]
    assert doc["total_savings"] == sum(c["savings"] for c in doc["candidates"])


def test_homogeneity_csv_columns_are_the_json_fields() -> None:
    """`homogeneity -f csv` headed its candidates `units` (a count) and `duplicated_cost`
    where the json's candidates say `business_units` (the units) and `savings`: a script
    reading both formats found no common name for the same number."""
    doc = json.loads(_run("homogeneity", ACME, "-f", "json").stdout)
    rows = list(csv.DictReader(io.StringIO(_run("homogeneity", ACME, "-f", "csv").stdout)))
    assert len(rows) == len(doc["candidates"]) > 0
    for c, row in zip(doc["candidates"], rows, strict=True):
        assert list(row) == list(c), (list(row), list(c))  # the same names, in json order
        for k, v in c.items():
            if k == "keep":  # an application in the json, its id in the csv
                assert row[k] == v["application"]
            elif k == "retire":
                assert row[k] == ";".join(a["application"] for a in v)
            else:
                assert _same(v, row[k]), (k, v, row[k])


def test_n_is_how_many_in_every_format() -> None:
    """`homogeneity -n 3 -f json` gave all 29 candidates (the table 3), and `-n -1` showed
    every candidate but the last ("top -1 of 29")."""
    for args, key in ((["gaps", ACME, "-n", "3"], "rows"),
                      (["homogeneity", ACME, "-n", "3"], "candidates")):
        doc = json.loads(_run(*args, "-f", "json").stdout)
        rows = list(csv.DictReader(io.StringIO(_run(*args, "-f", "csv").stdout)))
        table = _run(*args).stdout
        assert len(doc[key]) == len(rows) == 3, args
        assert "Top 3" in table or "top 3" in table
        assert [r["capability"] for r in rows] == [c["capability"] for c in doc[key]]
    whole = json.loads(_run("homogeneity", ACME, "-f", "json").stdout)
    assert len(whole["candidates"]) > 20  # without -n: all of them, as the REST API answers
    for n in ("0", "-1"):
        r = CliRunner().invoke(app, ["homogeneity", ACME, "-n", n])
        assert r.exit_code == 1 and "--top must be at least 1" in r.output, r.output


def test_o_dash_is_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`-o -` wrote a file named '-' in the current folder (with the table in it); as in
    most Unix tools it is stdout, in the format asked."""
    monkeypatch.chdir(tmp_path)
    for fmt in ("csv", "json"):
        plain = _run("gaps", ACME, "-n", "3", "-f", fmt).stdout
        dash = _run("gaps", ACME, "-n", "3", "-f", fmt, "-o", "-")
        assert dash.stdout == plain and "wrote" not in dash.output
    assert list(tmp_path.iterdir()) == []
