"""kfd-tagger: parse, tag and aggregate reports of the Kommunale Flüchtlingsdialoge."""

from .errors import CorpusError, KfdError, ModelError, ModelMismatch, ReportParseError, UnknownLabel
from .report import Report, parse_report
from .statements import Statement

__all__ = [
    "CorpusError",
    "KfdError",
    "ModelError",
    "ModelMismatch",
    "Report",
    "ReportParseError",
    "Statement",
    "UnknownLabel",
    "parse_report",
]
