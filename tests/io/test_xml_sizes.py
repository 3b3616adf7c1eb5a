"""An exchange file's parsed tree costs far more memory than its text (40 MB of `<e/>` took
1.35 GB; the 1 GiB file limit allowed some 35 GB): the tags are counted before parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from opmodel.errors import ModelError
from opmodel.io import safexml
from opmodel.io.safexml import parse_file

HEAD = b'<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/">'


def test_a_file_with_more_tags_than_the_limit_is_refused_before_parsing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "flat.xml"
    p.write_bytes(HEAD + b"<e/>" * 98 + b"</model>")  # 100 tags
    monkeypatch.setattr(safexml, "MAX_TAGS", 100)
    assert len(parse_file(p).getroot()) == 98
    monkeypatch.setattr(safexml, "MAX_TAGS", 99)
    monkeypatch.setattr(safexml.etree, "fromstring", None)  # not parsed at all
    with pytest.raises(ModelError) as e:
        parse_file(p)
    (issue,) = e.value.issues
    assert issue.code == "E-XML" and issue.location == "flat.xml:1", issue
    assert "100 tags" in issue.message
