"""kfd-tagger: parse, tag and aggregate reports of the Kommunale Flüchtlingsdialoge.

Everything but the errors is imported on first use: the reading side (`parse_report`, `Report`) imports
spaCy, the model side (`load_model`, `train`, `TaggerModel` …) more, and a command that needs neither
(`kfd --help`, `kfd db …`) should not pay for them.
"""

import importlib

from nlp.errors import CorpusError, KfdError, ModelError, ModelMismatch, ReportParseError, UnknownLabel

_LAZY = {
    "Report": "nlp.reading.report",
    "parse_report": "nlp.reading.report",
    "Statement": "nlp.reading.statements",
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
