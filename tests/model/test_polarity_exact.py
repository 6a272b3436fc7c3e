"""`polarity.raw_values` against the implementation it replaced (kept here, as it was, as the reference):
the same tuple, element for element and type for type, for every text of the corpus, the held-out set and
the behaviour suite, and for arbitrary text, in a section that judges and in one that does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.model import polarity
from nlp.model.polarity import (
    _BAD_AFTER,
    _BOUNDARIES,
    _CAUSAL,
    _CONCEDING,
    _CONCESSIVE,
    _COUNTERFACTUAL,
    _DECREASE,
    _JOINING,
    _JUDGED_SECTIONS,
    _LEFT_ALONE,
    _MARKERS,
    _MIXED_PHRASES,
    _MIXED_WORDS,
    _MORE,
    _NOT_NEGATING,
    _NOTHING,
    _NUMBER,
    _PUNCTUATION_ENDS,
    _STAYED_AWAY,
    _SUBJUNCTIVE,
    _TOKEN,
    _TOO,
    _TOO_INTENSIFIERS,
    _TOO_WORDS,
    CONTRAST_MARKERS,
    NEGATORS,
    SHORT_WORDS,
    word_polarity,
)

DATA = Path(__file__).resolve().parents[2] / "training_data"
# Both kinds of section (the rules ask only whether it judges), the form's other sections, and none.
SECTIONS = (None, "-", "bewertung", "kosten", "ergebnisse", "empfehlungen")


# The reference: the implementation before the word flags, unchanged but for these comments.
def _reference_tokens(text: str) -> list[str]:
    text = text.replace("alles andere als", "nicht").replace("n't", " not").replace("nicht nur", "nichtnur")
    if "blieb" in text or "bleib" in text:
        text = _STAYED_AWAY.sub(r"\1\2nicht", text)
    if "gelassen" in text:
        text = _LEFT_ALONE.sub("alleingelassen", text)
    return _TOKEN.findall(text)


def _reference_clause(words: list[str], judged: bool = False) -> tuple[int, int, int, int, int, int, int]:
    """(positive, negative, litotes, negated positive, bare negations, too, sign) of one clause. `judged`:
    the statement stands in a section that judges, where a counterfactual says what was missing."""
    polarity = list(map(word_polarity, words))
    if not _CONCEDING.isdisjoint(words):
        # "trotz intensiver Werbung kamen nur wenige": the conceded words after "trotz" judge nothing
        for i, w in enumerate(words):
            if w in _CONCEDING:
                polarity[i + 1 : i + 4] = [0] * len(polarity[i + 1 : i + 4])
    for i in range(len(words) - 1):
        if polarity[i] and _NUMBER.match(words[i + 1]):
            polarity[i] = 0
        elif words[i] == "bad" and not (i and words[i - 1] in _BAD_AFTER):
            polarity[i] = 0  # "Bad Saulgau", "in Bad Wildbad": a place, not the English word
    too = 0
    if not _TOO_WORDS.isdisjoint(words):
        for i, w in enumerate(words[:-1]):
            if w in _TOO_WORDS and (words[i + 1] in _TOO or i and words[i - 1] in _TOO_INTENSIFIERS):
                polarity[i + 1] = -1
                too += 1
    negators = [
        i
        for i, w in enumerate(words)
        if w in NEGATORS and not (i + 1 < len(words) and words[i + 1] in _NOT_NEGATING)
    ]
    if not negators and not any(polarity):
        return 0, 0, 0, 0, 0, too, 0
    flipped = [False] * len(words)
    if judged and not _COUNTERFACTUAL.isdisjoint(words):
        # "Eine Pause wäre hilfreich gewesen", "hätte vieles erleichtert": in a verdict the praise of what
        # would have been says it was missing (a negator in the clause turns it back: "ohne Sie hätten wir
        # das nicht geschafft" is praise)
        flipped = [bool(p > 0) for p in polarity]
    if not _DECREASE.isdisjoint(words):
        for j, (w, p) in enumerate(zip(words, polarity, strict=True)):
            flipped[j] = bool(p) and w not in _DECREASE  # the judged words of the clause are what decreases
    caused = [False] * len(words)
    if not _CAUSAL.isdisjoint(words):
        for i, w in enumerate(words):
            if w in _CAUSAL:
                caused[i : i + 4] = [True] * len(caused[i : i + 4])
    bare = 0
    for i in negators:
        after = [j for j in range(i + 1, len(words)) if polarity[j]]
        scope = after or [j for j in range(i) if polarity[j] and not caused[j]]
        for j in scope:
            flipped[j] = not flipped[j]
        bare += not scope
    pos = neg = litotes = negated_pos = score = 0
    for p, f in zip(polarity, flipped, strict=True):
        if not p:
            continue
        if f:
            litotes += p < 0
            negated_pos += p > 0
            p = -p
        pos += p > 0
        neg += p < 0
        score += p
    if bare and not score:
        score = -1
    return pos, neg, litotes, negated_pos, bare, too, (score > 0) - (score < 0)


def _reference_joined_negations(
    clauses: list[tuple[str | None, list[str]]],
) -> list[tuple[str | None, list[str]]]:
    """A clause after "und"/"oder" that ends in its negator and judges nothing itself ("Zu Konflikten
    zwischen Anwohnern | und Helfern kam es nicht") negates the clause before it: the two are one clause,
    as a sentence-final "nicht" negates the whole sentence. Only when the clause before has no negator."""
    joined: list[tuple[str | None, list[str]]] = []
    for opener, words in clauses:
        if (
            joined
            and opener in _JOINING
            and words
            and words[-1] in NEGATORS
            and not any(map(word_polarity, words))
            and NEGATORS.isdisjoint(joined[-1][1])
            and any(map(word_polarity, joined[-1][1]))
        ):
            previous_opener, previous = joined[-1]
            joined[-1] = (previous_opener, [*previous, *words])
        else:
            joined.append((opener, words))
    return joined


def reference_raw_values(text: str, section: str | None) -> tuple[int | bool, ...]:
    """The features of one statement as small integers (`scaled` makes the feature values of them)."""
    tokens = _reference_tokens(text)
    if (
        _MARKERS.isdisjoint(tokens)
        and (
            _TOO_WORDS.isdisjoint(tokens) or _TOO.isdisjoint(tokens) and _TOO_INTENSIFIERS.isdisjoint(tokens)
        )
        and not any(map(word_polarity, tokens))
    ):
        return _NOTHING  # nothing judged, negated, too much, mixed or wished: every feature is 0
    # Clauses: (opener, words); a clause conjunction starts a new clause and is remembered as its opener.
    clauses: list[tuple[str | None, list[str]]] = [(None, [])]
    words = clauses[-1][1]
    for token in tokens:
        if token in _BOUNDARIES:
            if token in _PUNCTUATION_ENDS:
                if words:
                    words = []
                    clauses.append((None, words))
            elif words:
                words = []
                clauses.append((token, words))
            else:
                clauses[-1] = (token, words)
        else:
            words.append(token)
    clauses = _reference_joined_negations(clauses)
    judged = (section or "") in _JUDGED_SECTIONS
    pos = neg = litotes = negated_pos = bare = too = 0
    clause_polarity: list[tuple[str | None, int]] = []
    for opener, words in clauses:
        if not words:
            continue
        p, q, lit, negp, b, t, sign = _reference_clause(words, judged)
        pos += p
        neg += q
        litotes += lit
        negated_pos += negp
        bare += b
        too += t
        clause_polarity.append((opener, sign))
    signs = [s for _, s in clause_polarity]
    turn = before_nothing_neg = before_nothing_pos = 0
    for k, (opener, sign) in enumerate(clause_polarity):
        if k == 0 or opener not in CONTRAST_MARKERS or not sign:
            continue
        earlier = [s for s in signs[:k] if s]
        if earlier and earlier[-1] == -sign:
            turn = 1
        elif not earlier:
            before_nothing_neg |= sign < 0
            before_nothing_pos |= sign > 0
    present = set(tokens)  # the marker sets hold words only, so punctuation never matches
    concessive = not _CONCESSIVE.isdisjoint(present)
    mixed = len(_MIXED_PHRASES.findall(text))
    if not _MIXED_WORDS.isdisjoint(present):
        mixed += sum(w in _MIXED_WORDS for w in tokens)
    wish = not _SUBJUNCTIVE.isdisjoint(present)
    wish_more = wish and not _MORE.isdisjoint(present)
    # a judged word, not a bare "nicht" ("Eher nicht." under Kosten answers the form and judges nothing)
    short = bool(pos or neg) and sum(t not in _PUNCTUATION_ENDS for t in tokens) <= SHORT_WORDS
    net = pos - neg
    both = 1 in signs and -1 in signs
    # One verdict from the rules: a turn or a concession with both polarities is mixed; after a contrast
    # marker with nothing judged before, the clause after it decides; otherwise the balance does.
    if turn or (concessive and both) or mixed:
        verdict = 0
    elif before_nothing_neg or before_nothing_pos:
        verdict = -1 if before_nothing_neg else 1
    elif both:
        verdict = 0
    else:
        judged_signs = [s for s in signs if s]
        verdict = (net > 0) - (net < 0) if net else (judged_signs[-1] if judged_signs else 2)
    return (
        min(pos, 3),
        min(neg, 3),
        min(litotes, 2),
        min(negated_pos, 2),
        min(bare, 2),
        min(too, 2),
        min(signs.count(1), 3),
        min(signs.count(-1), 3),
        both,
        turn or (concessive and both),
        before_nothing_neg,
        before_nothing_pos,
        min(max(net, 0), 3),
        min(max(-net, 0), 3),
        min(mixed, 2),
        wish,
        wish_more,
        wish and judged,
        wish and not judged,
        3 * (verdict == 1),
        3 * (verdict == -1),
        3 * (verdict == 0),
        3 * (verdict == 1 and short),
        3 * (verdict == -1 and short),
    )


def _texts() -> list[str]:
    """Every statement text of the labelled corpus, the held-out set and the behaviour suite, as
    `features.prepare` stores it (whitespace normalised, lower case)."""
    texts = []
    for name in ("labels.jsonl", "heldout/labels.jsonl", "behaviour/suite.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            texts.append(" ".join(json.loads(line)["text"].split()).lower())
    return texts


def _assert_same(text: str, section: str | None) -> None:
    new, old = polarity.raw_values(text, section), reference_raw_values(text, section)
    assert new == old, (text, section)
    assert [type(v) for v in new] == [type(v) for v in old], (text, section)


def test_raw_values_equal_the_reference_on_every_corpus_suite_and_held_out_text():
    texts = _texts()
    assert len(texts) > 20_000
    judged = 0
    for text in texts:
        for section in SECTIONS:
            _assert_same(text, section)
        judged += polarity.raw_values(text, "bewertung") != _NOTHING
    assert judged > len(texts) // 3  # the rules beyond the early exit are exercised, not only "nothing"


# Words every rule looks for, the phrases rewritten before tokenising, punctuation and numbers: arbitrary
# text rarely hits a rule, text made of these hits them in every order.
_PIECES = sorted(
    _MARKERS
    | _TOO
    | _TOO_WORDS
    | _TOO_INTENSIFIERS
    | _BOUNDARIES
    | _CONCEDING
    | _COUNTERFACTUAL
    | _DECREASE
    | _CAUSAL
    | _CONCESSIVE
    | _MORE
    | _JOINING
    | _NOT_NEGATING
    | _BAD_AFTER
    | {"gut", "schlecht", "problem", "zeitmangel", "unfreundlich", "erfolg", "bad", "saulgau", "3.000", "40"}
    | {"alles andere als", "n't", "nicht nur", "blieben", "blieb", "aus", "allein gelassen", "zum teil"}
    | {
        "luft nach oben",
        "nur bedingt",
        "mehr oder weniger",
        "nicht immer",
        "nicht alle",
        "nicht ganz",
        "durchgehend",
    }
    | {"nur teilweise", "mit abstrichen", "-", "/", "€", "'", "_", "\u00a0", "\x1c"}
)
_WORDS = st.lists(st.sampled_from(_PIECES) | st.text(max_size=5), max_size=14)
_GLUE = st.sampled_from([" ", "  ", "", ", ", "\n", "\t"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_WORDS, _GLUE), max_size=4), st.sampled_from(SECTIONS))
def test_raw_values_equal_the_reference_on_arbitrary_text(parts, section):
    text = "".join(glue.join(words) + glue for words, glue in parts)
    _assert_same(text, section)
    _assert_same(" ".join(text.split()).lower(), section)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        ",",
        "zu",
        "zu viel",
        "nicht",
        "aber, gut",
        "gut, aber",
        "das war gut und das nicht",
        "zu konflikten zwischen anwohnern und helfern kam es nicht.",
        "die befürchteten proteste blieben aus",
        "trotz intensiver werbung kamen nur wenige, aber die waren gut",
        "eine pause wäre hilfreich gewesen",
        "die beschwerden sind zurückgegangen, weil wir nicht aufgegeben haben",
        "wurde mangels raum nicht verwirklicht",
        "in bad saulgau war es a bad start",
        "knapp 3.000 € und gut 40 personen",
        "teils, teils; zum teil gut, nur bedingt schlecht",
    ],
)
def test_raw_values_equal_the_reference_on_the_rules_edge_cases(text):
    for section in SECTIONS:
        _assert_same(text, section)
