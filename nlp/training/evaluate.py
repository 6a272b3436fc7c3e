"""Quality of the tagger: cross-validation grouped by report, and scoring a trained model on labelled data."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import GroupKFold

from nlp.codebook import Codebook
from nlp.errors import CorpusError
from nlp.model.estimators import TrainingExample, fit_model
from nlp.model.features import StatementInput
from nlp.model.inference import Prediction, Tagger
from nlp.model.pipeline import available_pipeline
from nlp.training.calibration import calibration
from nlp.training.corpus import LabelledStatement, load_corpus, read_labels


def to_examples(records: Sequence[LabelledStatement]) -> list[TrainingExample]:
    """Training examples; the group is the report, so that CV never splits one report's statements."""
    return [
        TrainingExample(
            StatementInput(r.text, r.section),
            r.themes,
            r.sentiment,
            r.report or f"standalone:{r.line}",
        )
        for r in records
    ]


def metrics(
    examples: Sequence[TrainingExample], predictions: Sequence[Prediction], codebook: Codebook
) -> dict[str, Any]:
    """Per-theme precision/recall/F1, micro and macro F1; sentiment accuracy, macro F1, confusion matrix;
    the calibration of both (`nlp.training.calibration`)."""
    theme_ids, sentiment_ids = list(codebook.theme_ids), list(codebook.sentiment_ids)
    y_true = np.array([[int(t in e.themes) for t in theme_ids] for e in examples])
    y_pred = np.array([[int(t in p.themes) for t in theme_ids] for p in predictions])
    p, r, f, support = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    s_true = [e.sentiment for e in examples]
    s_pred = [p.sentiment for p in predictions]
    sp, sr, sf, ss = precision_recall_fscore_support(s_true, s_pred, labels=sentiment_ids, zero_division=0)
    present = [j for j, n in enumerate(support) if n > 0]
    return {
        "n_statements": len(examples),
        "n_reports": len({e.group for e in examples if not e.group.startswith("standalone:")}),
        "themes": {
            "micro_f1": round(float(f1_score(y_true, y_pred, average="micro", zero_division=0)), 4),
            "macro_f1": round(float(np.mean(f[present])) if present else 0.0, 4),
            "per_label": {
                t: {"precision": round(float(p[j]), 4), "recall": round(float(r[j]), 4),
                    "f1": round(float(f[j]), 4), "support": int(support[j])}
                for j, t in enumerate(theme_ids)
            },
        },
        "sentiment": {
            "accuracy": round(float(accuracy_score(s_true, s_pred)), 4),
            "macro_f1": round(float(f1_score(s_true, s_pred, labels=sentiment_ids, average="macro",
                                             zero_division=0)), 4),
            "per_label": {
                s: {"precision": round(float(sp[k]), 4), "recall": round(float(sr[k]), 4),
                    "f1": round(float(sf[k]), 4), "support": int(ss[k])}
                for k, s in enumerate(sentiment_ids)
            },
            "confusion": {
                "labels": sentiment_ids,
                "matrix": confusion_matrix(s_true, s_pred, labels=sentiment_ids).tolist(),
            },
        },
        "calibration": calibration(examples, predictions, codebook),
    }  # fmt: skip


Fit = Callable[[list[TrainingExample]], Callable[[list[StatementInput]], list[Prediction]]]


def grouped_folds(examples: Sequence[TrainingExample], folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    groups = np.array([e.group for e in examples])
    n_groups = len(set(groups))
    if n_groups < folds:
        raise CorpusError(
            f"cross-validation with {folds} folds needs at least {folds} reports, got {n_groups}"
        )
    return list(GroupKFold(n_splits=folds).split(np.zeros(len(groups)), groups=groups))


def cross_validate(
    examples: Sequence[TrainingExample],
    codebook: Codebook,
    pipeline_name: str,
    folds: int = 5,
    seed: int = 0,
    fit: Fit | None = None,
    on_fold: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Out-of-fold predictions for every statement, folds grouped by report; metrics over all of them.

    `fit` trains a system on a list of examples and returns its predict function (default: ours);
    `on_fold(done, folds)` is told after each fold.
    """
    if fit is None:

        def fit(train: list[TrainingExample]):
            model = fit_model(train, codebook.theme_ids, codebook.sentiment_ids, pipeline_name, seed)
            return Tagger(model).tag

    predictions: list[Prediction | None] = [None] * len(examples)
    fit_seconds = predict_seconds = 0.0
    for done, (train_idx, test_idx) in enumerate(grouped_folds(examples, folds), start=1):
        start = time.perf_counter()
        predict = fit([examples[i] for i in train_idx])
        fit_seconds += time.perf_counter() - start
        start = time.perf_counter()
        fold_predictions = predict([examples[i].statement for i in test_idx])
        predict_seconds += time.perf_counter() - start
        for i, prediction in zip(test_idx, fold_predictions, strict=True):
            predictions[i] = prediction
        if on_fold is not None:
            on_fold(done, folds)
    result = metrics(examples, [p for p in predictions if p is not None], codebook)
    result["folds"] = folds
    result["train_seconds"] = round(fit_seconds, 2)
    result["predict_seconds"] = round(predict_seconds, 2)
    return result


def score_model(model: Tagger, examples: Sequence[TrainingExample], codebook: Codebook) -> dict[str, Any]:
    """Metrics of a trained model on a labelled set it was not trained on (a held-out file)."""
    return metrics(examples, model.tag([e.statement for e in examples]), codebook)


def evaluate(
    data_path: str | Path,
    codebook: Codebook,
    *,
    model: Tagger | None = None,
    folds: int = 5,
    seed: int = 0,
    baseline: str | None = None,
) -> dict[str, Any]:
    """What `kfd evaluate` reports. With a model: its scores on a labelled .jsonl file (`{"model": version,
    **metrics}`). Without: grouped cross-validation on a training data folder (`{"kfd": metrics}`, and
    `"spacy"` with `baseline="spacy"`: spaCy's textcat on the same folds)."""
    if model is not None:
        problems: list[str] = []
        records = read_labels(Path(data_path), codebook, problems)
        if problems:
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            raise CorpusError("; ".join(problems[:3]) + more)
        return {"model": model.version, **score_model(model, to_examples(records), codebook)}
    examples = to_examples(load_corpus(data_path, codebook=codebook))
    pipeline = available_pipeline().name
    results = {"kfd": cross_validate(examples, codebook, pipeline, folds, seed)}
    if baseline == "spacy":
        from nlp.training.baseline import spacy_textcat

        results["spacy"] = cross_validate(
            examples, codebook, pipeline, folds, seed, fit=spacy_textcat(codebook, seed)
        )
    return results
