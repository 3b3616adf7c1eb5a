"""Decisions, actuals and the assessment history through files: folder round trip (byte
stable), the workbook, located errors, the trend and the report section's data."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from opmodel import api
from opmodel.cycle import trend
from opmodel.errors import ModelError
from opmodel.io.cycle_files import inputs_sha256, plan_id
from opmodel.io.folder import folder_files, write_folder
from opmodel.io.xlsx import read_xlsx

ROOT = Path(__file__).resolve().parents[2]
ACME = ROOT / "examples" / "acme"


@pytest.fixture(scope="module")
def acme() -> object:
    return api.load(ACME)


def test_acme_tells_the_story(acme: object) -> None:
    from opmodel.model import lifecycle

    lc = lifecycle(acme, "2027Q3")
    assert lc["customer-360"].status == "rejected"
    assert lc["service-platform"].status == "cancelled"
    assert lc["einvoicing"].status == "deferred" and lc["einvoicing"].until == "2027Q4"
    assert lc["tender-pricing"].status == "in-flight"
    assert lc["sap-upgrade"].slip == 1
    reviews = [d for d in acme.decisions if d.review and d.review.verdict == "non-conform"
               and d.action == "reject"]
    assert len(reviews) == 1
    overrides = [d for d in acme.decisions if d.cycle == "2027Q1"
                 and d.action in ("defer", "force-start")]
    assert len(overrides) == 2 and all(d.rationale for d in overrides)


def test_folder_round_trip_is_byte_stable(acme: object, tmp_path: Path) -> None:
    write_folder(acme, tmp_path / "a")
    again = api.load(tmp_path / "a")
    assert again == acme
    write_folder(again, tmp_path / "b")
    for name in ("decisions.yaml", "actuals.csv", "assessment_history.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_workbook_round_trip(acme: object, tmp_path: Path) -> None:
    out = api.export_model(acme, tmp_path / "acme.xlsx")
    back = read_xlsx(out).enterprise
    assert back.decisions == acme.decisions
    assert back.actuals == acme.actuals
    assert back.assessment_history == acme.assessment_history


def test_digest_is_stable_and_sensitive(acme: object) -> None:
    d = inputs_sha256(acme)
    assert d == inputs_sha256(api.load(ACME)) and len(d) == 64
    moved = acme.model_copy(update={"actuals": acme.actuals[:-1]})
    assert inputs_sha256(moved) != d
    assert plan_id("2027Q3", d) == f"plan-2027q3-{d[:12]}"
    assert "decisions.yaml" in dict(folder_files(acme))


@pytest.mark.parametrize(("find", "replace", "where", "code"), [
    ("action: reject", "action: complete", "decisions.yaml:", "E-TRANSITION"),
    ("initiative: customer-360", "initiative: customer-361", "decisions.yaml:", "E-REF"),
    ("cycle: 2027Q2", "cycle: 2027Q4", "decisions.yaml:", "E-FUTURE"),
    ("id: 2027q1-sox-itgc", "id: 2027q1-os-eos-upgrade", "decisions.yaml:", "E-DUP"),
])
def test_bad_decisions_file_is_located(tmp_path: Path, find: str, replace: str, where: str,
                                       code: str) -> None:
    dst = tmp_path / "acme"
    shutil.copytree(ACME, dst)
    p = dst / "decisions.yaml"
    text = p.read_text()
    assert find in text
    p.write_text(text.replace(find, replace, 1))
    with pytest.raises(ModelError) as exc:
        api.load(dst)
    hits = [i for i in exc.value.errors if i.code == code]
    assert hits and all(i.location and i.location.startswith(where) for i in hits)
    line = int(hits[0].location.split(":")[1])
    assert line > 4  # placed on the offending decision, not the file head


def test_bad_actuals_file_is_located(tmp_path: Path) -> None:
    dst = tmp_path / "acme"
    shutil.copytree(ACME, dst)
    with (dst / "actuals.csv").open("a") as f:
        f.write("2027Q2,service-platform-x,5,,,,\n2027Q2,cpq-global,-1,,,,\n")
    with pytest.raises(ModelError) as exc:
        api.load(dst)
    locs = {(i.code, i.location.split(":")[0], i.location.split(":")[1])
            for i in exc.value.errors}
    n = len((dst / "actuals.csv").read_text().splitlines())
    assert ("E-RANGE", "actuals.csv", str(n)) in locs


@pytest.mark.parametrize(("write", "code", "words"), [
    (lambda p: __import__("os").mkfifo(p), "E-FILE", "not a regular file"),  # never blocks
    (lambda p: p.write_text('quarter,initiative,spent\n2027Q1,"open,3\n'), "E-CSV",
     "never closed"),
    (lambda p: p.write_text("# spend\nquarter,initiative,spent\n2027Q1,x,abc\n"), "E-TYPE",
     "not a number"),
])
def test_an_actuals_file_is_read_with_the_folder_guards(tmp_path: Path, write: object,
                                                        code: str, words: str) -> None:
    from opmodel.io.cycle_files import read_actuals_file

    f = tmp_path / "spend.csv"
    write(f)  # type: ignore[operator]
    if f.is_fifo():  # a reader that blocked on it gets end-of-file after 5 s: a failure, no hang
        import threading

        unblock = threading.Timer(5, lambda: f.open("w").close())
        unblock.daemon = True
        unblock.start()
    with pytest.raises(ModelError) as exc:
        read_actuals_file(f)
    first = exc.value.errors[0]
    assert first.code == code and words in first.message and \
        first.location.startswith("spend.csv:"), first


def test_trend_and_section_data(acme: object) -> None:
    t = trend(acme)
    assert t is not None and t.cycles == ("2026Q3", "now")
    moved = [c for c in t.cells() if c["change"]]
    assert moved and all(c["change"] < 0 for c in moved)  # gaps closed since 2026Q3
    assert trend(acme.model_copy(update={"assessment_history": ()})) is None


def test_archive_assessments_keeps_the_trend(acme: object) -> None:
    from opmodel.cycle import archive_assessments

    e = archive_assessments(acme, "2027Q2")
    rows = [r for r in e.assessment_history if r.cycle == "2027Q2"]
    assert len(rows) == len(acme.assessments)
    again = archive_assessments(e, "2027Q2")
    assert again.assessment_history == e.assessment_history  # same cycle: replaced
    # raise one cell now: the trend shows it against the archived cycle
    a = next(x for x in e.assessments if x.assessed and x.current < x.target)
    bumped = tuple(x.model_copy(update={"current": x.target}) if x is a else x
                   for x in e.assessments)
    t = trend(e.model_copy(update={"assessments": bumped}), layer="current")
    assert t is not None and t.cycles[-2:] == ("2027Q2", "now")
    assert (t.values[-1] >= t.values[-2] - 1e-9)[~np.isnan(t.values[-1])].all()
