"""The README and the docs as a new user meets them: what they show is what the tool does
(tests/test_docs.py runs the README's command blocks; these check what the prose and the
example outputs claim)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.render import invoke as _invoke

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")




def _block(after: str, fence: str = "```text") -> str:
    return README.split(after, 1)[1].split(fence, 1)[1].split("```", 1)[0].strip()


def test_the_readme_validation_example_is_what_validate_prints(tmp_path: Path) -> None:
    """The README showed `capabilities.yaml:8:46` (the column is 55), listed the problems
    unsorted under "sorted", and left out the E-MISSING the renamed key also brings."""
    assert _invoke("init", "my-model", cwd=tmp_path).exit_code == 0
    m = tmp_path / "my-model"

    def edit(name: str, line: int, old: str, new: str) -> None:
        lines = (m / name).read_text(encoding="utf-8").splitlines(keepends=True)
        assert old in lines[line - 1], (name, lines[line - 1])
        lines[line - 1] = lines[line - 1].replace(old, new, 1)
        (m / name).write_text("".join(lines), encoding="utf-8")

    edit("capabilities.yaml", 8, "stage: sell,", "stage: sel,")
    edit("assessments.csv", 8, "quoting,north,1,", "quoting,north,one,")
    edit("initiatives.yaml", 9, "duration:", "durration:")
    r = _invoke("validate", "my-model", cwd=tmp_path)
    assert r.exit_code == 1
    shown = _block("Validation reports every problem in one run")
    assert [ln.strip() for ln in r.output.splitlines()] == shown.splitlines(), r.output


def test_the_readme_python_api_runs_as_written(tmp_path: Path, monkeypatch: Any) -> None:
    """The README's Python API block, run as written from a folder holding examples/acme
    (it writes copy-of-acme and acme.xlsx there)."""
    import shutil

    shutil.copytree(ROOT / "examples" / "acme", tmp_path / "examples" / "acme")
    monkeypatch.chdir(tmp_path)
    code = _block("## Python API", "```python")
    space: dict[str, Any] = {}
    exec(compile(code, "README.md (Python API)", "exec"), space)
    assert space["plan"].status == "optimal"
    assert (tmp_path / "copy-of-acme" / "enterprise.yaml").is_file()
    assert (tmp_path / "acme.xlsx").is_file()


def test_the_validate_json_of_docs_output_md_is_what_validate_prints(tmp_path: Path) -> None:
    """docs/output.md showed column 46 and path ["capabilities", 1, "stage"] for the
    starter's `stage: sel` (it is 55, and the fifth capability)."""
    import json

    doc = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    shown = json.loads(doc.split("### validate for editors and CI", 1)[1]
                       .split("```json", 1)[1].split("```", 1)[0])
    assert _invoke("init", "my-model", cwd=tmp_path).exit_code == 0
    caps = tmp_path / "my-model" / "capabilities.yaml"
    lines = caps.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "stage: sell," in lines[7]
    lines[7] = lines[7].replace("stage: sell,", "stage: sel,")
    caps.write_text("".join(lines), encoding="utf-8")
    r = _invoke("validate", "my-model", "--format", "json", cwd=tmp_path)
    assert r.exit_code == 1
    assert json.loads(r.stdout) == shown


def test_every_exit_code_the_docs_name_is_the_one_the_table_gives() -> None:
    """docs/reliability.md and docs/interop.md said a writer that cannot get the lock
    "exits 1 with `E-LOCKED`" (and 1 for `E-CHANGED`), where the command exits 4, as
    docs/output.md's table says: a script that retries on 4 was told to give up."""
    import re

    from opmodel.cli._exit import EXIT_CODES

    table = {code: n for n, text in EXIT_CODES.items()
             for code in re.findall(r"E-[A-Z]+(?:-[A-Z]+)*", text)}
    assert table["E-LOCKED"] == table["E-CHANGED"] == 4
    said = re.compile(r"exits? (\d) with `(E-[A-Z-]+)`|`(E-[A-Z-]+)`,? \(?exit (\d)\)?")
    found = 0
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for m in said.finditer(doc.read_text(encoding="utf-8")):
            n, code = (m[1], m[2]) if m[1] else (m[4], m[3])
            found += 1
            assert table.get(code, 1) == int(n), (doc.name, m[0])
    assert found >= 5


def test_the_store_md_steps_and_its_python_run_as_written(tmp_path: Path,
                                                          monkeypatch: Any) -> None:
    """docs/store.md: `opmodel store init sqlite:///acme.db --from examples/acme`, then its
    Python block — which asked for `version=3` of an assessment the new store holds at
    version 1, so a reader following the page got a ConflictError."""
    import shutil

    from opmodel.errors import ConflictError

    shutil.copytree(ROOT / "examples" / "acme", tmp_path / "examples" / "acme")
    r = _invoke("store", "init", "sqlite:///acme.db", "--from", "examples/acme", cwd=tmp_path)
    assert r.exit_code == 0, r.output
    monkeypatch.chdir(tmp_path)
    doc = (ROOT / "docs" / "store.md").read_text(encoding="utf-8")
    code = doc.split("## The one write path", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    space: dict[str, Any] = {}
    exec(compile(code, "docs/store.md", "exec"), space)
    assert (space["w"].version, space["w"].revision) == (2, 2)
    try:  # the same call again: based on a version that is no longer current
        exec(compile(code, "docs/store.md", "exec"), {})
    except ConflictError:
        pass
    else:
        raise AssertionError("the second write was not refused")


@pytest.mark.parametrize("page", ["analysis.md", "model.md", "optimize.md"])
def test_the_python_of_a_docs_page_runs_as_written(page: str, tmp_path: Path,
                                                   monkeypatch: Any) -> None:
    """docs/model.md's example looked up capability 'crm' in examples/acme, which has
    none (it is the starter's): UnknownIdError on its third line."""
    import shutil

    shutil.copytree(ROOT / "examples" / "acme", tmp_path / "examples" / "acme")
    monkeypatch.chdir(tmp_path)
    doc = (ROOT / "docs" / page).read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in doc.split("```python")[1:]]
    assert blocks
    for code in blocks:
        exec(compile(code, f"docs/{page}", "exec"), {})
