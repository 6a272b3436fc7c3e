"""The first pass over never-seen statements (`inprocess.cold_first_pass`) in CPU seconds, with the parts of
`tag` that cost most, in a fresh process: the bare tokenizer and `tag` over the corpus' distinct
statements, each with empty caches, as `make bench` runs them.

    python -m bench.first_pass

CPU time (`time.process_time`) instead of the wall clock: on a machine that other jobs share, it moves less
than the bench's wall-clock ratio, so runs of two versions taken one after the other (a few of each,
alternately) compare. Prints the tokenizer's and our seconds, their ratio (the figure of issue #14), and the
seconds inside `tag` of: the words never seen before (`FastFeatures._batch`: tokens, lemmas, character
n-grams), the character block's decision values, and the polarity and cue columns
(`FastFeatures._cue_columns`).
"""

from __future__ import annotations

import time

import spacy

from bench.cputime import CpuSpent
from bench.inprocess import _tag, _tokenize_all, corpus_statements
from nlp.model.artifacts import load_model
from nlp.model.features import StatementInput
from nlp.model.inference import Tagger
from nlp.model.pipeline import word_pipeline
from service.runtime import freeze_long_lived

# (method of FastFeatures, what it is)
PARTS = (
    ("_batch", "new words (tokens, lemmas, n-grams)"),
    ("_char_decisions", "character block (decision values)"),
    ("_cue_columns", "polarity and cue columns"),
)


def first_pass(n: int = 20_000, data: str = "training_data", models: str = "models") -> dict[str, float]:
    """CPU seconds of the tokenizer and of `tag` over the distinct statements among `n` corpus statements,
    the ratio, and the seconds of each part in `PARTS`."""
    model, _ = load_model(models)
    freeze_long_lived()  # as `make bench` does after loading
    model.tag([StatementInput("Die Veranstaltung war gut besucht.")])
    unique = list({(s.text, s.section): s for s in corpus_statements(data, n)}.values())
    fresh = Tagger(bundle=model.bundle, version=model.version, lang=word_pipeline())
    fast = fresh.fast
    spent = CpuSpent()
    if fast is not None:  # the word-level path (blank pipeline): its instance's methods, timed
        for method, name in PARTS:
            setattr(fast, method, spent.timing(name, getattr(fast, method)))
    tokenizer = spacy.blank("de").tokenizer
    texts = [s.text for s in unique]
    start = time.process_time()
    _tokenize_all(tokenizer, texts)
    tokenizer_s = time.process_time() - start
    start = time.process_time()
    _tag(fresh, unique)
    ours_s = time.process_time() - start
    return {
        "statements": len(unique),
        "tokenizer_cpu_s": round(tokenizer_s, 3),
        "ours_cpu_s": round(ours_s, 3),
        "ratio": round(tokenizer_s / ours_s, 3),
        **{name: round(spent[name], 3) for _, name in PARTS if name in spent},
    }


if __name__ == "__main__":
    figures = first_pass()
    print(
        f"first pass over {figures['statements']} never-seen statements, CPU s: tokenizer "
        f"{figures['tokenizer_cpu_s']}, ours {figures['ours_cpu_s']}; ratio {figures['ratio']}"
    )
    for _, name in PARTS:
        if name in figures:
            print(f"  of which {name:40s} {figures[name]:6.3f} s")
