"""The store and interchange: history, store info, users, survey status, import, report."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from ._base import Output, _Open


class HistoryChange(_Open):
    mirrors_: ClassVar[str] = "opmodel.store.store:Change"
    added_: ClassVar[tuple[str, ...]] = ("entity",)
    dropped_: ClassVar[tuple[str, ...]] = ("key", "kind")
    revision: int
    at: str
    who: str
    action: str
    entity: str = Field(description="kind:key, e.g. initiative:crm-salesforce.")
    field: str | None
    old: Any = Field(None, description="The value (or the whole entity) before; "
                                       "null: created.")
    new: Any = Field(None, description="The value (or the whole entity) after; "
                                       "null: removed.")
    why: str | None = None
    request_id: str | None = None


class History(Output):
    """`opmodel history`: the change log of a stored model."""

    output_name: ClassVar[str] = "history"
    store: str
    entity: str | None
    changes: list[HistoryChange]


class StoreInfo(Output):
    """`opmodel store info`: the store's revision, schema and users."""

    output_name: ClassVar[str] = "store-info"
    store: str
    revision: int
    schema_revision: str | None
    users: int


class UserOut(_Open):
    mirrors_: ClassVar[str] = "opmodel.store.users:User"
    name: str
    role: str
    units: list[str]


class Users(Output):
    """`opmodel user list`: the users of a store."""

    output_name: ClassVar[str] = "users"
    store: str
    users: list[UserOut]


class SurveyUnit(_Open):
    mirrors_: ClassVar[str] = "opmodel.io.survey:UnitStatus"
    added_: ClassVar[tuple[str, ...]] = ("state",)
    dropped_: ClassVar[tuple[str, ...]] = ("name", "oldest")
    business_unit: str
    state: str
    capabilities: int
    assessed: int
    not_applicable: int
    missing: int
    stale: int
    stale_at_start: int
    undated: int
    newest: str | None
    median_age_days: int | None


class SurveyStatus(Output):
    """`opmodel survey status`: which units returned their assessments."""

    output_name: ClassVar[str] = "survey-status"
    as_of: str
    max_age_days: int
    plan_starts: str
    units: list[SurveyUnit]


class UnitRule(_Open):
    types: list[str]
    folder: str | None
    property: str | None
    value: str | None
    exclude: list[str]
    exclude_matching: str | None
    skip_groups: bool


class ImportMapping(_Open):
    source: str = Field(description="opmodel, guessed, or the mapping file.")
    stages: list[str] = Field(description="ArchiMate element types that become stages.")
    capabilities: list[str]
    applications: list[str]
    business_units: UnitRule
    default_stage: str


class ImportRow(_Open):
    mirrors_: ClassVar[str] = "opmodel.io.archimate_map:ImportRow"
    section: str
    archimate: str
    becomes: str
    count: int
    line: int
    reason: str | None = Field(None, description="Left out: why.")


class ImportIssue(_Open):
    code: str
    severity: Literal["error", "warning"]
    location: str | None
    message: str
    hint: str | None


class ImportDryRun(Output):
    """`opmodel import --dry-run`: what becomes what, and what is left out."""

    output_name: ClassVar[str] = "import"
    source: str
    ok: bool
    mapping: ImportMapping
    notes: list[str]
    mapped: list[ImportRow]
    left_out: list[ImportRow]
    model: dict[str, int] = Field(description="What the model holds, by kind.")
    issues: list[ImportIssue]


class Finding(_Open):
    mirrors_: ClassVar[str] = "opmodel.report.findings:Finding"
    title: str
    detail: str
    tone: str


class Report(Output):
    """`opmodel report`: what the report says and the files it wrote."""

    output_name: ClassVar[str] = "report"
    model: str
    out_dir: str
    html: str
    files: list[str]
    findings: list[Finding]
