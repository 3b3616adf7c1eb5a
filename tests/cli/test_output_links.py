"""`-o FILE` where FILE is a symbolic link: the link stays, the file it leads to is written
(in one step, as every output). `-o link.json` replaced the link by a regular file, so a
link kept in a shared folder (`latest.json -> runs/2027Q3.json`) silently stopped being one
and the file it named was never updated — for every command that takes `-o`, and for
`export`'s OUT."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from opmodel.atomic import link_target, write_file
from opmodel.cli import app
from opmodel.errors import InputError


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "120"})


@pytest.mark.parametrize(("args", "name", "magic"), [
    (["weights", "{m}", "-o", "{o}"], "w.json", b"{"),
    (["validate", "{m}", "-f", "csv", "-o", "{o}"], "v.csv", b"code"),
    (["gaps", "{m}", "-o", "{o}"], "g.svg", b"<svg"),
    (["plan", "{m}", "--draws", "0", "-o", "{o}"], "p.json", b"{"),
    (["survey", "export", "{m}", "-b", "north", "--force", "-o", "{o}"], "s.xlsx", b"PK"),
    (["export", "{m}", "{o}"], "m.xlsx", b"PK"),
    (["export", "{m}", "{o}"], "m.xml", b"<?xml"),
])
def test_an_output_that_is_a_link_writes_the_file_it_leads_to(
        tmp_path: Path, starter_path: Path, args: list[str], name: str, magic: bytes) -> None:
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / name
    target.write_bytes(b"old")
    link = tmp_path / name
    link.symlink_to(Path("runs") / name)  # relative, as people make them
    r = _invoke(*(a.format(m=starter_path, o=link) for a in args))
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and os.readlink(link) == str(Path("runs") / name)
    assert target.read_bytes().startswith(magic), target.read_bytes()[:40]
    assert sorted(os.listdir(tmp_path)) == sorted(["runs", name])  # no temporary left
    assert os.listdir(tmp_path / "runs") == [name]


def test_a_link_to_a_file_not_made_yet_makes_it(tmp_path: Path, starter_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "runs" / "2027Q3.json")
    r = _invoke("weights", str(starter_path), "-o", str(link))
    assert r.exit_code == 0, r.output
    assert link.is_symlink()
    assert json.loads((tmp_path / "runs" / "2027Q3.json").read_text())["schema"]


def test_a_link_into_a_model_folder_is_refused(tmp_path: Path, starter_copy: Path) -> None:
    """`-o acme/assessments.csv` is refused; a link to that file must be too, now that the
    write goes through the link."""
    before = (starter_copy / "assessments.csv").read_bytes()
    link = tmp_path / "out.csv"
    link.symlink_to(starter_copy / "assessments.csv")
    r = _invoke("gaps", str(starter_copy), "-f", "csv", "-o", str(link))
    assert r.exit_code == 1 and "would replace assessments.csv" in r.output, r.output
    assert (starter_copy / "assessments.csv").read_bytes() == before and link.is_symlink()


def test_a_link_in_a_loop_is_refused_and_left(tmp_path: Path, starter_path: Path) -> None:
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    r = _invoke("weights", str(starter_path), "-o", str(loop))
    assert r.exit_code == 1 and "leads nowhere" in r.output, r.output
    assert loop.is_symlink() and os.listdir(tmp_path) == ["loop.json"]
    with pytest.raises(InputError, match="leads nowhere"):
        write_file(loop, b"x")


def test_write_file_keeps_a_link_and_its_targets_mode(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "l.txt"
    link.symlink_to(target)
    assert link_target(link) == target and link_target(target) == target
    assert write_file(link, "new") == target
    assert link.is_symlink() and target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_link_another_user_planted_in_a_shared_folder_is_not_followed(
        tmp_path: Path, starter_path: Path) -> None:
    """Following `-o`'s link must not become a way to overwrite someone's file: a link in a
    sticky world-writable folder (/tmp) owned by another user is refused, as Linux's
    fs.protected_symlinks refuses `>` through it."""
    if os.geteuid() != 0:
        pytest.skip("making a link of another user needs root (CI runs as root)")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    victim = tmp_path / "mine.txt"
    victim.write_text("keep me")
    link = shared / "out.json"
    link.symlink_to(victim)
    os.lchown(link, 4242, 4242)  # another user's link
    r = _invoke("weights", str(starter_path), "-o", str(link))
    assert r.exit_code == 1 and "another user made" in r.output, r.output
    assert victim.read_text() == "keep me" and link.is_symlink()
    os.lchown(link, os.geteuid(), os.getegid())  # your own link there: followed
    assert _invoke("weights", str(starter_path), "-o", str(link)).exit_code == 0
    assert victim.read_text().startswith("{")
