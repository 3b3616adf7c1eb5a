"""The suite's own set-up (docs/testing.md): the scheduling lists of tests/conftest.py name
files that exist, and the entry points run the suite over every core."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import GROUPS, LONGEST_FIRST, ROOT, work_unit


def test_the_scheduling_lists_name_test_files_that_exist() -> None:
    grouped = [p for paths in GROUPS.values() for p in paths]
    assert len(grouped) == len(set(grouped)), "a file is in one group"
    for path in grouped + [u for u in LONGEST_FIRST if u not in GROUPS]:
        assert (ROOT / path).is_file() and path.startswith("tests/"), path
    assert len(LONGEST_FIRST) == len(set(LONGEST_FIRST))


def test_a_file_is_its_own_work_unit_unless_grouped() -> None:
    for group, paths in GROUPS.items():
        for path in paths:
            assert work_unit(f"{path}::test_x[a-b]") == group
    assert work_unit("tests/io/test_xlsx.py::test_round_trip") == "tests/io/test_xlsx.py"
    assert work_unit("tests/io/test_xlsx.py") == "tests/io/test_xlsx.py"


def test_make_test_runs_over_every_core_with_xdist_in_the_dev_extra() -> None:
    make = (ROOT / "Makefile").read_text()
    xdist = re.search(r"^XDIST \?= (.*)$", make, re.M)
    assert xdist and xdist.group(1).split() == ["-n", "auto", "--dist", "loadfile"]
    assert re.search(r"^test:.*\n(\t.*\n)*\t.*pytest .*\$\(XDIST\)", make, re.M)
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["dev"]
    assert any(d.startswith("pytest-xdist") for d in dev)
