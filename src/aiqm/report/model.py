"""The report document: the single source every report format renders from.

The report is plain data (pydantic v2 models) serialised as JSON. Its shape is
published as a JSON Schema (:func:`report_json_schema`) and versioned by
:data:`SCHEMA_VERSION`: a change that breaks readers bumps the major number,
an added optional field bumps the minor one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aiqm.core.results import Status

__all__ = [
    "SCHEMA_ID",
    "SCHEMA_VERSION",
    "Report",
    "ReportAIT",
    "ReportCharacteristic",
    "ReportCharacteristicCoverage",
    "ReportComponent",
    "ReportCounts",
    "ReportCoverage",
    "ReportCoverageCounts",
    "ReportCoverageEvidence",
    "ReportCoverageNote",
    "ReportCriterion",
    "ReportGenerator",
    "ReportGuideline",
    "ReportInput",
    "ReportInventory",
    "ReportMeasure",
    "ReportRequirementCoverage",
    "ReportResource",
    "ReportRun",
    "ReportSummary",
    "ReportTest",
    "report_json_schema",
]

SCHEMA_VERSION = "1.0"
"""Version of the report document's shape (``major.minor``)."""

SCHEMA_ID = f"urn:aiqm:schema:report:{SCHEMA_VERSION}"
"""The ``$id`` of the published JSON Schema."""

Scalar = float | int | bool


