"""The polarity features of a fixed set of texts (suite, held-out, the rules' edge cases, a sample of the
corpus) are exactly the snapshot's, value and type, in a section that judges and in one that does not: a
faster implementation must not move one. A change meant to alter the rules rewrites the snapshot
(`python -m bench.polarity_snapshot write tests/data/polarity_snapshot.json`)."""

from __future__ import annotations

import json

from conftest import DATA_DIR

from bench.polarity_snapshot import EDGE_CASES, differences, encode, values_of
from nlp.model.polarity import N_FEATURES, raw_values

SNAPSHOT = DATA_DIR / "polarity_snapshot.json"


def test_polarity_features_equal_the_snapshot():
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert len(expected) > 1500 and set(EDGE_CASES) <= expected.keys()
    # the rules beyond the early exit are exercised, not only "nothing"
    assert sum(values[0] != "0" * N_FEATURES for values in expected.values()) > len(expected) // 2
    assert differences(expected) == []


def test_the_snapshot_notices_a_changed_value():
    text = "die moderation war nicht gut, aber die zeit reichte"
    judged, other = values_of(text)
    doctored = {text: [judged[:-1] + ("0" if judged[-1] != "0" else "3"), other], "gut": values_of("gut")}
    assert differences(doctored) == [text]


def test_encode_keeps_the_types():
    assert encode((0, 3, True, False)) == "03tf"
    assert len(encode(raw_values("nicht gut", "bewertung"))) == N_FEATURES
