"""Train a model from `training_data/` and write it as a verified, versioned model directory."""

from __future__ import annotations

from pathlib import Path

from .artifacts import save_model
from .classifier import fit_model
from .codebook import load_codebook
from .corpus import data_hash, load_corpus
from .errors import CorpusError
from .evaluate import cross_validate, to_examples
from .pipeline import available_pipeline


def train(
    data_dir: str | Path = "training_data",
    out_dir: str | Path = "models",
    folds: int = 5,
    seed: int = 0,
) -> Path:
    """Validate the corpus, cross-validate (unless folds=0), fit on everything, save. Returns the model dir."""
    data_dir = Path(data_dir)
    codebook = load_codebook(data_dir / "codebook.yaml")
    records = load_corpus(data_dir)
    if len(records) < 20:
        raise CorpusError(
            f"{data_dir}: only {len(records)} labelled statements; at least 20 are needed to train"
        )
    examples = to_examples(records)
    pipeline = available_pipeline().name
    metrics = cross_validate(examples, codebook, pipeline, folds, seed) if folds else {}
    model = fit_model(examples, codebook.theme_ids, codebook.sentiment_ids, pipeline, seed)
    n_reports = len({r.report for r in records if r.report})
    return save_model(
        model,
        out_dir,
        codebook=codebook,
        data_hash=data_hash(data_dir),
        seed=seed,
        n_statements=len(records),
        n_reports=n_reports,
        metrics=metrics,
    )