class _Part(BaseModel):
    """Base of every part of the report: unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")


class ReportGenerator(_Part):
    """The program that wrote the report."""

    name: str = "aiqm"
    version: str


class ReportRun(_Part):
    """The run the report describes."""

    id: str
    status: Literal["running", "finished", "interrupted"]
    executor: str
    created_at: datetime
    finished_at: datetime | None = None
    project_dir: str = ""


class ReportComponent(_Part):
    """The ML component under evaluation and its target levels."""

    name: str
    task: str = ""
    guidelines: list[str] = Field(default_factory=list)
    levels: dict[str, str] = Field(default_factory=dict)
    description: str = ""


class ReportGuideline(_Part):
    """The guideline the results are mapped onto."""

    ref: str
    title: str = ""
    edition: str = ""
    titles: dict[str, str] = Field(default_factory=dict)
    """The title in each language the guideline file gives (``{"en": …, "ja": …}``)."""


class ReportCounts(_Part):
    """Number of tests per status."""

    OK: int = 0
    NG: int = 0
    ERR: int = 0
    NA: int = 0


class ReportSummary(_Part):
    """Counts over the whole run and the overall verdict.

    ``verdict`` is ``ERR`` if any test is ERR, else ``NG`` if any is NG, else
    ``NA`` if every test is NA (or there are none), else ``OK``. ``duration_s``
    is the run's wall-clock time when it finished, else the sum of the tests'.
    """

    total: int = 0
    OK: int = 0
    NG: int = 0
    ERR: int = 0
    NA: int = 0
    verdict: Status
    duration_s: float | None = None


class ReportCharacteristic(_Part):
    """A characteristic that has tests, with their names and counts.

    ``kind`` is ``unknown`` for a characteristic id the guideline does not define;
    ``names`` maps a language code to the characteristic's name in it.
    """

    id: str
    name: str
    names: dict[str, str] = Field(default_factory=dict)
    kind: Literal["external", "internal", "unknown"]
    tests: list[str] = Field(default_factory=list)
    counts: ReportCounts = Field(default_factory=ReportCounts)


class ReportAIT(_Part):
    """The AIT that ran a test; title and description are empty when it is not installed."""

    id: str
    version: str
    ref: str
    title: str = ""
    description: str = ""


class ReportInput(_Part):
    """An inventory bound to an AIT slot, with the digest it had in the run."""

    slot: str
    inventory: str
    kind: str
    digest: str


class ReportCriterion(_Part):
    """How one acceptance criterion fared."""

    measure: str
    description: str
    actual: Scalar | None = None
    passed: bool
    reason: str = ""


class ReportMeasure(_Part):
    """A reported measure with its metadata from the AIT manifest.

    ``type`` and ``structure`` are inferred from the value when the manifest is
    not available, and are None when the value is undefined as well.
    """

    name: str
    value: Scalar | list[Scalar] | None = None
    undefined_reason: str | None = None
    description: str = ""
    direction: Literal["higher", "lower", "none"] = "none"
    unit: str = ""
    type: Literal["float", "int", "bool"] | None = None
    structure: Literal["single", "sequence"] | None = None


class ReportResource(_Part):
    """A stored artifact (figure, table, text, download or log), by digest."""

    name: str
    kind: Literal["figure", "table", "text", "download", "log"]
    media_type: str
    digest: str
    size: int
    filename: str = ""
    description: str = ""


class ReportTest(_Part):
    """The result of one test description, with the configuration that produced it."""

    name: str
    characteristic: str
    characteristic_name: str
    requirements: list[str] = Field(default_factory=list)
    ait: ReportAIT
    parameters: dict[str, Any] = Field(default_factory=dict)
    inputs: list[ReportInput] = Field(default_factory=list)
    status: Status
    criteria: list[ReportCriterion] = Field(default_factory=list)
    measures: list[ReportMeasure] = Field(default_factory=list)
    resources: list[ReportResource] = Field(default_factory=list)
    error: str | None = None
    log: ReportResource | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    cache_key: str = ""
    cached_from: str | None = None


class ReportInventory(_Part):
    """A registered input as it was in the run; ``details`` holds kind-specific fields."""

    name: str
    kind: str
    path: str = ""
    format: str = ""
    digest: str | None = None
    size_bytes: int | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class ReportCoverageCounts(_Part):
    """Number of required requirements in each coverage state."""

    passed: int = 0
    failed: int = 0
    missing: int = 0
    pending: int = 0


class ReportCoverageEvidence(_Part):
    """One piece of evidence for a requirement.

    ``kind``: ``test`` (a test names the requirement), ``checklist`` (a checklist
    row answers it) or ``crosswalk`` (evidence reached through a crosswalk to
    another guideline's item or to an AIT measure). ``source`` is the test name
    or the crosswalk target; ``status`` the test status (OK/NG/ERR), the checklist
    answer, or the target's state; ``tests`` the tests behind it.
    """

    kind: Literal["test", "checklist", "crosswalk"]
    state: Literal["passed", "failed", "pending"]
    source: str
    status: str = ""
    detail: str = ""
    tests: list[str] = Field(default_factory=list)


class ReportRequirementCoverage(_Part):
    """A required requirement with its coverage state and evidence.

    ``state`` is ``failed`` if any evidence failed, else ``pending`` if any is
    pending (an unanswered checklist row), else ``passed`` if there is evidence,
    else ``missing``. ``summary`` maps a language code to the requirement's text.
    """

    id: str
    characteristic: str
    level: str | None = None
    summary: dict[str, str] = Field(default_factory=dict)
    evidence_kind: Literal["measure", "checklist", "document"]
    automatable: bool = False
    state: Literal["passed", "failed", "missing", "pending"]
    evidence: list[ReportCoverageEvidence] = Field(default_factory=list)


class ReportCharacteristicCoverage(_Part):
    """Required and achieved level of an internal characteristic.

    ``required_levels`` / ``achieved_levels`` hold one level label per track (one
    entry without tracks; none when nothing is required or achieved). The
    achieved level is the highest whose requirements, cumulatively, are all passed.
    """

    id: str
    names: dict[str, str] = Field(default_factory=dict)
    required_levels: list[str] = Field(default_factory=list)
    achieved_levels: list[str] = Field(default_factory=list)
    counts: ReportCoverageCounts = Field(default_factory=ReportCoverageCounts)
    unmapped_tests: list[str] = Field(default_factory=list)


class ReportCoverageNote(_Part):
    """A remark on the coverage: a stable ``code`` with parameters, and its English text."""

    code: str
    params: dict[str, str] = Field(default_factory=dict)
    text: str = ""


class ReportCoverage(_Part):
    """Guideline coverage: one entry per guideline of the component.

    ``mode`` is ``levels`` when the component's target levels decide what is
    required, ``crosswalk`` when every item of the guideline is (a framework
    evidenced through crosswalks).
    """

    guideline: str
    title: dict[str, str] = Field(default_factory=dict)
    edition: str = ""
    mode: Literal["levels", "crosswalk"]
    levels: dict[str, str] = Field(default_factory=dict)
    counts: ReportCoverageCounts = Field(default_factory=ReportCoverageCounts)
    characteristics: list[ReportCharacteristicCoverage] = Field(default_factory=list)
    requirements: list[ReportRequirementCoverage] = Field(default_factory=list)
    notes: list[ReportCoverageNote] = Field(default_factory=list)


class Report(_Part):
    """The report document of one run."""

    schema_version: str = SCHEMA_VERSION
    generator: ReportGenerator
    generated_at: datetime
    run: ReportRun
    component: ReportComponent
    guideline: ReportGuideline | None = None
    summary: ReportSummary
    characteristics: list[ReportCharacteristic] = Field(default_factory=list)
    tests: list[ReportTest] = Field(default_factory=list)
    inventories: list[ReportInventory] = Field(default_factory=list)
    environment: dict[str, Any] = Field(default_factory=dict)
    coverage: list[ReportCoverage] = Field(default_factory=list)
    """Guideline coverage, one entry per guideline of the component."""

    def test(self, name: str) -> ReportTest | None:
        """The test called ``name``, or None."""
        return next((t for t in self.tests if t.name == name), None)


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of the serialised report document.

    Returns
    -------
    dict
        The schema, with ``$schema``, ``$id`` and ``title`` set.

    Examples
    --------
    >>> schema = report_json_schema()
    >>> schema["$id"]
    'urn:aiqm:schema:report:1.0'
    >>> "summary" in schema["required"]
    True
    """
    schema = Report.model_json_schema(mode="serialization")
    head: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "aiqm report",
        "description": f"The report document of one aiqm run (schema version {SCHEMA_VERSION}).",
    }
    return {**head, **{k: v for k, v in schema.items() if k not in head}}
