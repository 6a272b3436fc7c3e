"""kfd-tagger: parse, tag and aggregate reports of the Kommunale Flüchtlingsdialoge.

The model side (`load_model`, `train`, `TaggerModel` …) is imported on first use, so that parsing a
report does not pay for importing scikit-learn.
"""

import importlib

from nlp.errors import CorpusError, KfdError, ModelError, ModelMismatch, ReportParseError, UnknownLabel
from nlp.reading.report import Report, parse_report
from nlp.reading.statements import Statement

_LAZY = {
    "load_model": "nlp.model.artifacts",
    "Prediction": "nlp.model.inference",
    "Tagger": "nlp.model.inference",
    "TaggerModel": "nlp.model.estimators",
    "StatementInput": "nlp.model.features",
    "train": "nlp.training.train",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CorpusError",
    "KfdError",
    "ModelError",
    "ModelMismatch",
    "Prediction",
    "Report",
    "ReportParseError",
    "Statement",
    "StatementInput",
    "Tagger",
    "TaggerModel",
    "UnknownLabel",
    "load_model",
    "parse_report",
    "train",
]
