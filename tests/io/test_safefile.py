"""Defensive reading of model files: the pieces the hostile-input suite relies on."""

from __future__ import annotations

import os
from pathlib import Path

from opmodel.errors import Issue
from opmodel.io.folder import OTHER_FILES, known_files
from opmodel.io.safefile import (
    MAX_DEPTH,
    control_characters,
    decode,
    excerpt,
    not_regular,
    read_bytes,
    yaml_guard,
)


def test_excerpt_escapes_and_caps() -> None:
    assert excerpt("a\x00b\tc\nd") == "a\\x00b\\tc\\nd"
    long = excerpt("root:x:0:0:" * 100)
    assert len(long) == 81 and long.endswith("…")


def test_read_bytes_refuses_what_is_not_a_regular_file_inside(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "ok.csv").write_text("a\n")
    (tmp_path / "outside.csv").write_text("secret\n")
    os.symlink(tmp_path / "outside.csv", root / "out.csv")
    os.symlink("ok.csv", root / "in.csv")
    os.mkfifo(root / "pipe.csv")
    (root / "dir.csv").mkdir()
    assert read_bytes(root, "ok.csv") == b"a\n"
    assert read_bytes(root, "in.csv") == b"a\n"
    assert read_bytes(root, "none.csv") is None
    for name, words in (("out.csv", "outside the model folder"), ("pipe.csv", "FIFO"),
                        ("dir.csv", "a folder")):
        got = read_bytes(root, name)
        assert isinstance(got, Issue) and got.code == "E-FILE" and words in got.message
        assert got.location == f"{name}:1"
    big = read_bytes(root, "ok.csv", limit=1)
    assert isinstance(big, Issue) and "above the limit" in big.message
    assert not_regular(root / "pipe.csv") == "a named pipe (FIFO)"
    assert not_regular(root / "ok.csv") is None


def test_decode_locates_the_first_bad_byte() -> None:
    issue = decode("a.csv", "x,y\nok,\xe9t\xe9\n".encode("latin-1"))
    assert isinstance(issue, Issue) and issue.location == "a.csv:2:4"
    assert decode("a.csv", b"\xef\xbb\xbfx\n") == "x\n"


def test_control_characters_one_issue_per_line_at_most_ten() -> None:
    assert control_characters("a.csv", "tab\tand\r\nnewline\n") == []
    found = control_characters("a.csv", "ok\nbad\x00\x00\n" + "\x07\n" * 30)
    assert [i.location for i in found[:2]] == ["a.csv:2:4", "a.csv:3:1"]
    assert len(found) == 11 and "only the first ten" in found[-1].message


def test_yaml_guard_stops_at_the_first_problem() -> None:
    assert yaml_guard("a.yaml", "a: [1, 2, {b: c}]\n") is None
    assert yaml_guard("a.yaml", "a: R&D *not an alias* 5*3\n") is None
    assert yaml_guard("a.yaml", "a: [unclosed\n") is None  # the loader reports syntax
    alias = yaml_guard("a.yaml", "a: &x [1]\nb: *x\n")
    assert alias is not None and alias.location == "a.yaml:1:4"
    deep = yaml_guard("a.yaml", "a: " + "[" * 1_000_000 + "]" * 1_000_000)
    assert deep is not None and f"deeper than {MAX_DEPTH}" in deep.message
    digits = yaml_guard("a.yaml", "a: " + "1" * 5000 + "\n")
    assert digits is not None and "5,000 digits" in digits.message
    assert yaml_guard("a.yaml", "a: '" + "1" * 5000 + "'\n") is None  # quoted: text


def test_known_files_in_one_list() -> None:
    names = known_files()
    assert "initiatives.yaml" in names and "assessments.csv" in names
    assert all(n in names for n in OTHER_FILES) and "history/" in names
    assert {"decisions.yaml", "actuals.csv", "assessment_history.csv"} <= set(names)
