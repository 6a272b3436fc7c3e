"""A model's own lemma table: the entries of spacy-lookups-data's German table that can change one of
its features, saved beside the artifact at train time (`lemmas.json`), so that loading a model reads
some 20,000 entries instead of 355,000 (a second of every start, and tens of MB in every process).

Why it is exact: the lookup lemmatizer gives a token the table's value for its text, or the text itself.
A token's lemma matters to the features only through the word it becomes (`features.token_lemma`: lower
case, numbers as "<zahl>"): its unigram and "neg_" columns, the bigrams it is part of and the judgement
cues. A word in none of those is as good as any other such word. So an entry may be dropped when neither
its value nor its key (what the lemma is without the entry) can become a word the model knows or a cue.
`tests/model/test_lemma_table.py` checks the features with the compact table against the full one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from nlp.model.features import _NUMBER, CONTRAST_CUES, NEGATIVE_CUES, POSITIVE_CUES

NUMBER_WORD = "<zahl>"


def cue_words() -> list[str]:
    """The judgement cues the features count (their lemma identity matters, in the vocabulary or not)."""
    return sorted(POSITIVE_CUES | NEGATIVE_CUES | CONTRAST_CUES)


def relevant_words(vocabulary: Iterable[str]) -> set[str]:
    """Every word a lemma can be for a feature to see it: the words of the lemma vocabulary (uni- and
    bigrams, "neg_" taken off) and the cues."""
    words = {NUMBER_WORD, *cue_words()}
    for gram in vocabulary:
        for word in gram.split(" "):
            words.add(word[4:] if word.startswith("neg_") else word)
    return words


def _can_matter(word: str, relevant: set[str]) -> bool:
    lower = word.lower()
    return lower in relevant or (NUMBER_WORD in relevant and _NUMBER.fullmatch(lower) is not None)


def compact_table(full: Mapping[str, str], vocabulary: Iterable[str]) -> dict[str, str]:
    """The entries of `full` (word → lemma) that can change a feature of a model with this vocabulary;
    a lemma with whitespace is kept too (the fast path checks for one)."""
    relevant = relevant_words(vocabulary)
    return {
        word: lemma
        for word, lemma in full.items()
        if _can_matter(lemma, relevant) or _can_matter(word, relevant) or any(ch.isspace() for ch in lemma)
    }


def dumps(table: Mapping[str, str]) -> str:
    """`lemmas.json`: the table and the cue words it was cut for (a later code with other cues must not
    use it)."""
    return json.dumps({"cues": cue_words(), "lemma_lookup": dict(table)}, ensure_ascii=False)


def loads(text: str) -> dict[str, str] | None:
    """The table of a `lemmas.json`; None when it was cut for other cue words than this code counts."""
    data = json.loads(text)
    if data.get("cues") != cue_words() or not isinstance(data.get("lemma_lookup"), dict):
        return None
    return data["lemma_lookup"]
