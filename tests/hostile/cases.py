"""The hostile-input cases: one row each, grouped by category (see docs/reliability.md).

Each case builds its input in an empty work folder (usually a copy of the starter or Acme
model with one thing broken) and names the command line to run there. The suite runs it in
a subprocess with a memory limit and a timeout and checks the exit code, that every
``expect`` pattern is in the output (the located message), that no ``reject`` pattern is,
that nothing was printed as a traceback, and that nothing under the work folder changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .builders import (
    ACME,
    DOCTYPE,
    ROOT,
    alias_effects,
    archimate,
    billion_laughs,
    ceiling_plan,
    csv_rows,
    dangling_link,
    dependency_cycle,
    diff_unknown,
    export_under_a_file,
    fifo,
    fifo_import,
    folder_named,
    formula_cell,
    huge_file,
    init_onto_a_file,
    line_100,
    link_inside,
    link_loop,
    link_to,
    lying_sizes,
    markup_names,
    markup_value,
    nested_block,
    nested_flow,
    not_utf8,
    o_into_missing_folder,
    o_onto_a_model_file,
    on,
    outside_budgets,
    plan_dir_is_the_model,
    plan_dir_under_a_file,
    plan_onto_file,
    removed_unit,
    scenario_alias,
    scenario_scale,
    scenario_with,
    survey_formula,
    survey_with,
    text_file_as_xlsx,
    unknown_files,
    validate,
    welcome_files,
    with_doctype,
    workbook,
    xlsx_with,
    zip_bomb,
)

__all__ = ["CASES", "CATEGORIES", "ROOT", "TRACEBACK", "Case"]
TRACEBACK = r"Traceback \(most recent call last\)|╭─+ Traceback"


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    build: Callable[[Path], list[str]]  # make the input in a work folder → argv
    code: int  # expected exit code
    expect: tuple[str, ...] = ()  # regexes the output must match (the located message)
    reject: tuple[str, ...] = ()  # regexes the output must not match
    alone: bool = False  # crash-prone: its own limited subprocess, the real entry point


LOC = r"{file}:\d+(:\d+)?: {code}"


def at(file: str, code: str, rest: str = "") -> str:
    return LOC.format(file=re.escape(file), code=code) + (" .*" + rest if rest else "")


C = Case
CASES: tuple[Case, ...] = (
    # -- output of user text: markup and emoji (defect 1) -----------------------------------
    C("line-100-no-emoji", "markup and emoji", line_100, 1,
      (r"initiatives\.yaml:100:\d+: E-YAML",), ("💯",)),
    C("names-with-markup", "markup and emoji", markup_names, 0,
      (re.escape("[bold]Attract :smile: [/]"), re.escape("[red]EUR:smile:")), ("😄", "👍")),
    C("value-with-markup", "markup and emoji", markup_value, 1,
      (at("assessments.csv", "E-TYPE", re.escape("current: '[red]:smile:' is not a number")),),
      ("😄",)),
    # -- numbers (defect 2) -----------------------------------------------------------------
    C("cost-inf", "numbers", lambda w: validate(w, on("initiatives.yaml", "cost: 900",
                                                     "cost: .inf")), 1,
      (at("initiatives.yaml", "E-RANGE", "cost: inf is not a finite number"),)),
    C("cost-profile-nan", "numbers", lambda w: validate(w, on(
        "initiatives.yaml", "cost_profile: [200, 100]", "cost_profile: [.nan, 100]")), 1,
      (at("initiatives.yaml", "E-RANGE", "cost_profile: nan is not a finite number"),),
      ("negative",)),
    C("budget-inf", "numbers", lambda w: validate(w, on(
        "budgets.csv", "2027Q1,enterprise,300", "2027Q1,enterprise,inf")), 1,
      (at("budgets.csv", "E-RANGE", "amount: 'inf' is not a finite number"),)),
    C("budget-1e300", "numbers", lambda w: validate(w, on(
        "budgets.csv", "2027Q1,enterprise,300", "2027Q1,enterprise,1e300")), 1,
      (at("budgets.csv", "E-RANGE", r"amount: '1e300' is beyond 1e13"),)),
    C("cost-1e308", "numbers", lambda w: validate(w, on("initiatives.yaml", "cost: 900",
                                                       "cost: 1e308")), 1,
      (at("initiatives.yaml", "E-RANGE", r"cost: 1e\+308 is beyond 1e13"),), ("E-SOLVER",)),
    C("direct-value-1e308", "numbers", lambda w: validate(w, on(
        "initiatives.yaml", "cost: 900", "cost: 900\n    direct_value: 1e308")), 1,
      (at("initiatives.yaml", "E-RANGE", "direct_value"),), ("overflow",)),
    C("assessment-nan", "numbers", lambda w: validate(w, on(
        "assessments.csv", "marketing,north,2,3,1", "marketing,north,nan,3,1")), 1,
      (at("assessments.csv", "E-RANGE", "current: 'nan' is not a finite number"),),
      ("negative",)),
    C("negative-cost", "numbers", lambda w: validate(w, on("initiatives.yaml", "cost: 900",
                                                          "cost: -5")), 1,
      (at("initiatives.yaml", "E-RANGE", "cost: -5 is negative"),)),
    C("kpi-baseline-inf", "numbers", lambda w: validate(w, on(
        "objectives.yaml", "baseline: 4,", "baseline: -.inf,")), 1,
      (at("objectives.yaml", "E-RANGE", "baseline: -inf is not a finite number"),)),
    C("team-capacity-huge", "numbers", lambda w: validate(w, on(
        "policy.yaml", "capacity: 4}", "capacity: 1e20}")), 1,
      (at("policy.yaml", "E-RANGE", "capacity"),)),
    C("run-cost-1e400", "numbers", lambda w: validate(w, on(
        "applications.csv", "crm;selling,120,", "crm;selling,1e400,")), 1,
      (at("applications.csv", "E-RANGE", "annual_run_cost: '1e400' is not a finite number"),)),
    C("scenario-scale-1e9", "numbers", scenario_scale, 1,
      (at("scenarios.yaml", "E-RANGE", "budget_scale"),), ("E-SOLVER",)),
    C("plan-at-the-ceiling", "numbers", ceiling_plan, 0,
      (r"plan (optimal|feasible)",), ("E-SOLVER", "report this as a bug", "overflow")),
    C("yaml-number-5000-digits", "numbers", lambda w: validate(w, on(
        "initiatives.yaml", "cost: 900", "cost: " + "9" * 5000)), 1,
      (at("initiatives.yaml", "E-YAML", "a number with 5,000 digits"),)),
    C("csv-number-5000-digits", "numbers", lambda w: validate(w, on(
        "budgets.csv", "2027Q1,enterprise,300", "2027Q1,enterprise," + "9" * 5000)), 1,
      (at("budgets.csv", "E-RANGE", "amount"),)),
    # -- control characters (defect 3) ------------------------------------------------------
    C("csv-nul-byte", "control characters", lambda w: validate(w, on(
        "assessments.csv", "Quotes take three days", "Quotes\x00take three days")), 1,
      (r"assessments\.csv:8:\d+: E-TEXT control character \\x00",)),
    C("csv-escape-sequence", "control characters", lambda w: validate(w, on(
        "assessments.csv", "a.lee,2026-10-01,\n", "\x1b[31ma.lee,2026-10-01,\n")), 1,
      (r"assessments\.csv:2:\d+: E-TEXT control character \\x1b",)),
    C("yaml-escape-sequence", "control characters", lambda w: validate(w, on(
        "stages.yaml", "name: Sell,", 'name: "\\e[31mSell\\e]0;title\\x07",')), 1,
      (r"stages\.yaml:5:\d+: E-TEXT control character \\x1b",), ("\x1b",)),
    C("yaml-nul-in-a-name", "control characters", lambda w: validate(w, on(
        "stages.yaml", "name: Sell,", 'name: "Se\\0ll",')), 1,
      (r"stages\.yaml:5:\d+: E-TEXT control character \\x00",)),
    C("yaml-newline-and-tab-ok", "control characters", lambda w: validate(w, on(
        "stages.yaml", "name: Sell,", 'name: "Se\\tll\\nnow",')), 0, (r"is valid",)),
    C("csv-tab-in-notes-ok", "control characters", lambda w: validate(w, on(
        "assessments.csv", "Quotes take three days", "Quotes\ttake three days")), 0,
      (r"is valid",)),
    C("csv-newline-in-quoted-notes-ok", "control characters", lambda w: validate(w, on(
        "assessments.csv", "Quotes take three days", '"Quotes take\nthree days"')), 0,
      (r"is valid",)),
    # -- unknown files (defect 4) -----------------------------------------------------------
    C("misnamed-initiatives", "unknown files", unknown_files, 0,
      (r"initiative\.yaml: W-FILE .*did you mean 'initiatives\.yaml'", r"0 initiatives")),
    C("misnamed-initiatives-strict", "unknown files",
      lambda w: [*unknown_files(w), "--strict"], 1,
      (r"initiative\.yaml: W-FILE", r"with --strict")),
    C("readme-git-history-welcome", "unknown files", welcome_files, 0, (r"is valid",),
      ("W-FILE",)),
    # -- YAML bombs and depth (defect 5) ----------------------------------------------------
    C("billion-laughs", "YAML bombs and depth", billion_laughs, 1,
      (at("enterprise.yaml", "E-YAML", "YAML anchors and aliases"),), alone=True),
    C("million-alias-effects", "YAML bombs and depth", alias_effects, 1,
      (at("initiatives.yaml", "E-YAML", "YAML anchors and aliases"),), alone=True),
    C("nesting-500", "YAML bombs and depth", nested_block(500), 1,
      (at("policy.yaml", "E-YAML", "nesting deeper than 64 levels"),), alone=True),
    C("nesting-5000", "YAML bombs and depth", nested_flow(5000), 1,
      (at("customers.yaml", "E-YAML", "nesting deeper than 64 levels"),), alone=True),
    C("nesting-100000", "YAML bombs and depth", nested_flow(100_000), 1,
      (at("customers.yaml", "E-YAML", "nesting deeper than 64 levels"),), alone=True),
    C("file-over-50mb", "YAML bombs and depth", huge_file, 1,
      (r"initiatives\.yaml:1: E-FILE .*above the limit of 50 MB",), alone=True),
    C("scenarios-alias", "YAML bombs and depth", scenario_alias, 1,
      (at("scenarios.yaml", "E-YAML", "YAML anchors and aliases"),)),
    C("python-tag", "YAML bombs and depth", lambda w: validate(w, on(
        "stages.yaml", "stages:", "x: !!python/object/apply:os.system [echo hi]\nstages:")), 1,
      (at("stages.yaml", "E-YAML", "could not determine a constructor"),)),
    C("impossible-date", "YAML bombs and depth", lambda w: validate(w, on(
        "stages.yaml", "name: Sell,", "name: 2027-02-30,")), 1,
      (at("stages.yaml", "E-YAML", "day is out of range"),)),
    # -- links and special files (defect 6) -------------------------------------------------
    C("link-to-etc-passwd", "links and special files",
      link_to("/etc/passwd", "assessments.csv"), 1,
      (r"assessments\.csv:1: E-FILE .*link to a file outside the model folder",),
      ("root:", "/bin/")),
    C("link-out-of-folder", "links and special files",
      link_to(outside_budgets, "budgets.csv"), 1,
      (r"budgets\.csv:1: E-FILE .*outside the model folder",)),
    C("link-to-dev-zero", "links and special files",
      link_to("/dev/zero", "initiatives.yaml"), 1,
      (r"initiatives\.yaml:1: E-FILE",), alone=True),
    C("fifo-as-policy", "links and special files", fifo("policy.yaml"), 1,
      (r"policy\.yaml:1: E-FILE .*named pipe",), alone=True),
    C("folder-named-like-a-file", "links and special files", folder_named("objectives.yaml"),
      1, (r"objectives\.yaml:1: E-FILE .*a folder, not a regular file",)),
    C("long-header-cut", "links and special files", lambda w: validate(w, on(
        "budgets.csv", "period,pool,amount", "period,pool,amount,root:x:0:0:" + "y" * 10_000)),
      1, (at("budgets.csv", "E-UNKNOWN", r"unknown column 'root:x:0:0:y{69}…'"),),
      ("y" * 100,)),
    C("long-id-cut", "links and special files", lambda w: validate(w, on(
        "stages.yaml", "{id: sell,", "{id: 'Sell\\x07" + "z" * 10_000 + "',")), 1,
      (at("stages.yaml", "E-ID", r"'Sell\\x07z{72}…' is not a valid id"),), ("z" * 100,)),
    C("link-inside-folder-ok", "links and special files", link_inside, 0, (r"is valid",)),
    C("link-loop", "links and special files", link_loop, 1, (r"budgets\.csv:1: E-FILE",)),
    C("dangling-link", "links and special files", dangling_link, 1,
      (r"budgets\.csv:1: E-FILE",)),
    C("fifo-as-workbook", "links and special files", fifo_import, 1,
      (r"E-INPUT: .*named pipe",), alone=True),
    # -- workbooks (defect 9) ---------------------------------------------------------------
    C("xlsx-doctype-in-worksheet", "workbooks", xlsx_with("Stages", with_doctype), 1,
      (r"model\.xlsx: E-XLSX .*DOCTYPE",)),
    C("xlsx-formula-without-value", "workbooks", xlsx_with("Stages", formula_cell), 1,
      (r"Stages!C\d+: E-FORMULA formula =1\+1 has no calculated value",)),
    C("xlsx-truncated-sheet", "workbooks",
      xlsx_with("Capabilities", lambda b: b[: len(b) // 2]), 1,
      (r"Capabilities!A1: E-XLSX the sheet cannot be read",)),
    C("survey-doctype-in-worksheet", "workbooks", survey_with(with_doctype), 1,
      (r"north\.xlsx: E-XLSX .*DOCTYPE",)),
    C("survey-formula-without-value", "workbooks", survey_with(survey_formula), 1,
      (r"Assessments!E2: E-FORMULA",)),
    C("xlsx-zip-bomb", "workbooks", zip_bomb, 1, (r"E-XLSX .*zip bomb",), alone=True),
    C("xlsx-lying-sizes", "workbooks", lying_sizes, 1,
      (r"E-XLSX .*would unpack to 3,2\d\d,\d{3},\d{3} bytes",), alone=True),
    C("xlsx-not-a-zip", "workbooks", text_file_as_xlsx, 1, (r"E-XLSX not an xlsx workbook",)),
    # -- misleading messages (defect 10) ----------------------------------------------------
    C("removed-business-unit", "misleading messages", removed_unit, 1,
      (at("assessments.csv", "E-REF", r"assessment names unknown business unit 'storage'; "
          r"\d+ more places name it"), r"✗ 1 error\(s\)")),
    C("enterprise-syntax-error", "misleading messages", lambda w: validate(w, on(
        "enterprise.yaml", "  start: 2027Q1", "  start: [2027Q1")), 1,
      (at("enterprise.yaml", "E-YAML"), r"✗ 1 error\(s\)"), ("E-MISSING",)),
    C("plan-o-onto-a-file", "misleading messages", plan_onto_file, 1,
      (r"E-INPUT: .*plan\.json is a file",), ("Value against", "plan optimal")),
    C("scenario-true-as-scale", "types", scenario_with("true"), 1,
      (at("scenarios.yaml", "E-TYPE", "budget_scale: true is not a number"),), ("plan opt",)),
    C("validate-checks-scenarios", "references", scenario_with("-1", "validate"), 1,
      (at("scenarios.yaml", "E-RANGE", "budget_scale: -1 is negative"),), ("is valid",)),
    C("actuals-after-the-horizon", "cycle records", lambda w: validate(w, lambda m: (
        m / "actuals.csv").open("a").write("2099Q1,sap-upgrade,5,50,,,\n"), "--strict",
        base=ACME), 1, (at("actuals.csv", "W-HORIZON", "in 2099Q1, after the horizon "
                           "2027Q1–2028Q4"),)),
    C("o-into-a-missing-folder", "output paths", o_into_missing_folder, 1,
      (r"E-INPUT: cannot write \S*missing/gaps\.json: there is no folder \S*missing",
       r'"schema": "opmodel\.error"'), ("Traceback",)),
    C("export-under-a-file", "output paths", export_under_a_file, 1,
      (r"E-INPUT: cannot write \S*afile/model\.xlsx: \S*afile is a file, not a folder",),
      (r"\.tmp", "Exception ignored", "LxmlSyntaxError")),
    C("init-onto-a-file", "output paths", init_onto_a_file, 1,
      (r"E-INPUT: cannot use \S*afile: \S*afile is a file, not a folder",)),
    C("plan-dir-under-a-file", "output paths", plan_dir_under_a_file, 1,
      (r"E-INPUT: cannot make the folder \S*afile/plan: \S*afile is a file",
       r"give a folder for --dir"), ("Value against", "plan optimal")),
    C("o-onto-a-model-file", "output paths", o_onto_a_model_file, 1,
      (r"E-INPUT: -o \S*model/assessments\.csv would replace assessments\.csv of the "
       r"model folder",)),
    C("plan-dir-is-the-model", "output paths", plan_dir_is_the_model, 1,
      (r"E-INPUT: \S*model is a model folder",), ("plan optimal",)),
    C("diff-unknown-scenario", "misleading messages", diff_unknown, 1,
      (r"E-INPUT: no scenario 'laen'", r"did you mean 'lean'"), ("planning",)),
    # -- pools (defect 11) ------------------------------------------------------------------
    C("pool-typo", "pool typo", lambda w: validate(w, on(
        "initiatives.yaml", "    cost: 400\n", "    cost: 400\n    pool: enterprice\n")), 1,
      (at("initiatives.yaml", "E-REF", "draws on pool 'enterprice'"),
       r"did you mean 'enterprise'")),
    C("ghost-pool-forbidden-ok", "pool typo", lambda w: validate(w, on(
        "initiatives.yaml", "    cost: 400\n",
        "    cost: 400\n    pool: ghost-fund\n    forbidden: true\n")), 0, (r"is valid",)),
    # -- what passed before: syntax, types, duplicates, references, cycles, quarters, … -----
    C("yaml-bad-indentation", "syntax", lambda w: validate(w, on(
        "initiatives.yaml", "    owner: south", "   owner: south")), 1,
      (at("initiatives.yaml", "E-YAML"),)),
    C("yaml-tab-indent", "syntax", lambda w: validate(w, on(
        "policy.yaml", "  - {kind: run", "\t- {kind: run")), 1, (at("policy.yaml", "E-YAML"),)),
    C("yaml-not-a-mapping", "syntax", lambda w: validate(w, lambda m: (
        m / "stages.yaml").write_text("- just\n- a list\n")), 1,
      (at("stages.yaml", "E-YAML", "must be a mapping"),)),
    C("unknown-key", "syntax", lambda w: validate(w, on(
        "initiatives.yaml", "    duration: 3", "    durration: 3")), 1,
      (at("initiatives.yaml", "E-UNKNOWN", "unknown key 'durration'"),
       r"did you mean 'duration'")),
    C("number-as-text", "types", lambda w: validate(w, on(
        "assessments.csv", "selling,north,2,4,3", "selling,north,two,4,3")), 1,
      (at("assessments.csv", "E-TYPE", "current: 'two' is not a number"),)),
    C("list-as-number", "types", lambda w: validate(w, on(
        "initiatives.yaml", "duration: 3", "duration: [3]")), 1,
      (at("initiatives.yaml", "E-TYPE", "duration"),)),
    C("yaml-true-as-cost", "types", lambda w: validate(w, on(
        "initiatives.yaml", "cost: 900", "cost: true")), 1,
      (at("initiatives.yaml", "E-TYPE", "cost: true is not a number"),)),
    C("yaml-false-in-cost-profile", "types", lambda w: validate(w, on(
        "initiatives.yaml", "cost_profile: [200, 100]", "cost_profile: [200, false]")), 1,
      (at("initiatives.yaml", "E-TYPE", "false is not a number"),)),
    C("yaml-true-as-importance", "types", lambda w: validate(w, on(
        "customers.yaml", "importance: 5", "importance: true")), 1,
      (at("customers.yaml", "E-TYPE", "importance: true is not a whole number"),)),
    C("na-beside-a-maturity", "types", lambda w: validate(w, on(
        "assessments.csv", "campaigns,south,n/a,n/a", "campaigns,south,n/a,3")), 1,
      (r"assessments\.csv:5: E-VALUE the assessment is n/a but target is 3",)),
    C("maturity-above-5", "types", lambda w: validate(w, on(
        "assessments.csv", "selling,north,2,4,3", "selling,north,2,9,3")), 1,
      (at("assessments.csv", "E-RANGE", "target: '9' must be at most 5"),)),
    C("duplicate-id", "duplicates", lambda w: validate(w, on(
        "capabilities.yaml", "{id: crm,", "{id: quoting,")), 1,
      (at("capabilities.yaml", "E-DUP", "capability id 'quoting' is used more than once"),)),
    C("duplicate-assessment", "duplicates", lambda w: validate(w, lambda m: (
        m / "assessments.csv").open("a").write("crm,south,1,2,,stated,,,\n")), 1,
      (at("assessments.csv", "E-DUP", "assessed twice"),)),
    C("dangling-reference", "references", lambda w: validate(w, on(
        "capabilities.yaml", "stage: support}", "stage: suport}")), 1,
      (at("capabilities.yaml", "E-REF", "unknown stage 'suport'"), r"did you mean 'support'")),
    C("dependency-cycle", "cycles", dependency_cycle, 1,
      (at("initiatives.yaml", "E-CYCLE", "cpq → crm-upgrade → cpq"),)),
    C("capability-parent-cycle", "cycles", lambda w: validate(w, on(
        "capabilities.yaml", "{id: selling, name: Selling, stage: sell}",
        "{id: selling, name: Selling, stage: sell, parent: crm}")), 1,
      (at("capabilities.yaml", "E-HIERARCHY", "cycle"),)),
    C("quarter-q5", "quarters", lambda w: validate(w, on(
        "initiatives.yaml", "earliest_start: 2027Q2", "earliest_start: 2027Q5")), 1,
      (at("initiatives.yaml", "E-QUARTER", "'2027Q5' is not a quarter"),)),
    C("quarter-outside-horizon", "quarters", lambda w: validate(w, on(
        "budgets.csv", "2028Q4,enterprise,250", "2031Q4,enterprise,250")), 1,
      (at("budgets.csv", "E-HORIZON"),)),
    C("csv-latin-1", "encodings", not_utf8, 1,
      (r"assessments\.csv:8:\d+: E-FILE assessments\.csv is not UTF-8 text",)),
    C("csv-utf8-bom-ok", "encodings", lambda w: validate(w, lambda m: (
        m / "budgets.csv").write_bytes(b"\xef\xbb\xbf" + (m / "budgets.csv").read_bytes())), 0,
      (r"is valid",)),
    C("utf16-yaml", "encodings", lambda w: validate(w, lambda m: (m / "stages.yaml").write_bytes(
        (m / "stages.yaml").read_text().encode("utf-16"))), 1,
      (r"stages\.yaml:1:1: E-FILE stages\.yaml is not UTF-8 text",)),
    C("csv-extra-value", "CSV shape", lambda w: validate(w, on(
        "budgets.csv", "2027Q2,enterprise,300", "2027Q2,enterprise,300,12")), 1,
      (r"budgets\.csv:3: E-CSV row has 4 values but the header has 3 columns",)),
    C("csv-unknown-column", "CSV shape", lambda w: validate(w, on(
        "budgets.csv", "period,pool,amount", "period,pool,amuont")), 1,
      (at("budgets.csv", "E-UNKNOWN", "unknown column 'amuont'"), r"did you mean 'amount'")),
    C("csv-unclosed-quote", "CSV shape", lambda w: validate(w, on(
        "assessments.csv", "Quotes take three days", '"Quotes take three days')), 1,
      (r"assessments\.csv:8: E-CSV a quote opened in this row is never closed",)),
    C("csv-huge-field", "CSV shape", lambda w: validate(w, on(
        "assessments.csv", "Quotes take three days", "x" * 200_000)), 1,
      (r"assessments\.csv:\d+: E-CSV malformed CSV: field larger than field limit",),
      ("x" * 100,)),
    C("csv-600k-rows", "CSV shape", csv_rows(600_000, "crm,north,1,2,,,,,\n"), 1,
      (r"assessments\.csv:500002: E-CSV more than 500,000 rows",), alone=True),
    C("csv-400k-junk-rows", "CSV shape", csv_rows(400_000, "x,y\n"), 1,
      (r"assessments\.csv:101: E-CSV row has 2 values",
       r"E-MANY 399,900 more problems in assessments\.csv are not listed"),
      (r"assessments\.csv:102:",), alone=True),
    C("csv-missing-file", "CSV shape", lambda w: validate(w, lambda m: (
        m / "assessments.csv").unlink()), 1,
      (r"assessments\.csv:1: E-FILE required file assessments\.csv is missing",)),
    C("xml-billion-laughs", "hostile XML", archimate("billion-laughs.xml"), 1,
      (r"billion-laughs\.xml:\d+: E-XML .*DOCTYPE",)),
    C("xml-external-entity", "hostile XML", archimate("external-entity.xml"), 1,
      (r"external-entity\.xml:\d+: E-XML .*DOCTYPE",), ("root:",)),
    C("xlsx-doctype-in-workbook-xml", "hostile xlsx", lambda w: [
        "import", str(workbook(w, {"xl/workbook.xml": lambda b: DOCTYPE + b.split(
            b"?>", 1)[-1]})), str(w / "out")], 1, (r"model\.xlsx: E-XLSX .*DOCTYPE",)),
    C("xlsx-unknown-sheet", "hostile xlsx", lambda w: ["import", str(workbook(w, {
        "xl/workbook.xml": lambda b: b.replace(b'name="Stages"', b'name="Stagse"')})),
        str(w / "out")], 1, (r"Stagse!A1: E-SHEET unknown sheet 'Stagse'",
                             r"did you mean 'Stages'")),
)
CATEGORIES = tuple(dict.fromkeys(c.category for c in CASES))
