"""An output that cannot be written is refused before the work (docs/output.md): `plan
--dir /proc/x` solved, printed the whole plan and only then failed; `export` to such a
place built the workbook and left dozens of lxml tracebacks at exit; `generate` made the
whole model first."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from opmodel.atomic import check_writable
from opmodel.cli import app
from opmodel.errors import InputError

NOWHERE = Path("/proc/opmodel-nowhere")  # a folder nothing can be created in, even by root

pytestmark = pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "120"})


def _forbid(monkeypatch: pytest.MonkeyPatch, module: str, name: str) -> None:
    def work(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{module}.{name} ran before the output was checked")

    monkeypatch.setattr(f"{module}.{name}", work)


def test_the_probe_names_the_output_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot write --dir /proc/opmodel-nowhere/x: "
                                         r"nothing can be written in /proc"):
        check_writable(NOWHERE / "x", f"--dir {NOWHERE / 'x'}")
    assert check_writable(tmp_path / "new" / "deeper") == tmp_path
    assert os.listdir(tmp_path) == []  # the probe file is gone


@pytest.mark.parametrize("args", [
    ["plan", "{m}", "--draws", "0", "--no-charts", "--dir", "{x}"],
    ["plan", "{m}", "--draws", "0", "-o", "/proc/opmodel-x.json"],
    ["plan", "{m}", "--draws", "0", "-o", "{x}"],  # -o DIR, the old spelling
    ["frontier", "{m}", "--steps", "2", "-o", "/proc/opmodel-x.csv"],
    ["explain", "{m}", "cpq", "-o", "/proc/opmodel-x.json"],
    ["report", "{m}", "--dir", "{x}"],
])
def test_a_solve_is_not_started_for_an_output_that_cannot_be_written(
        monkeypatch: pytest.MonkeyPatch, starter_path: Path, args: list[str]) -> None:
    _forbid(monkeypatch, "opmodel.optimize.confidence", "plan_to_confidence")
    _forbid(monkeypatch, "opmodel.optimize", "optimize")
    r = _invoke(*(a.format(m=starter_path, x=NOWHERE / "x") for a in args))
    assert r.exit_code == 1, r.output
    assert "E-INPUT" in r.output and "nothing can be written in /proc" in r.output
    assert "Value against" not in r.output and "Traceback" not in r.output


def test_makers_refuse_before_building(monkeypatch: pytest.MonkeyPatch, starter_path: Path,
                                       tmp_path: Path, capfd: pytest.CaptureFixture[str]
                                       ) -> None:
    _forbid(monkeypatch, "opmodel.io.xlsx", "model_workbook")
    _forbid(monkeypatch, "opmodel.generate", "generate")
    book = tmp_path / "m.xlsx"
    assert _invoke("export", str(starter_path), str(book)).exit_code != 0  # (forbidden)
    monkeypatch.undo()
    _forbid(monkeypatch, "opmodel.io.xlsx", "model_workbook")
    _forbid(monkeypatch, "opmodel.generate", "generate")
    for args in (["export", str(starter_path), str(NOWHERE / "m.xlsx")],
                 ["survey", "export", str(starter_path), "-b", "north", "-o",
                  "/proc/opmodel-s.xlsx"],  # (a missing folder: the test below)
                 ["generate", str(NOWHERE / "g")],
                 ["gaps", str(starter_path), "-o", "/proc/opmodel-g.csv"]):
        r = _invoke(*args)
        assert r.exit_code == 1, (args, r.output)
        assert "nothing can be written in /proc" in r.output, (args, r.output)
    monkeypatch.undo()
    r = _invoke("import", str(_book(starter_path, tmp_path)), str(NOWHERE / "m"))
    assert r.exit_code == 1 and "nothing can be written in /proc" in r.output, r.output
    err = capfd.readouterr().err
    assert "Exception ignored" not in err and "LxmlSyntaxError" not in err


def _book(starter_path: Path, tmp_path: Path) -> Path:
    from opmodel import api

    return api.export_model(starter_path, tmp_path / "m.xlsx")


def test_o_a_device_or_fifo_is_written_to_not_replaced(tmp_path: Path) -> None:
    """`-o` replaced what it named in one step (a temporary file renamed over it): a FIFO
    became a regular file (its reader got nothing), a device node too — as root,
    `-o /dev/null` would have replaced the system's /dev/null."""
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = _invoke("gaps", str(Path(__file__).resolve().parents[2] / "examples" / "acme"),
                "-n", "2", "-f", "csv", "-o", str(fifo))
    reader.join(timeout=30)  # (replaced, the FIFO never gets its writer: no hang)
    assert r.exit_code == 0, r.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and got[0].startswith(b"rank,capability,")
    if os.geteuid() == 0:  # a device node of our own (/dev/null's numbers), as root may
        dev = tmp_path / "null"
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        r = _invoke("weights", str(Path(__file__).resolve().parents[2] / "examples" / "acme"),
                    "-o", str(dev), "-f", "json")
        assert r.exit_code == 0 and stat.S_ISCHR(os.stat(dev).st_mode), r.output


def test_export_refuses_a_fifo_rather_than_replacing_it(starter_path: Path,
                                                        tmp_path: Path) -> None:
    import stat

    fifo = tmp_path / "m.xlsx"
    os.mkfifo(fifo)
    r = _invoke("export", str(starter_path), str(fifo))
    assert r.exit_code == 1 and "not a regular file" in r.output, r.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_survey_export_o_into_a_missing_folder_is_refused_as_every_o(
        tmp_path: Path, starter_path: Path) -> None:
    """`survey export -o nodir/s.xlsx` made the folder and wrote there, where every other
    `-o` refuses a file in a folder that does not exist (docs/output.md) — a typo in the
    folder's name put the survey somewhere nobody looked."""
    for args in (["survey", "export", str(starter_path), "-b", "north"],
                 ["weights", str(starter_path)]):
        r = _invoke(*args, "-o", str(tmp_path / "nodir" / "s.xlsx"))
        assert r.exit_code in (1, 2), r.output
        if args[0] == "survey":
            assert r.exit_code == 1 and "there is no folder" in r.output, r.output
    assert os.listdir(tmp_path) == []
