"""A terminal or pipe that is not UTF-8 (LANG=C, PYTHONIOENCODING=ascii, a Windows code
page): the table shows '?' for what it cannot hold, JSON and CSV stay UTF-8; no traceback.
`opmodel stability` stopped with a UnicodeEncodeError on 'ω', `show -f json` on '–'."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACME = str(ROOT / "examples" / "acme")


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "100",
           "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "opmodel", *args], capture_output=True,
                          stdin=subprocess.DEVNULL, env=env, timeout=120)


def test_a_terminal_that_is_not_utf8_gets_the_table_and_utf8_documents() -> None:
    table = _cli("stability", ACME, "--draws", "10")
    assert table.returncode == 0 and b"Traceback" not in table.stderr, table.stderr
    assert b"? ranges: customer" in table.stdout  # ω, shown as ?
    doc = _cli("show", ACME, "-f", "json")
    assert doc.returncode == 0 and b"Traceback" not in doc.stderr, doc.stderr
    text = doc.stdout.decode("utf-8")  # UTF-8, whatever the terminal's encoding
    assert json.loads(text)["schema"] == "opmodel.show" and "–" in text
    err = _cli("gaps", ACME, "-n", "0", "-f", "json")  # the error document too
    assert err.returncode == 1 and json.loads(err.stdout.decode("utf-8"))["ok"] is False
