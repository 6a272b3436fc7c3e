"""Train a model from `training_data/` and write it as a verified, versioned model directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nlp.codebook import load_codebook
from nlp.errors import CorpusError
from nlp.model.artifacts import save_model
from nlp.model.estimators import fit_model
from nlp.model.inference import Tagger
from nlp.model.pipeline import available_pipeline
from nlp.training.behaviour import SUITE_FILE, evaluate_behaviour, read_suite
from nlp.training.corpus import data_hash, load_corpus
from nlp.training.evaluate import cross_validate, to_examples


def train(
    data_dir: str | Path = "training_data",
    out_dir: str | Path = "models",
    folds: int = 5,
    seed: int = 0,
    codebook_path: str | Path | None = None,
    promote: bool = True,
    on_stage: Callable[[str, float], None] | None = None,
) -> Path:
    """Validate the corpus against the codebook (a path; default: the package's), cross-validate (unless
    folds=0), fit on everything, score the behaviour suite (when `data_dir/behaviour/suite.jsonl` exists;
    it is never trained on), save. `out_dir/current` points to the new model unless `promote` is False.
    `on_stage(stage, fraction done)` is told when each step begins. Returns the model dir."""
    stage = on_stage or (lambda name, done: None)
    data_dir = Path(data_dir)
    codebook = load_codebook(codebook_path)
    stage("validate", 0.0)
    records = load_corpus(data_dir, codebook)
    if len(records) < 20:
        raise CorpusError(
            f"{data_dir}: only {len(records)} labelled statements; at least 20 are needed to train"
        )
    suite_path = data_dir / SUITE_FILE
    suite = read_suite(suite_path, codebook) if suite_path.is_file() else None  # a bad suite fails early
    examples = to_examples(records)
    pipeline = available_pipeline().name
    if folds:
        stage("cross-validate", 0.05)
    metrics = (
        cross_validate(
            examples,
            codebook,
            pipeline,
            folds,
            seed,
            on_fold=lambda done, n: stage("cross-validate", 0.05 + 0.7 * done / n),
        )
        if folds
        else {}
    )
    stage("fit", 0.75 if folds else 0.05)
    model = fit_model(examples, codebook.theme_ids, codebook.sentiment_ids, pipeline, seed)
    if suite is not None:
        stage("behaviour", 0.9)
        metrics = {**metrics, "behaviour": evaluate_behaviour(Tagger(model), suite, codebook).figures()}
    n_reports = len({r.report for r in records if r.report})
    stage("save", 0.95)
    return save_model(
        model,
        out_dir,
        codebook=codebook,
        data_hash=data_hash(data_dir, codebook_path),
        seed=seed,
        n_statements=len(records),
        n_reports=n_reports,
        metrics=metrics,
        promote=promote,
    )
