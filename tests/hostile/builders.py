"""Building the hostile inputs of :mod:`tests.hostile.cases`: each builder makes its input in
an empty work folder (usually a copy of the starter or Acme model with one thing broken) and
returns the command line to run there."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACME = ROOT / "examples" / "acme"
STARTER = ROOT / "src" / "opmodel" / "starter"
DATA = ROOT / "tests" / "data" / "interop"


# -- helpers ----------------------------------------------------------------------------
def model(work: Path, base: Path = STARTER) -> Path:
    dst = work / "model"
    shutil.copytree(base, dst)
    return dst


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8", newline="")


def validate(work: Path, change: Callable[[Path], None], *more: str,
             base: Path = STARTER) -> list[str]:
    m = model(work, base)
    change(m)
    return ["validate", str(m), *more]


def on(file: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda m: edit(m / file, old, new)


def rewrite_zip(src: Path, dst: Path, edits: dict[str, Callable[[bytes], bytes]]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                data = edits[info.filename](data)
            zout.writestr(info.filename, data)


def workbook(work: Path, edits: dict[str, Callable[[bytes], bytes]] | None = None) -> Path:
    """The starter model as a workbook (work/model.xlsx), with ``edits`` to its parts."""
    from opmodel import api

    plain = work / "plain.xlsx"
    api.export_model(api.read(STARTER).enterprise, plain)
    out = work / "model.xlsx"
    rewrite_zip(plain, out, edits or {})
    plain.unlink()
    return out


def sheet_part(xlsx: Path, title: str) -> str:
    """The zip member holding worksheet ``title``."""
    with zipfile.ZipFile(xlsx) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'name="{title}"[^>]*r:id="(rId\d+)"', wb).group(1)  # type: ignore[union-attr]
    target = re.search(rf'Target="/?([^"]+)" Id="{rid}"', rels).group(1)  # type: ignore[union-attr]
    return target


DOCTYPE = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')


def with_doctype(part: bytes) -> bytes:
    body = part.split(b"?>", 1)[1] if part.startswith(b"<?xml") else part
    return DOCTYPE + body.replace(b"<v>", b"<v>&lol2;", 1)


def xlsx_with(title: str, change: Callable[[bytes], bytes]) -> Callable[[Path], list[str]]:
    def build(work: Path) -> list[str]:
        from opmodel import api

        probe = work / "probe.xlsx"
        api.export_model(api.read(STARTER).enterprise, probe)
        part = sheet_part(probe, title)
        probe.unlink()
        return ["import", str(workbook(work, {part: change})), str(work / "out")]
    return build


def survey_with(change: Callable[[bytes], bytes]) -> Callable[[Path], list[str]]:
    def build(work: Path) -> list[str]:
        from opmodel.io.survey import export_survey

        m = model(work)
        plain = work / "plain.xlsx"
        export_survey(m, "north", plain, today=dt.date(2026, 11, 1))
        part = sheet_part(plain, "Assessments")
        out = work / "north.xlsx"
        rewrite_zip(plain, out, {part: change})
        plain.unlink()
        return ["survey", "merge", str(m), str(out)]
    return build


def formula_cell(part: bytes) -> bytes:
    """The first numeric cell of a sheet turned into a formula with no cached value."""
    new, n = re.subn(rb'<c r="([A-Z]+[0-9]+)"([^>]*?) t="n"><v>[^<]*</v></c>',
                     rb'<c r="\1"\2><f>1+1</f></c>', part, count=1)
    assert n == 1
    return new


def survey_formula(part: bytes) -> bytes:
    """The first answer cell (current maturity, column E) of a survey as a formula."""
    new, n = re.subn(rb'<c r="E2"([^>]*?)(?: t="\w+")?>(?:<v>[^<]*</v>|<is>.*?</is>)</c>',
                     rb'<c r="E2"\1><f>2+1</f></c>', part, count=1)
    assert n == 1, part[:2000]
    return new


# -- builders of the bigger hostile inputs ------------------------------------------------
def billion_laughs(work: Path) -> list[str]:
    m = model(work)
    lines = ['lol0: &l0 "lol"']
    lines += [f"lol{i + 1}: &l{i + 1} [" + ",".join([f"*l{i}"] * 10) + "]" for i in range(9)]
    text = (m / "enterprise.yaml").read_text()
    text = text.replace("description: A small starter model; replace it with your own "
                        "enterprise.", "description: *l9")
    (m / "enterprise.yaml").write_text("\n".join(lines) + "\n" + text)
    return ["validate", str(m)]


def alias_effects(work: Path) -> list[str]:
    """A million effects built from aliases (1,000 × 1,000)."""
    m = model(work)
    text = (m / "initiatives.yaml").read_text()
    text = text.replace("initiatives:\n", "x-effect: &e {capability: quoting, uplift: 1}\n"
                        "x-thousand: &k [" + ", ".join(["*e"] * 1000) + "]\ninitiatives:\n")
    text = text.replace("      - {capability: quoting, uplift: 2}\n",
                        "".join("      - *k\n" for _ in range(1000)), 1)
    (m / "initiatives.yaml").write_text(text)
    return ["validate", str(m)]


def nested_block(levels: int) -> Callable[[Path], list[str]]:
    def build(work: Path) -> list[str]:
        m = model(work)
        body = "".join(" " * k + "- \n" for k in range(1, levels + 1))
        (m / "policy.yaml").write_text("carry_over: none\nguardrails:\n" + body)
        return ["validate", str(m)]
    return build


def nested_flow(levels: int) -> Callable[[Path], list[str]]:
    def build(work: Path) -> list[str]:
        m = model(work)
        (m / "customers.yaml").write_text("segments: " + "[" * levels + "]" * levels + "\n")
        return ["validate", str(m)]
    return build


def huge_file(work: Path) -> list[str]:
    m = model(work)
    with open(m / "initiatives.yaml", "r+b") as f:  # sparse: 60 MB that cost no disk
        f.truncate(60 << 20)
    return ["validate", str(m)]


def link_to(target: str | Callable[[Path], Path], name: str) -> Callable[[Path], list[str]]:
    def build(work: Path) -> list[str]:
        m = model(work)
        (m / name).unlink()
        dest = target(work) if callable(target) else Path(target)
        os.symlink(dest, m / name)
        return ["validate", str(m)]
    return build


def outside_budgets(work: Path) -> Path:
    out = work / "elsewhere.csv"
    out.write_text("period,pool,amount\n2027Q1,enterprise,999999\n")
    return out


def fifo(name: str) -> Callable[[Path], list[str]]:
    def build(work: Path) -> list[str]:
        m = model(work)
        (m / name).unlink()
        os.mkfifo(m / name)
        return ["validate", str(m)]
    return build


def folder_named(name: str) -> Callable[[Path], list[str]]:
    def build(work: Path) -> list[str]:
        m = model(work)
        (m / name).unlink()
        (m / name).mkdir()
        return ["validate", str(m)]
    return build


def zip_bomb(work: Path) -> list[str]:
    """A workbook whose sheet inflates 1,000× to 64 MB."""
    out = workbook(work)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet99.xml", b"\0" * (64 << 20))
    return ["import", str(out), str(work / "out")]


def lying_sizes(work: Path) -> list[str]:
    """A workbook whose central directory claims a sheet unpacks to 3 GB."""
    out = workbook(work)
    data = bytearray(out.read_bytes())
    with zipfile.ZipFile(out) as z:
        info = z.getinfo("xl/workbook.xml")
        size = info.file_size
    k = data.find(b"PK\x01\x02")
    while k >= 0:  # patch the uncompressed size of xl/workbook.xml in the central directory
        name_len = int.from_bytes(data[k + 28:k + 30], "little")
        name = bytes(data[k + 46:k + 46 + name_len])
        if name == b"xl/workbook.xml":
            assert int.from_bytes(data[k + 24:k + 28], "little") == size
            data[k + 24:k + 28] = (3 << 30).to_bytes(4, "little")
        k = data.find(b"PK\x01\x02", k + 4)
    out.write_bytes(bytes(data))
    return ["import", str(out), str(work / "out")]


def dependency_cycle(work: Path) -> list[str]:
    m = model(work)
    edit(m / "initiatives.yaml", "    retires: [quote-tool-s]\n",
         "    retires: [quote-tool-s]\n    depends_on: [crm-upgrade]\n")
    return ["validate", str(m)]


def csv_rows(rows: int, line: str) -> Callable[[Path], list[str]]:
    def build(work: Path) -> list[str]:
        m = model(work)
        header = (m / "assessments.csv").read_text().splitlines()[0]
        with open(m / "assessments.csv", "w") as f:
            f.write(header + "\n")
            f.writelines([line] * rows)
        return ["validate", str(m)]
    return build


def removed_unit(work: Path) -> list[str]:
    m = model(work, ACME)
    text = (m / "enterprise.yaml").read_text()
    start = text.index("  - id: storage\n")
    end = text.index("  - id: networking\n")
    (m / "enterprise.yaml").write_text(text[:start] + text[end:])
    return ["validate", str(m)]


def line_100(work: Path) -> list[str]:
    m = model(work, ACME)
    lines = (m / "initiatives.yaml").read_text().splitlines(keepends=True)
    assert lines[99].startswith("    name: ")
    lines[99] = "    name: [unclosed :100: and more\n"
    (m / "initiatives.yaml").write_text("".join(lines))
    return ["validate", str(m)]


def markup_names(work: Path) -> list[str]:
    m = model(work)
    edit(m / "stages.yaml", "name: Attract customers", "name: '[bold]Attract :smile: [/]'")
    edit(m / "enterprise.yaml", "currency: EUR", "currency: '[red]EUR:smile:'")
    edit(m / "capabilities.yaml", "name: Marketing,", "name: '[link=x]Mkt:thumbs_up:',")
    return ["show", str(m)]


def markup_value(work: Path) -> list[str]:
    m = model(work)
    edit(m / "assessments.csv", "marketing,north,2,3,1,stated,a.lee,2026-10-01,",
         "marketing,north,[red]:smile:,3,1,stated,a.lee,2026-10-01,[bold]note :x:")
    return ["validate", str(m)]


def not_utf8(work: Path) -> list[str]:
    m = model(work)
    text = (m / "assessments.csv").read_text().replace("Quotes take three days",
                                                       "Devis en trois journées")
    (m / "assessments.csv").write_bytes(text.encode("latin-1"))
    return ["validate", str(m)]


def ceiling_plan(work: Path) -> list[str]:
    m = model(work)
    edit(m / "initiatives.yaml", "    cost: 900\n", "    cost: 9.9e12\n    direct_value: 1e13\n")
    edit(m / "initiatives.yaml", "cost_range: {low: 750, likely: 900, high: 1300}",
         "cost_range: {low: 9e12, likely: 9.9e12, high: 1e13}")
    edit(m / "budgets.csv", "2027Q1,enterprise,300", "2027Q1,enterprise,1e13")
    return ["plan", str(m), "--draws", "200", "--time-limit", "20"]


def plan_onto_file(work: Path) -> list[str]:
    (work / "plan.json").write_text("{}\n")
    return ["plan", str(model(work)), "--dir", str(work / "plan.json")]


def diff_unknown(work: Path) -> list[str]:
    m = model(work)
    (m / "scenarios.yaml").write_text("scenarios:\n  - {id: lean, name: Lean, "
                                      "budget_scale: 0.9}\n")
    return ["diff", str(m), "base", "laen"]


def scenario_scale(work: Path) -> list[str]:
    m = model(work)
    (m / "scenarios.yaml").write_text("scenarios:\n  - {id: rich, name: Rich, "
                                      "budget_scale: 1e9}\n")
    return ["plan", str(m), "--scenario", "rich"]


def scenario_alias(work: Path) -> list[str]:
    m = model(work)
    (m / "scenarios.yaml").write_text("scenarios:\n  - &s {id: rich, name: Rich}\n  - *s\n")
    return ["plan", str(m), "--scenario", "rich"]


def unknown_files(work: Path) -> list[str]:
    m = model(work)
    (m / "initiatives.yaml").rename(m / "initiative.yaml")
    return ["validate", str(m)]


def welcome_files(work: Path) -> list[str]:
    m = model(work)
    (m / "README.md").write_text("# notes\n")
    (m / ".git").mkdir()
    (m / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (m / "scenarios.yaml").write_text("scenarios: []\n")
    (m / "history").mkdir()
    return ["validate", str(m), "--strict"]


def archimate(name: str) -> Callable[[Path], list[str]]:
    def build(work: Path) -> list[str]:
        shutil.copy(DATA / name, work / name)
        return ["import", str(work / name), str(work / "out")]
    return build


def fifo_import(work: Path) -> list[str]:
    os.mkfifo(work / "model.xlsx")
    return ["import", str(work / "model.xlsx"), str(work / "out")]


def text_file_as_xlsx(work: Path) -> list[str]:
    (work / "model.xlsx").write_text("capability,business_unit\n")
    return ["import", str(work / "model.xlsx"), str(work / "out")]


def link_inside(work: Path) -> list[str]:
    m = model(work)
    (m / "stages.yaml").rename(m / ".stages-real.yaml")
    os.symlink(".stages-real.yaml", m / "stages.yaml")
    return ["validate", str(m)]


def link_loop(work: Path) -> list[str]:
    m = model(work)
    (m / "budgets.csv").unlink()
    os.symlink("budgets.csv", m / "budgets.csv")
    return ["validate", str(m)]


def dangling_link(work: Path) -> list[str]:
    m = model(work)
    (m / "budgets.csv").unlink()
    os.symlink("gone.csv", m / "budgets.csv")
    return ["validate", str(m)]


# -- output paths that cannot be written (a missing folder, a file where a folder is) ---------
def a_file(work: Path) -> Path:
    (work / "afile").write_text("not a folder\n")
    return work / "afile"


def o_into_missing_folder(work: Path) -> list[str]:
    return ["gaps", str(model(work)), "-o", str(work / "missing" / "gaps.json")]


def export_under_a_file(work: Path) -> list[str]:
    return ["export", str(model(work)), str(a_file(work) / "model.xlsx")]


def init_onto_a_file(work: Path) -> list[str]:
    return ["init", str(a_file(work))]


def plan_dir_under_a_file(work: Path) -> list[str]:
    return ["plan", str(model(work)), "--dir", str(a_file(work) / "plan")]


def scenario_with(scale: str, command: str = "plan") -> Callable[[Path], list[str]]:
    """A starter model whose scenarios.yaml scales budgets by ``scale``."""
    def build(work: Path) -> list[str]:
        m = model(work)
        (m / "scenarios.yaml").write_text("scenarios:\n  - {id: odd, name: Odd, "
                                          f"budget_scale: {scale}}}\n")
        return ["plan", str(m), "--scenario", "odd"] if command == "plan" \
            else ["validate", str(m)]
    return build


def o_onto_a_model_file(work: Path) -> list[str]:
    m = model(work)
    return ["gaps", str(m), "-o", str(m / "assessments.csv")]


def plan_dir_is_the_model(work: Path) -> list[str]:
    m = model(work)
    return ["plan", str(m), "--dir", str(m), "--draws", "0"]
