"""A model's inference bundle: everything tagging reads of a fitted `TaggerModel`, as plain arrays, lists
and numbers (`models/<version>/inference.npz`), so that loading a model to tag imports no scikit-learn.

The bundle holds every linear model of the tagger side by side (`LinearLayout`), the Platt sigmoids of
the theme SVMs and of the calibrated sentiment SVMs' folds (`Calibration`), the thresholds and classes,
and what the word-level features need of the fitted transformers (`FeatureTables`: vocabularies, idf,
sections, the character n-gram range, the cue weights). `InferenceBundle.of` is the only code that reads
scikit-learn's fitted internals (`calibrated_classifiers_`, the calibrators' `a_`, `b_`, `vocabulary_`,
`idf_` …); it reads attributes and imports nothing of scikit-learn. The file is an uncompressed `.npz`
read with `allow_pickle=False`: numbers and one JSON document, no code. Exactness: the equivalence tests
(`tests/model/test_inference.py`, `test_fastfeatures.py`, `test_bundle.py`) compare what a `Tagger` made
from a saved bundle computes with scikit-learn's own `predict_proba`.
"""

from __future__ import annotations

import functools
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# Bumped when what the bundle holds changes (the model format, `nlp.model.artifacts`, is bumped with it).
BUNDLE_FORMAT = 1


def fold_weights(calibrated: Any) -> tuple[np.ndarray, np.ndarray]:
    """(weights, bias) of a calibrated classifier's fold SVMs side by side: features × (folds × outputs)."""
    svms = [fold.estimator for fold in calibrated.calibrated_classifiers_]
    weights = np.ascontiguousarray(np.vstack([svm.coef_ for svm in svms]).T)
    return weights, np.concatenate([svm.intercept_ for svm in svms])


