"""Every validation rule: a bad input, the code it must raise and the place it must name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import opmodel
from opmodel.errors import Issue, ModelError


def line_of(path: Path, text: str, col_of: str | None = None) -> str:
    """``file:line[:col]`` of the first line holding ``text`` (col: where ``col_of`` starts)."""
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            if col_of is None:
                return f"{path.name}:{n}"
            return f"{path.name}:{n}:{line.index(col_of) + 1}"
    raise AssertionError(f"{text!r} not in {path}")


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count))


def issues_of(model: Path) -> list[Issue]:
    with pytest.raises(ModelError) as info:
        opmodel.load(model)
    return info.value.issues


def find(issues: list[Issue], code: str) -> Issue:
    hits = [i for i in issues if i.code == code]
    assert hits, f"no {code} in {[str(i) for i in issues]}"
    return hits[0]


def test_starter_is_valid(starter_path: Path) -> None:
    result = opmodel.read(starter_path)
    assert result.warnings == []
    assert len(result.enterprise.capabilities) == 7


def test_duplicate_id(starter_copy: Path) -> None:
    f = starter_copy / "capabilities.yaml"
    edit(f, "{id: crm, name: Customer", "{id: quoting, name: Customer")
    issue = find(issues_of(starter_copy), "E-DUP")
    assert issue.location == line_of(f, "id: quoting, name: Customer", "id:")
    assert "quoting" in issue.message


def test_unknown_reference_with_hint(starter_copy: Path) -> None:
    f = starter_copy / "capabilities.yaml"
    edit(f, "stage: sell, parent: selling}", "stage: sel, parent: selling}")
    issue = find(issues_of(starter_copy), "E-REF")
    assert issue.location == line_of(f, "stage: sel,", "stage:")
    assert issue.message == "capability 'quoting' names unknown stage 'sel'"
    assert issue.hint == "did you mean 'sell'?"


def test_reference_in_csv_list(starter_copy: Path) -> None:
    f = starter_copy / "applications.csv"
    edit(f, "north,crm;selling", "north,crm;selling;crn")
    issue = find(issues_of(starter_copy), "E-REF")
    assert issue.location == line_of(f, "crm;selling;crn") + ":5"
    assert "'crn'" in issue.message and issue.hint == "did you mean 'crm'?"


def test_scale_out_of_range(starter_copy: Path) -> None:
    f = starter_copy / "assessments.csv"
    edit(f, "quoting,north,1,4,5", "quoting,north,1,7,5")
    issue = find(issues_of(starter_copy), "E-RANGE")
    assert issue.location == line_of(f, "quoting,north,1,7") + ":4"
    assert "at most 5" in issue.message


def test_malformed_quarter(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "earliest_start: 2027Q2", "earliest_start: 2027Q5")
    issue = find(issues_of(starter_copy), "E-QUARTER")
    assert issue.location == line_of(f, "earliest_start: 2027Q5", "earliest_start")


def test_quarter_outside_horizon(starter_copy: Path) -> None:
    f = starter_copy / "budgets.csv"
    edit(f, "2028Q4,enterprise,250", "2029Q4,enterprise,250")
    issue = find(issues_of(starter_copy), "E-HORIZON")
    assert issue.location == line_of(f, "2029Q4") + ":1"
    assert "2027Q1–2028Q4" in issue.message


def test_deadline_unreachable(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "    deadline: 2027Q2", "    earliest_start: 2027Q3\n    deadline: 2027Q2")
    issues = issues_of(starter_copy)
    issue = find(issues, "E-DEADLINE")
    assert issue.location == line_of(f, "deadline: 2027Q2", "deadline")
    assert "2027Q3" in issue.message


def test_dependency_cycle_prints_the_cycle(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "    retires: [quote-tool-s]",
         "    retires: [quote-tool-s]\n    depends_on: [crm-upgrade]")
    issue = find(issues_of(starter_copy), "E-CYCLE")
    assert "cpq → crm-upgrade → cpq" in issue.message
    assert issue.location == line_of(f, "depends_on: [crm-upgrade]", "crm-upgrade")


def test_capability_hierarchy_cycle(starter_copy: Path) -> None:
    f = starter_copy / "capabilities.yaml"
    edit(f, "{id: selling, name: Selling, stage: sell}",
         "{id: selling, name: Selling, stage: sell, parent: crm}")
    issue = find(issues_of(starter_copy), "E-HIERARCHY")
    assert re.search(r"crm → selling → crm", issue.message)
    assert issue.location is not None and issue.location.startswith("capabilities.yaml:")


def test_mandatory_and_forbidden(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "    mandatory: true", "    mandatory: true\n    forbidden: true")
    issue = find(issues_of(starter_copy), "E-CONFLICT")
    assert issue.location == line_of(f, "forbidden: true", "forbidden")
    assert "both mandatory and forbidden" in issue.message


def test_mandatory_initiatives_excluding_each_other(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "    depends_on: [cpq]", "    depends_on: [cpq]\n    mandatory: true\n"
         "    excludes: [patching]")
    issue = find(issues_of(starter_copy), "E-CONFLICT")
    assert "'crm-upgrade' and 'patching' exclude each other" in issue.message
    assert issue.location == line_of(f, "excludes: [patching]", "patching")


@pytest.mark.parametrize(
    ("file", "old", "new", "col"),
    [
        ("initiatives.yaml", "cost: 400", "cost: -400", "cost"),
        ("budgets.csv", "2027Q3,enterprise,300", "2027Q3,enterprise,-300", None),
    ],
)
def test_negative_money(starter_copy: Path, file: str, old: str, new: str,
                        col: str | None) -> None:
    f = starter_copy / file
    edit(f, old, new)
    issue = find(issues_of(starter_copy), "E-RANGE")
    expected = line_of(f, new, col) if col else line_of(f, new) + ":3"
    assert issue.location == expected
    assert "negative" in issue.message


def test_cost_profile_length(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "cost_profile: [200, 100]", "cost_profile: [200, 100, 50]")
    issue = find(issues_of(starter_copy), "E-PROFILE")
    assert issue.location == line_of(f, "cost_profile:", "cost_profile")
    assert "3 quarter(s) but a duration of 2" in issue.message


def test_bad_yaml_indentation(starter_copy: Path) -> None:
    f = starter_copy / "stages.yaml"
    edit(f, "  - {id: sell, name: Sell, order: 2}", "    - {id: sell, name: Sell, order: 2}")
    issue = find(issues_of(starter_copy), "E-YAML")
    assert issue.location is not None
    assert issue.location.startswith(f"stages.yaml:{line_of(f, 'id: sell').split(':')[1]}:")


def test_csv_wrong_column_count(starter_copy: Path) -> None:
    f = starter_copy / "assessments.csv"
    edit(f, "crm,south,2,4,3,stated,r.diaz,2026-10-03,", "crm,south,2,4,3,stated")
    issue = find(issues_of(starter_copy), "E-CSV")
    assert issue.location == line_of(f, "crm,south,2,4,3,stated")
    assert "6 values but the header has 9 columns" in issue.message


def test_number_that_is_text(starter_copy: Path) -> None:
    f = starter_copy / "assessments.csv"
    edit(f, "service,south,1,4,5", "service,south,one,4,5")
    issue = find(issues_of(starter_copy), "E-TYPE")
    assert issue.location == line_of(f, "service,south,one") + ":3"
    assert issue.message == "current: 'one' is not a number"


def test_unknown_column_did_you_mean(starter_copy: Path) -> None:
    f = starter_copy / "budgets.csv"
    edit(f, "period,pool,amount", "period,pool,amuont")
    issues = issues_of(starter_copy)
    issue = find(issues, "E-UNKNOWN")
    assert issue.location == "budgets.csv:1:3"
    assert issue.hint == "did you mean 'amount'?"


def test_unknown_key_did_you_mean(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "    duration: 2\n    cost: 400", "    duraton: 2\n    cost: 400")
    issues = issues_of(starter_copy)
    issue = find(issues, "E-UNKNOWN")
    assert issue.location == line_of(f, "duraton: 2", "duraton")
    assert issue.hint == "did you mean 'duration'?"
    assert find(issues, "E-MISSING").message == "required field 'duration' is missing"


def test_unknown_top_level_key(starter_copy: Path) -> None:
    f = starter_copy / "stages.yaml"
    edit(f, "stages:", "stagess:")
    issue = find(issues_of(starter_copy), "E-UNKNOWN")
    assert issue.location == line_of(f, "stagess:", "stagess")
    assert issue.hint == "did you mean 'stages'?"


def test_missing_required_file(starter_copy: Path) -> None:
    (starter_copy / "capabilities.yaml").unlink()
    issue = find(issues_of(starter_copy), "E-FILE")
    assert issue.location == "capabilities.yaml:1"
    assert "missing" in issue.message


def test_empty_required_file(starter_copy: Path) -> None:
    (starter_copy / "stages.yaml").write_text("# nothing here yet\n")
    issue = find(issues_of(starter_copy), "E-FILE")
    assert issue.location == "stages.yaml:1"
    assert "empty" in issue.message


def test_ahp_matrix_not_reciprocal(starter_copy: Path) -> None:
    f = starter_copy / "enterprise.yaml"
    edit(f, "  weights: {customer: 0.5, strategic: 0.3, pain: 0.2}",
         "  ahp:\n    criteria: [customer, strategic, pain]\n"
         "    matrix:\n      - [1, 3, 5]\n      - [1/3, 1, 3]\n      - [1/5, 1/2, 1]")
    issue = find(issues_of(starter_copy), "E-AHP")
    assert "not reciprocal" in issue.message
    assert issue.location == line_of(f, "[1/5, 1/2, 1]", "1/2")


def test_ahp_matrix_not_square(starter_copy: Path) -> None:
    f = starter_copy / "enterprise.yaml"
    edit(f, "  weights: {customer: 0.5, strategic: 0.3, pain: 0.2}",
         "  ahp:\n    matrix:\n      - [1, 3]\n      - [1/3, 1]")
    issue = find(issues_of(starter_copy), "E-AHP")
    assert "must be 3×3" in issue.message


def test_warnings_do_not_block(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "      - {capability: quoting, uplift: 2}",
         "      - {capability: quoting, uplift: 2}\n      - {capability: campaigns, uplift: 1}")
    g = starter_copy / "enterprise.yaml"
    edit(g, "  weights: {customer: 0.5, strategic: 0.3, pain: 0.2}",
         "  ahp:\n    matrix:\n      - [1, 9, 1/9]\n      - [1/9, 1, 9]\n      - [9, 1/9, 1]")
    result = opmodel.read(starter_copy)
    codes = {w.code for w in result.warnings}
    assert codes == {"W-NA", "W-AHP"}
    na = next(w for w in result.warnings if w.code == "W-NA")
    assert na.location == line_of(f, "capability: campaigns", "capability")
    assert "'south'" in na.message
    ahp = next(w for w in result.warnings if w.code == "W-AHP")
    assert "most inconsistent" in (ahp.hint or "")


def test_every_problem_at_once_sorted(starter_copy: Path) -> None:
    edit(starter_copy / "capabilities.yaml", "stage: deliver}", "stage: delivr}")
    edit(starter_copy / "assessments.csv", "crm,north,3,4", "crm,north,3,9")
    edit(starter_copy / "initiatives.yaml", "kind: transform", "kind: transfrom")
    edit(starter_copy / "budgets.csv", "2027Q2,enterprise,300", "2027Q2,enterprise,lots")
    issues = [i for i in issues_of(starter_copy) if i.severity == "error"]
    files = [i.location.split(":")[0] for i in issues if i.location]
    assert files == sorted(files)
    assert {i.code for i in issues} >= {"E-REF", "E-RANGE", "E-VALUE", "E-TYPE"}
    kind = find(issues, "E-VALUE")
    assert kind.hint == "did you mean 'transform'?"


def test_no_cascade_from_a_broken_entity(starter_copy: Path) -> None:
    """An initiative that fails its own checks is not reported again as an unknown
    dependency of the initiatives that name it."""
    edit(starter_copy / "initiatives.yaml", "    duration: 3\n    cost: 900",
         "    duration: three\n    cost: 900")
    issues = issues_of(starter_copy)
    assert [i.code for i in issues if i.severity == "error"] == ["E-TYPE"]


def test_nothing_is_returned_on_error(starter_copy: Path) -> None:
    edit(starter_copy / "stages.yaml", "order: 4", "order: four")
    with pytest.raises(ModelError) as info:
        opmodel.load(starter_copy)
    assert "1 error(s)" in str(info.value)


def test_in_memory_model_validation(starter_path: Path) -> None:
    e = opmodel.load(starter_path)
    broken = e.model_copy(update={"capabilities": (*e.capabilities, e.capabilities[0])})
    codes = [i.code for i in opmodel.validate(broken)]
    assert "E-DUP" in codes
    with pytest.raises(ModelError):
        opmodel.save(broken, Path("/nonexistent/never-written"))


def test_csv_comment_lines_are_skipped_and_counted(starter_copy: Path) -> None:
    f = starter_copy / "budgets.csv"
    f.write_text("# money per quarter and pool\n# (thousands)\n" + f.read_text())
    assert len(opmodel.load(starter_copy).budgets) == 8
    edit(f, "2027Q3,enterprise,300", "2027Q3,enterprise,-300")
    issue = find(issues_of(starter_copy), "E-RANGE")
    assert issue.location == line_of(f, "2027Q3,enterprise,-300") + ":3"


def test_comma_in_flow_mapping_hints_at_quotes(starter_copy: Path) -> None:
    f = starter_copy / "stages.yaml"
    edit(f, "{id: deliver, name: Deliver,", "{id: deliver, name: Deliver (ship, install),")
    issue = find(issues_of(starter_copy), "E-UNKNOWN")
    assert issue.message == "unknown key 'install)'"
    assert "put the value in quotes" in (issue.hint or "")


def test_half_a_fit_is_a_warning_at_the_missing_cell(starter_copy: Path) -> None:
    path = starter_copy / "applications.csv"
    edit(path, "crm-s,CRM South,Microsoft,south,crm;selling,90,2,2,",
         "crm-s,CRM South,Microsoft,south,crm;selling,90,2,,")
    result = opmodel.read(starter_copy)
    (w,) = [i for i in result.warnings if i.code == "W-FIT"]
    assert w.message == ("application 'crm-s' has a functional fit but no technical fit: "
                         "its TIME class stays 'not assessed'")
    assert w.location == line_of(path, "crm-s,") + ":8"  # the technical_fit column



def test_an_id_listed_twice_in_depends_on_is_a_located_warning(starter_copy: Path) -> None:
    """`depends_on: [cpq, cpq]` was accepted without a word (the second is ignored)."""
    f = starter_copy / "initiatives.yaml"
    edit(f, "depends_on: [cpq]", "depends_on: [cpq, cpq]")
    result = opmodel.read(starter_copy)
    dup = [w for w in result.warnings if w.code == "W-DUP"]
    assert len(dup) == 1, [str(w) for w in result.warnings]
    assert dup[0].message == "initiative 'crm-upgrade' lists 'cpq' twice in depends_on"
    assert dup[0].location == line_of(f, "depends_on: [cpq, cpq]", "cpq]")


def test_a_pool_without_lines_for_quarters_of_the_horizon_is_a_located_warning(
        starter_copy: Path) -> None:
    """A horizon extended without budget lines planned nothing in the new quarters without
    a word (docs/cycle.md, A new horizon)."""
    ent = starter_copy / "enterprise.yaml"
    edit(ent, "quarters: 8", "quarters: 10")
    result = opmodel.read(starter_copy)
    (w,) = [i for i in result.warnings if i.code == "W-BUDGET"]
    assert w.message == ("pool 'enterprise' has no budget line for 2029Q1, 2029Q2 of the "
                         "horizon: nothing can be spent from it then but what carries over")
    assert w.location == line_of(starter_copy / "budgets.csv", "2028Q4,enterprise") + ":1"
    assert "budgets.csv" in (w.hint or "")
    # a fiscal-year line covers its four quarters; a line of 0 says the gap is meant
    budgets = starter_copy / "budgets.csv"
    budgets.write_text(budgets.read_text() + "FY2029,enterprise,0\n")
    assert [i for i in opmodel.read(starter_copy).warnings if i.code == "W-BUDGET"] == []
    edit(budgets, "FY2029,enterprise,0\n", "2029Q1,enterprise,0\n")
    (w,) = [i for i in opmodel.read(starter_copy).warnings if i.code == "W-BUDGET"]
    assert "for 2029Q2 of the horizon" in w.message
