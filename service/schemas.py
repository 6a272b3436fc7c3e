"""Request and response bodies of the HTTP API, kept apart from the library's internal types."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, field_validator

from nlp.codebook import Codebook
from nlp.intake import FILENAME_MAX, report_warnings, safe_filename
from nlp.model.artifacts import ModelManifest
from nlp.reading.form import STATEMENT_SECTIONS
from nlp.results.aggregate import AggregateTable
from nlp.storage.store import ReportPage, ReportSummary, StoredReport

SectionId = Literal[STATEMENT_SECTIONS]  # type: ignore[valid-type]
EXTERNAL_ID_MAX = 200  # the length of the database column
# Surrounding spaces are no part of an id (the multipart field is trimmed the same way).
ExternalId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=EXTERNAL_ID_MAX)
]

_SCORES_EXAMPLE = {
    "themes": {"moderation": 0.91, "organisation_zeit": 0.62, "wohnen": 0.03},
    "sentiment": {"positiv": 0.22, "negativ": 0.08, "gemischt": 0.64, "neutral": 0.06},
}
_TAGGED_EXAMPLE: dict[str, Any] = {
    "id": "s1",
    "report": None,
    "section": "bewertung",
    "text": "Die Moderation war gut, aber die Zeit war zu knapp.",
    "themes": ["moderation", "organisation_zeit"],
    "sentiment": "gemischt",
    "scores": _SCORES_EXAMPLE,
    "model_version": "20170301-120000-1a2b3c4d",
    "abstained": False,
    "abstain_reason": None,
    "kommune": None,
    "landkreis": None,
    "regierungsbezirk": None,
    "event_date": None,
}


# -- classify --------------------------------------------------------------------------------------


class StatementIn(BaseModel):
    id: str | None = Field(
        None, max_length=200, description="Echoed back; defaults to the position (1, 2, …)"
    )
    text: str = Field(min_length=1, description="One statement: a bullet point or a sentence")
    section: SectionId | None = Field(None, description="The report section it comes from, if known")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        if "\x00" in value:  # no statement holds one; the lemmatizer's dictionary cannot look it up
            raise ValueError("text holds a NUL character (U+0000)")
        return value


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "statements": [
                        {
                            "id": "s1",
                            "text": "Die Moderation war gut, aber die Zeit war zu knapp.",
                            "section": "bewertung",
                        },
                        {"text": "Eine Wohnraumbörse wird eingerichtet."},
                    ]
                }
            ]
        }
    )

    statements: list[StatementIn] = Field(min_length=1)


class Scores(BaseModel):
    themes: dict[str, float] = Field(description="Probability per theme id")
    sentiment: dict[str, float] = Field(description="Probability per sentiment id")


class TaggedStatement(BaseModel):
    """The same record as one line of `kfd tag --output x.jsonl`."""

    model_config = ConfigDict(json_schema_extra={"examples": [_TAGGED_EXAMPLE]})

    id: str
    report: str | None = Field(description="File name of the report the statement comes from")
    section: str | None
    text: str
    themes: list[str]
    sentiment: str
    scores: Scores
    model_version: str
    abstained: bool = Field(
        description="True when the statement has no content (a placeholder such as 'entfällt', no letters): "
        "then no theme and `neutral`"
    )
    abstain_reason: str | None = Field(
        description="Why: 'placeholder', 'no letters', 'amounts only', 'dates and times only' or 'no known words'"
    )
    kommune: str | None = Field(description="The report's Kommune (null for statements without a report)")
    landkreis: str | None
    regierungsbezirk: str | None
    event_date: str | None = Field(description="The report's first event date (ISO)")


class ClassifyResponse(BaseModel):
    model_version: str
    statements: list[TaggedStatement]


# -- reports ---------------------------------------------------------------------------------------


class ReportCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "Angaben zur Kommune\n\nName der Stadt oder Gemeinde\nLindenau am Neckar\n…",
                    "filename": "lindenau.txt",
                    "external_id": "intake-2017-0042",
                }
            ]
        }
    )

    text: str = Field(min_length=1, description="The report as plain text")
    filename: str | None = Field(
        None,
        max_length=4096,
        description=f"Stored without control characters and folders, at most {FILENAME_MAX} characters",
    )
    external_id: ExternalId | None = Field(
        None,
        description="The sender's id; posting it again with the same content returns the stored report, "
        "with another content it is a 409",
    )


class Kommune(BaseModel):
    name: str | None
    website: str | None
    einwohner: int | None
    einwohner_stand: str | None
    landkreis: str | None
    regierungsbezirk: str | None


class Kontakt(BaseModel):
    name: str | None
    adresse: str | None
    telefon: str | None
    email: str | None


class Veranstaltung(BaseModel):
    termine: list[str] = Field(description="ISO dates of every event day")
    uhrzeit: str | None
    teilnehmende: int | None
    gefluechtete: int | None


class Kostenposten(BaseModel):
    bezeichnung: str
    betrag_eur: float
    ungefaehr: bool


class Kosten(BaseModel):
    posten: list[Kostenposten]
    gesamt_eur: float | None
    urteil: str | None


class Statement(BaseModel):
    section: str
    index: int
    text: str


class ParsedReport(BaseModel):
    """The typed record of `kfd parse --json`."""

    kommune: Kommune
    kontakt: Kontakt | None = Field(None, description="The contact person; left out with `redact=true`")
    veranstaltung: Veranstaltung
    themenfelder: list[str]
    akteure: list[str]
    kosten: Kosten
    sections: dict[str, str]
    statements: list[Statement]
    warnings: list[str]


class ReportOut(BaseModel):
    id: int
    external_id: str | None
    filename: str | None
    content_sha256: str
    created_at: dt.datetime
    report: ParsedReport
    statements: list[TaggedStatement] = Field(description="Every statement, tagged")
    warnings: list[str] = Field(
        description="What the parser read but doubted, and 'no statements found: …' when nothing was tagged"
    )

    @classmethod
    def from_stored(cls, stored: StoredReport) -> ReportOut:
        return cls.model_validate(report_out_content(stored))


_DATETIME = TypeAdapter(dt.datetime)


def report_out_content(stored: StoredReport) -> dict[str, Any]:
    """`ReportOut`'s JSON, built directly from the record (which has that shape already; a test holds it
    equal to the model's dump): POST /v1/reports answers it without validating and serialising every
    statement through pydantic once more."""
    filename = safe_filename(stored.filename)  # also for rows stored before names were cleaned
    return {
        "id": stored.id,
        "external_id": stored.external_id,
        "filename": filename,
        "content_sha256": stored.content_sha256,
        "created_at": _DATETIME.dump_python(stored.created_at, mode="json"),
        "report": stored.report.to_dict(),
        "statements": [s.to_json() | {"report": filename} for s in stored.statements],
        "warnings": list(report_warnings(stored.report)),
    }


class ReportListItem(BaseModel):
    id: int
    external_id: str | None
    filename: str | None
    created_at: dt.datetime
    kommune_name: str | None
    landkreis: str | None
    regierungsbezirk: str | None
    first_event_date: dt.date | None
    n_statements: int

    @classmethod
    def from_summary(cls, summary: ReportSummary) -> ReportListItem:
        item = cls.model_validate(summary, from_attributes=True)
        item.filename = safe_filename(item.filename)
        return item


class ReportList(BaseModel):
    items: list[ReportListItem]
    total: int = Field(description="Reports matching the filters, over all pages")
    limit: int
    offset: int

    @classmethod
    def from_page(cls, page: ReportPage) -> ReportList:
        return cls(
            items=[ReportListItem.from_summary(s) for s in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


# -- aggregate -------------------------------------------------------------------------------------


class AggregateRow(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "group": {"theme": "moderation", "sentiment": "positiv"},
                    "count": 12,
                    "total": 240,
                    "share": 0.05,
                }
            ]
        }
    )

    group: dict[str, str | int] = Field(description="One value per dimension of `by`")
    count: int
    total: int = Field(description="Statements in the same section/Landkreis/Regierungsbezirk/year group")
    share: float = Field(description="count / total")


class AggregateOut(BaseModel):
    by: list[str]
    filters: dict[str, list[str]]
    n_statements: int = Field(description="Statements left after filtering")
    rows: list[AggregateRow]

    @classmethod
    def from_table(cls, table: AggregateTable) -> AggregateOut:
        return cls(
            by=list(table.by),
            filters={k: list(v) for k, v in table.filters.items()},
            n_statements=table.n_statements,
            rows=[
                AggregateRow(
                    group=dict(zip(table.by, r.group, strict=True)),
                    count=r.count,
                    total=r.total,
                    share=r.share,
                )
                for r in table.rows
            ],
        )


# -- model -----------------------------------------------------------------------------------------


class LabelOut(BaseModel):
    id: str
    name: str = Field(description="German display name")
    definition: str
    group: str | None = None
    group_name: str | None = None


class ModelInfo(BaseModel):
    version: str
    trained_at: str
    pipeline: str
    pipeline_version: str
    n_statements: int
    n_reports: int
    themes: list[LabelOut]
    sentiments: list[LabelOut]
    groups: dict[str, str]
    thresholds: dict[str, float]
    metrics: dict[str, Any]

    @classmethod
    def from_manifest(cls, manifest: ModelManifest, codebook: Codebook) -> ModelInfo:
        return cls(
            version=manifest.version,
            trained_at=manifest.trained_at,
            pipeline=manifest.pipeline,
            pipeline_version=manifest.pipeline_version,
            n_statements=manifest.n_statements,
            n_reports=manifest.n_reports,
            themes=[
                LabelOut(
                    id=t.id,
                    name=t.name,
                    definition=t.definition,
                    group=t.group,
                    group_name=codebook.groups.get(t.group or ""),
                )
                for t in codebook.themes
            ],
            sentiments=[LabelOut(id=s.id, name=s.name, definition=s.definition) for s in codebook.sentiments],
            groups=dict(codebook.groups),
            thresholds=manifest.thresholds,
            metrics=manifest.metrics,
        )


class ReloadOut(BaseModel):
    previous_version: str | None
    version: str
    changed: bool
    model: ModelInfo


class RetagOut(BaseModel):
    model_version: str
    n_statements: int
    report: ReportOut


# -- health ----------------------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    model_version: str
    database: Literal["ok"] = "ok"