@dataclass(frozen=True)
class Calibration:
    """The Platt sigmoids of a `CalibratedClassifierCV`'s folds: per fold, slope `a` and offset `b` of each
    calibrator (one per output column of the fold's SVM), and the place of its class among `n_classes`."""

    n_classes: int
    a: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...]
    positions: tuple[np.ndarray, ...]

    @functools.cached_property
    def stacked(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(slopes, offsets, fold, class position) of every calibrator, fold after fold: the columns of
        `fold_weights`."""
        return (
            np.concatenate(self.a),
            np.concatenate(self.b),
            np.concatenate([np.full(len(a), k) for k, a in enumerate(self.a)]),
            np.concatenate(self.positions),
        )

    @classmethod
    def of(cls, calibrated: Any) -> Calibration:
        classes = calibrated.classes_
        folds = calibrated.calibrated_classifiers_
        return cls(
            n_classes=len(classes),
            a=tuple(np.array([c.a_ for c in fold.calibrators], dtype=float) for fold in folds),
            b=tuple(np.array([c.b_ for c in fold.calibrators], dtype=float) for fold in folds),
            positions=tuple(
                np.searchsorted(classes, fold.estimator.classes_).astype(np.int64) for fold in folds
            ),
        )


def calibrated_from_decisions(calibration: Calibration, decisions: np.ndarray) -> np.ndarray:
    """The calibrated classifier's `predict_proba` from its fold SVMs' decision values (columns as
    `fold_weights`): scikit-learn's computation (`_CalibratedClassifier.predict_proba`), the sigmoids of
    all folds at once (a report's statements are too few to spread numpy's cost per call over them), then
    fold after fold added up as scikit-learn does, so the same numbers."""
    n_classes, n_folds = calibration.n_classes, len(calibration.a)
    slopes, offsets, folds, places = calibration.stacked
    # scikit-learn's `expit(-(a * T + b))`, every fold's calibrators side by side
    p = 1.0 / (1.0 + np.exp(decisions * slopes + offsets))
    if n_classes == 2:
        # One calibrator per fold: its class's probability p, the other's 1 - p, both within [0, 1],
        # where scikit-learn's clip to 1 (below) changes nothing.
        width = decisions.shape[1] // n_folds
        positive, negative = p[:, 0].copy(), 1.0 - p[:, 0]
        for k in range(1, n_folds):
            positive += p[:, k * width]
            negative += 1.0 - p[:, k * width]
        return np.column_stack([negative, positive]) / n_folds
    if len(places) == n_folds * n_classes and (places == np.tile(np.arange(n_classes), n_folds)).all():
        proba = p.reshape(p.shape[0], n_folds, n_classes)  # every fold has every class, in order
    else:
        proba = np.zeros((decisions.shape[0], n_folds, n_classes))
        proba[:, folds, places] = p
    denominator = proba.sum(axis=2, keepdims=True)
    proba = np.divide(proba, denominator, out=np.full_like(proba, 1 / n_classes), where=denominator != 0)
    proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
    total = proba[:, 0].copy()
    for k in range(1, n_folds):
        total += proba[:, k]
    return total / n_folds


def stacked_themes(themes: Any):
    """(weights features × labels in C order, bias, Platt slope, Platt offset, constant) of the theme SVMs
    of a `ThresholdedMultiLabel`; `constant` is the base rate of a label too rare to learn (NaN elsewhere)."""
    n_features = next((e.coef_.shape[1] for e in themes.estimators_ if e is not None), 0)
    n = len(themes.estimators_)
    weights = np.zeros((n, n_features))
    bias, slope, offset = (np.zeros(n) for _ in range(3))
    constant = np.full(n, np.nan)
    for j, (svm, calibrator) in enumerate(zip(themes.estimators_, themes.calibrators_, strict=True)):
        if svm is None:
            constant[j] = calibrator
            continue
        weights[j], bias[j] = svm.coef_[0], svm.intercept_[0]
        slope[j], offset[j] = calibrator.coef_[0, 0], calibrator.intercept_[0]
    # scipy's sparse @ dense wants the weights in C order and would otherwise copy them on every call
    return np.ascontiguousarray(weights.T), bias, slope, offset, constant


@dataclass(frozen=True)
class LinearLayout:
    """All linear models of a `TaggerModel` side by side, so one pass over a statement's features gives
    every decision value: the theme SVMs, the fold SVMs of both sentiment heads and of the final
    sentiment SVM. `widths`: where each group's columns start and end."""

    weights: np.ndarray  # theme features × outputs (C order)
    cue_weights: np.ndarray  # cue columns × outputs (zero for the themes, which do not see the cues)
    bias: np.ndarray
    theme_calibration: tuple[np.ndarray, np.ndarray, np.ndarray]  # Platt slope, offset, constant per theme
    head_weights: np.ndarray  # the final sentiment SVMs' weights on the head columns
    widths: tuple[int, int, int, int, int]

    @property
    def themes(self) -> slice:
        return slice(self.widths[0], self.widths[1])

    @property
    def positive(self) -> slice:
        return slice(self.widths[1], self.widths[2])

    @property
    def negative(self) -> slice:
        return slice(self.widths[2], self.widths[3])

    @property
    def final(self) -> slice:
        return slice(self.widths[3], self.widths[4])

    @classmethod
    def of(cls, themes: Any, sentiment: Any) -> LinearLayout:
        """From a fitted `ThresholdedMultiLabel` and `JudgementSentiment`."""
        theme_weights, theme_bias, *calibration = stacked_themes(themes)
        n = theme_weights.shape[0]
        parts = [(theme_weights, theme_bias)] + [
            fold_weights(c) for c in (*sentiment.heads_, sentiment.final_)
        ]
        n_cues = parts[1][0].shape[0] - n
        widths = np.cumsum([0] + [w.shape[1] for w, _ in parts])
        cue_weights = np.zeros((n_cues, widths[-1]))
        for (w, _), start, end in zip(parts[1:], widths[1:-1], widths[2:], strict=True):
            cue_weights[:, start:end] = w[n : n + n_cues]
        return cls(
            weights=np.ascontiguousarray(np.hstack([w[:n] for w, _ in parts])),
            cue_weights=cue_weights,
            bias=np.concatenate([b for _, b in parts]),
            theme_calibration=(calibration[0], calibration[1], calibration[2]),
            head_weights=parts[3][0][n + n_cues :],
            widths=(int(widths[0]), int(widths[1]), int(widths[2]), int(widths[3]), int(widths[4])),
        )


_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's `_VectorizerMixin._white_spaces`


def word_wb_grams(word: str, low: int, high: int) -> list[str]:
    """The `char_wb` n-grams of one word (no whitespace in it): padded with a space on both sides, its
    n-grams for n = low..high, a word no longer than n once whole (and no longer n after that)."""
    padded = f" {word} "
    size = len(padded)
    grams: list[str] = []
    for n in range(low, high + 1):
        if n >= size:
            grams.append(padded)
            break
        grams += [padded[i : i + n] for i in range(size - n + 1)]
    return grams


def char_wb_grams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's `char_wb` n-grams of an already preprocessed text (`_char_wb_ngrams`): those of each
    of its words (`word_wb_grams`)."""
    grams: list[str] = []
    for w in _WHITE_SPACES.sub(" ", text).split():
        grams += word_wb_grams(w, low, high)
    return grams


@dataclass(frozen=True)
class FeatureTables:
    """What the word-level features (`nlp.model.fastfeatures`) need of the fitted transformers."""

    lemma_vocabulary: dict[str, int]
    char_vocabulary: dict[str, int]
    lemma_idf: np.ndarray
    char_idf: np.ndarray
    sections: tuple[str, ...]  # the section one-hot's categories, in column order
    # (min n, max n) of the character n-grams when they are plain `char_wb` over lower-cased text (as
    # `transformers.feature_union` makes them), else None: then the word-level path is not used.
    char_range: tuple[int, int] | None
    cue_weight: float
    polarity_weight: float
    polarity: bool  # the sentiment cues include the polarity features

    @classmethod
    def of(cls, features: Any, cues: Any) -> FeatureTables:
        """From the fitted `ColumnTransformer`s of `transformers.feature_union` and `sentiment_cues`."""
        parts = {name: transformer for name, transformer, _ in features.transformers_}
        lemmas, chars, section = parts["lemmas"], parts["chars"], parts["section"]
        plain_wb = (
            chars.analyzer == "char_wb"
            and chars.lowercase
            and chars.preprocessor is None
            and chars.strip_accents is None
            and chars.input == "content"
        )
        weights = cues.transformer_weights or {}
        return cls(
            lemma_vocabulary={str(k): int(v) for k, v in lemmas.vocabulary_.items()},
            char_vocabulary={str(k): int(v) for k, v in chars.vocabulary_.items()},
            lemma_idf=np.asarray(lemmas.idf_, dtype=float),
            char_idf=np.asarray(chars.idf_, dtype=float),
            sections=tuple(str(c) for c in section.categories_[0]),
            char_range=(int(chars.ngram_range[0]), int(chars.ngram_range[1])) if plain_wb else None,
            cue_weight=float(weights.get("cues", 1.0)),
            polarity_weight=float(weights.get("polarity", 1.0)),
            polarity="polarity" in {name for name, _, _ in cues.transformers_},
        )


@dataclass(frozen=True)
class InferenceBundle:
    """Everything `nlp.model.inference.Tagger` needs to tag, without the scikit-learn objects."""

    theme_ids: tuple[str, ...]
    sentiment_ids: tuple[str, ...]
    classes: tuple[str, ...]  # the sentiment classifier's classes, in its order
    pipeline_name: str
    thresholds: np.ndarray  # per theme, in label order
    theme_relative: float  # `ThresholdedMultiLabel.relative_`
    theme_fallback: float | None  # `ThresholdedMultiLabel.fallback_`
    layout: LinearLayout
    heads: tuple[Calibration, Calibration]  # the positive and the negative judgement head
    final: Calibration  # the final sentiment SVM over the four sentiments
    head_weight: float
    features: FeatureTables

    @classmethod
    def of(cls, model: Any) -> InferenceBundle:
        """From a fitted `TaggerModel`."""
        sentiment = model.sentiment
        return cls(
            theme_ids=tuple(model.theme_ids),
            sentiment_ids=tuple(model.sentiment_ids),
            classes=tuple(str(c) for c in sentiment.classes_),
            pipeline_name=model.pipeline_name,
            thresholds=np.asarray(model.themes.thresholds_, dtype=float),
            theme_relative=float(model.themes.relative_),
            theme_fallback=None if model.themes.fallback_ is None else float(model.themes.fallback_),
            layout=LinearLayout.of(model.themes, sentiment),
            heads=(Calibration.of(sentiment.heads_[0]), Calibration.of(sentiment.heads_[1])),
            final=Calibration.of(sentiment.final_),
            head_weight=float(sentiment.head_weight),
            features=FeatureTables.of(model.features, model.sentiment_cues),
        )

    def dumps(self) -> bytes:
        """The `.npz` file: the arrays, and one JSON document (as bytes) for the rest."""
        layout, tables = self.layout, self.features
        arrays: dict[str, np.ndarray] = {
            "weights": layout.weights,
            "cue_weights": layout.cue_weights,
            "bias": layout.bias,
            "theme_slope": layout.theme_calibration[0],
            "theme_offset": layout.theme_calibration[1],
            "theme_constant": layout.theme_calibration[2],
            "head_weights": layout.head_weights,
            "thresholds": self.thresholds,
            "lemma_idf": tables.lemma_idf,
            "char_idf": tables.char_idf,
        }
        calibrations = {"positive": self.heads[0], "negative": self.heads[1], "final": self.final}
        for name, calibration in calibrations.items():
            for k, (a, b, positions) in enumerate(
                zip(calibration.a, calibration.b, calibration.positions, strict=True)
            ):
                arrays[f"{name}_a_{k}"], arrays[f"{name}_b_{k}"] = a, b
                arrays[f"{name}_positions_{k}"] = positions
        meta = {
            "bundle_format": BUNDLE_FORMAT,
            "theme_ids": list(self.theme_ids),
            "sentiment_ids": list(self.sentiment_ids),
            "classes": list(self.classes),
            "pipeline_name": self.pipeline_name,
            "widths": list(layout.widths),
            "head_weight": self.head_weight,
            "theme_relative": self.theme_relative,
            "theme_fallback": self.theme_fallback,
            "calibrations": {name: [c.n_classes, len(c.a)] for name, c in calibrations.items()},
            # vocabularies as lists in column order
            "lemma_vocabulary": _in_column_order(tables.lemma_vocabulary),
            "char_vocabulary": _in_column_order(tables.char_vocabulary),
            "sections": list(tables.sections),
            "char_range": list(tables.char_range) if tables.char_range else None,
            "cue_weight": tables.cue_weight,
            "polarity_weight": tables.polarity_weight,
            "polarity": tables.polarity,
        }
        arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        out = io.BytesIO()
        np.savez(out, allow_pickle=False, **arrays)
        return out.getvalue()

    @classmethod
    def loads(cls, data: bytes) -> InferenceBundle:
        """Read what `dumps` wrote; a file of another bundle format or shape is a ValueError."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
            meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
            if meta.get("bundle_format") != BUNDLE_FORMAT:
                raise ValueError(
                    f"bundle format {meta.get('bundle_format')!r}, this code reads {BUNDLE_FORMAT}"
                )

            def calibration(name: str) -> Calibration:
                n_classes, n_folds = meta["calibrations"][name]
                return Calibration(
                    n_classes=int(n_classes),
                    a=tuple(arrays[f"{name}_a_{k}"] for k in range(n_folds)),
                    b=tuple(arrays[f"{name}_b_{k}"] for k in range(n_folds)),
                    positions=tuple(arrays[f"{name}_positions_{k}"] for k in range(n_folds)),
                )

            w = meta["widths"]
            layout = LinearLayout(
                weights=arrays["weights"],
                cue_weights=arrays["cue_weights"],
                bias=arrays["bias"],
                theme_calibration=(arrays["theme_slope"], arrays["theme_offset"], arrays["theme_constant"]),
                head_weights=arrays["head_weights"],
                widths=(int(w[0]), int(w[1]), int(w[2]), int(w[3]), int(w[4])),
            )
            char_range = meta["char_range"]
            tables = FeatureTables(
                lemma_vocabulary={term: i for i, term in enumerate(meta["lemma_vocabulary"])},
                char_vocabulary={term: i for i, term in enumerate(meta["char_vocabulary"])},
                lemma_idf=arrays["lemma_idf"],
                char_idf=arrays["char_idf"],
                sections=tuple(meta["sections"]),
                char_range=(int(char_range[0]), int(char_range[1])) if char_range else None,
                cue_weight=float(meta["cue_weight"]),
                polarity_weight=float(meta["polarity_weight"]),
                polarity=bool(meta["polarity"]),
            )
            return cls(
                theme_ids=tuple(meta["theme_ids"]),
                sentiment_ids=tuple(meta["sentiment_ids"]),
                classes=tuple(meta["classes"]),
                pipeline_name=str(meta["pipeline_name"]),
                thresholds=arrays["thresholds"],
                theme_relative=float(meta["theme_relative"]),
                theme_fallback=None if meta["theme_fallback"] is None else float(meta["theme_fallback"]),
                layout=layout,
                heads=(calibration("positive"), calibration("negative")),
                final=calibration("final"),
                head_weight=float(meta["head_weight"]),
                features=tables,
            )
        except (
            KeyError,
            TypeError,
            IndexError,
            json.JSONDecodeError,
            UnicodeDecodeError,
            OSError,
            zipfile.BadZipFile,
        ) as e:
            raise ValueError(f"not an inference bundle ({type(e).__name__}: {e})") from None

    def save(self, path: Path) -> None:
        path.write_bytes(self.dumps())


def _in_column_order(vocabulary: dict[str, int]) -> list[str]:
    terms = [""] * len(vocabulary)
    for term, column in vocabulary.items():
        terms[column] = term
    return terms
