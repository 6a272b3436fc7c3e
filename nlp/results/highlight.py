"""The words of a statement that pushed its labels, for highlighting: `Tagger.explain`'s terms (the same as
`kfd tag --explain`) mapped back onto the statement's words.

A lemma term ("lemma: moderation", a lemma pair "lemma: der moderation", a negated "lemma:
neg_geflüchteter") marks the words whose lemmas form it; a character n-gram of 4 or more letters
("chars: 'moder'") marks the words that contain it. Terms that are no words (the section, judgement cues) are kept as `other`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlp.model.features import token_lemma
from nlp.model.pipeline import load_pipeline

# A shorter character n-gram ("am", "ein") is in too many words to point at any of them.
MIN_CHARS = 4
Terms = Mapping[str, Sequence[tuple[str, float]]]  # label → (readable feature, contribution), largest first


@dataclass(frozen=True)
class Segment:
    text: str  # a word or the space between words
    labels: tuple[str, ...]  # the labels one of whose terms this word is part of (empty: not marked)


@dataclass(frozen=True)
class Highlighted:
    segments: tuple[Segment, ...]  # concatenated, the statement's text
    terms: Mapping[str, tuple[str, ...]]  # label → its terms as shown ("moderation", "…moder…", "section: …")


def _word_terms(terms: Terms) -> tuple[dict[str, list[tuple[str, ...]]], dict[str, list[str]]]:
    """label → lemma sequences to find; label → character n-grams to find."""
    lemmas: dict[str, list[tuple[str, ...]]] = {}
    chars: dict[str, list[str]] = {}
    for label, found in terms.items():
        for feature, _weight in found:
            kind, _, value = feature.partition(": ")
            if kind == "lemma":
                words = tuple(w.removeprefix("neg_") for w in value.split())
                lemmas.setdefault(label, []).append(words)
            elif kind == "chars":
                gram = value.strip("'\"").strip()
                if len(gram) >= MIN_CHARS:
                    chars.setdefault(label, []).append(gram)
    return lemmas, chars


def _shown(feature: str) -> str:
    kind, _, value = feature.partition(": ")
    if kind == "lemma":
        return value.replace("neg_", "nicht ")
    if kind == "chars":
        return "…" + value.strip("'\"").strip() + "…"
    return feature


def highlight(text: str, terms: Terms, pipeline_name: str | None = None) -> Highlighted:
    """The statement split into words and spaces, each word with the labels it pushed."""
    # The tokenizer alone: a word feature is a function of the token's text (`token_lemma`), so the
    # pipeline's other components (and the lookup table they would load) are not needed here.
    doc = load_pipeline(pipeline_name).tokenizer(text)
    lemmas = [token_lemma(t) for t in doc]  # the word features the model saw
    lowered = [t.text.lower() for t in doc]
    marks: list[set[str]] = [set() for _ in doc]
    lemma_terms, char_terms = _word_terms(terms)
    for label, sequences in lemma_terms.items():
        for sequence in sequences:
            n = len(sequence)
            for i in range(len(doc) - n + 1):
                if tuple(lemmas[i : i + n]) == sequence or tuple(lowered[i : i + n]) == sequence:
                    for j in range(i, i + n):
                        marks[j].add(label)
    for label, grams in char_terms.items():
        for i, word in enumerate(lowered):
            if any(gram in word for gram in grams):
                marks[i].add(label)
    order = list(terms)
    segments: list[Segment] = []
    for token, labels in zip(doc, marks, strict=True):
        segments.append(Segment(token.text, tuple(sorted(labels, key=order.index))))
        if token.whitespace_:
            segments.append(Segment(token.whitespace_, ()))
    shown = {label: tuple(_shown(f) for f, _ in found) for label, found in terms.items()}
    return Highlighted(tuple(segments), shown)
