"""Mutated model files: whatever the bytes, reading ends in a located error or a model.

In-process and quick (the subprocess cases in test_hostile.py cover crashes and limits);
Hypothesis inserts, deletes and replaces bytes drawn from YAML and CSV syntax, control
characters and broken UTF-8 in one file of the starter model at a time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opmodel.errors import OpmodelError
from opmodel.io.folder import read_folder

from .builders import STARTER

FILES = sorted(p.name for p in STARTER.iterdir())
PIECES = [b"{", b"}", b"[", b"]", b":", b",", b"-", b"&a", b"*a", b"!!", b"|", b">", b"'",
          b'"', b"#", b"\n", b"\t", b" ", b"\x00", b"\x1b", b"\xff", b"\xc3", b"1e999",
          b".nan", b"2027Q9", b"n/a", b"<<: ", b"? ", b"--- ", b"%YAML 1.1\n"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(FILES),
       edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 2),
                                st.lists(st.sampled_from(PIECES), min_size=1, max_size=4)),
                      min_size=1, max_size=5))
def test_mutated_files_give_located_errors(tmp_path: Path, name: str,
                                           edits: list[tuple[float, int, list[bytes]]]
                                           ) -> None:
    model = tmp_path / "m"
    if model.exists():
        shutil.rmtree(model)
    shutil.copytree(STARTER, model)
    data = bytearray((model / name).read_bytes())
    for where, how, pieces in edits:
        k = int(where * len(data))
        piece = b"".join(pieces)
        if how == 0:
            data[k:k] = piece
        elif how == 1:
            del data[k:k + len(piece)]
        else:
            data[k:k + len(piece)] = piece
    (model / name).write_bytes(bytes(data))
    try:
        read_folder(model)
    except OpmodelError as exc:
        for issue in getattr(exc, "issues", []):
            assert issue.location, issue
