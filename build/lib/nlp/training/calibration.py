"""Are the probabilities honest? Expected calibration error and the reliability diagram.

`kfd suggest` picks statements by how close their probabilities are to a threshold, and evaluators read
`confidence` as "how sure": both only mean something if, of the labels given with probability 0.8, about
80 % are right. ECE (expected calibration error) is the gap between stated probability and observed
frequency, averaged over equal-width probability bins and weighted by how many predictions fall in each.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from nlp.codebook import Codebook
from nlp.model.estimators import TrainingExample
from nlp.model.inference import Prediction

N_BINS = 10


def reliability(probabilities: np.ndarray, outcomes: np.ndarray, n_bins: int = N_BINS) -> dict[str, Any]:
    """ECE and the per-bin mean probability, observed frequency and count of binary predictions."""
    probabilities, outcomes = np.asarray(probabilities, float), np.asarray(outcomes, float)
    bins = np.minimum((probabilities * n_bins).astype(int), n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    filled = counts > 0
    mean_p = np.bincount(bins, weights=probabilities, minlength=n_bins)[filled] / counts[filled]
    observed = np.bincount(bins, weights=outcomes, minlength=n_bins)[filled] / counts[filled]
    ece = float(np.sum(counts[filled] * np.abs(mean_p - observed)) / max(len(probabilities), 1))
    return {
        "ece": round(ece, 4),
        "bins": [
            {"mean_probability": round(float(m), 4), "observed": round(float(o), 4), "n": int(n)}
            for m, o, n in zip(mean_p, observed, counts[filled], strict=True)
        ],
    }


def calibration(
    examples: Sequence[TrainingExample], predictions: Sequence[Prediction], codebook: Codebook
) -> dict[str, Any]:
    """Themes: every (statement, theme) probability against whether the theme is gold. Sentiment: the
    probability of the predicted sentiment against whether it is the gold one (top-label ECE)."""
    theme_ids = codebook.theme_ids
    theme_p = np.array([[p.theme_scores.get(t, 0.0) for t in theme_ids] for p in predictions]).ravel()
    theme_y = np.array([[t in e.themes for t in theme_ids] for e in examples]).ravel()
    sentiment_p = np.array([p.sentiment_scores.get(p.sentiment, 0.0) for p in predictions])
    sentiment_y = np.array([p.sentiment == e.sentiment for e, p in zip(examples, predictions, strict=True)])
    return {"themes": reliability(theme_p, theme_y), "sentiment": reliability(sentiment_p, sentiment_y)}


def reliability_png(figures: dict[str, Any], title: str = "") -> bytes:
    """The reliability diagram of `calibration`'s figures: observed frequency against stated probability
    per bin, for themes and sentiment side by side; the diagonal is perfect calibration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), sharey=True)
    for ax, (kind, label) in zip(axes, (("themes", "Themen"), ("sentiment", "Stimmung")), strict=True):
        part = figures[kind]
        x = [b["mean_probability"] for b in part["bins"]]
        y = [b["observed"] for b in part["bins"]]
        n = [b["n"] for b in part["bins"]]
        ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1)
        ax.plot(x, y, marker="o", color="#0072B2")
        for xi, yi, ni in zip(x, y, n, strict=True):
            ax.annotate(str(ni), (xi, yi), textcoords="offset points", xytext=(4, -10), fontsize=7)
        ax.set_title(f"{label}: ECE {part['ece']:.3f}")
        ax.set_xlabel("vorhergesagte Wahrscheinlichkeit")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("beobachteter Anteil richtig")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    plt.close(fig)
    return out.getvalue()
