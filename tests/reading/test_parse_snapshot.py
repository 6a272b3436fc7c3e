"""The parser reads the whole corpus (and typo variants of it) exactly as the snapshot says: faster parsing
must not change a single field, section, statement or warning. A change meant to alter what the parser
reads rewrites the snapshot (`python -m bench.parse_snapshot write tests/data/parse_snapshot.json`)."""

from __future__ import annotations

import json

from conftest import DATA_DIR

from bench.parse_snapshot import differences, mutate

SNAPSHOT = DATA_DIR / "parse_snapshot.json"


def test_parse_snapshot_whole_corpus_unchanged():
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    diff, compared = differences(expected)
    assert compared >= 600  # the 308 corpus reports, the test reports and one typo variant of each
    assert diff == []


def test_parse_snapshot_notices_a_changed_report():
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    names = ["training_data/reports/a_enzkreis.txt", "tests/data/report.txt#typos0", "tests/data/report.html"]
    doctored = {name: expected[name] for name in names} | {names[1]: "0" * 64}
    assert differences(doctored) == ([names[1]], 3)


def test_mutate_is_seeded_and_adds_typos():
    text = "\n".join(f"Zeile {i}: Die Moderation war sehr gut." for i in range(200))
    once, again = mutate(text, "seed"), mutate(text, "seed")
    assert once == again
    changed = sum(a != b for a, b in zip(text.split("\n"), once.split("\n"), strict=True))
    assert 10 < changed < 80
    assert mutate(text, "other seed") != once
