"""`kfd data check`: the labelled corpus is valid, and broken files are rejected line by line.

No test here asserts the near-duplicate pairs of `check_corpus` (an O(n²) review aid), so every call
leaves them out; `near_duplicates` itself is tested directly."""

import json

import pytest
from click.testing import CliRunner
from conftest import TRAINING_DATA

from cli import main
from nlp.errors import CorpusError
from nlp.training.corpus import check_corpus, load_corpus, near_duplicates


def _rows(corpus):
    return [json.loads(line) for line in (corpus / "labels.jsonl").read_text("utf-8").splitlines() if line]


def _write(corpus, rows):
    (corpus / "labels.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
    )


def test_check_corpus_real_training_data_is_valid():
    result = check_corpus(TRAINING_DATA, find_near_duplicates=False)
    assert result.problems == []
    assert len(result.statements) >= 1200


def test_data_check_cli_prints_distribution(small_corpus):
    result = CliRunner().invoke(main, ["data", "check", "--data", str(small_corpus)])
    assert result.exit_code == 0, result.output
    assert "format_methode" in result.output and "gemischt" in result.output
    assert "ok: the labelled data is valid" in result.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: rows[0].update(themes=["kultur"]), "unknown theme 'kultur'"),
        (lambda rows: rows[0].update(sentiment="sehr gut"), "unknown sentiment 'sehr gut'"),
        (lambda rows: rows[0].update(text="Dieser Satz steht in keinem Bericht."), "text not found"),
        (lambda rows: rows.append(dict(rows[0])), "duplicate of line 1"),
        (
            lambda rows: rows[0].update(
                section="bewertung" if rows[0]["section"] != "bewertung" else "ergebnisse"
            ),
            "text is in section",
        ),
    ],
    ids=["unknown-theme", "unknown-sentiment", "text-not-in-report", "duplicate", "wrong-section"],
)
def test_check_corpus_rejects_broken_line(corpus_copy, change, message):
    rows = _rows(corpus_copy)
    change(rows)
    _write(corpus_copy, rows)
    problems = check_corpus(corpus_copy, find_near_duplicates=False).problems
    assert any(message in p for p in problems), problems


def test_check_corpus_same_text_needs_same_labels_within_a_section(corpus_copy):
    rows = _rows(corpus_copy)
    base = {"report": None, "text": "Teils, teils."}
    rows += [
        {**base, "section": "kosten", "themes": [], "sentiment": "neutral"},
        {**base, "section": "bewertung", "themes": ["gesamteindruck"], "sentiment": "gemischt"},
    ]
    _write(corpus_copy, rows)
    assert not any(
        "different labels" in p for p in check_corpus(corpus_copy, find_near_duplicates=False).problems
    )
    first = rows[0]
    other = "positiv" if first["sentiment"] != "positiv" else "negativ"
    rows.append({**first, "report": None, "text": first["text"].replace(" ", "  "), "sentiment": other})
    _write(corpus_copy, rows)
    problems = check_corpus(corpus_copy, find_near_duplicates=False).problems
    assert [p for p in problems if "different labels" in p] == [
        f"labels.jsonl:{len(rows)}: same text in the same section as line 1 but different labels"
    ]


def test_check_corpus_reports_unlabelled_statement(corpus_copy):
    rows = _rows(corpus_copy)
    dropped = next(r for r in rows if r["section"] == "bewertung")
    _write(corpus_copy, [r for r in rows if r is not dropped])
    problems = check_corpus(corpus_copy, find_near_duplicates=False).problems
    assert any("has no label" in p and dropped["text"][:30] in p for p in problems)


def test_data_check_cli_exit_2_with_line_numbers(corpus_copy):
    rows = _rows(corpus_copy)
    rows[2]["themes"] = ["kultur"]
    _write(corpus_copy, rows)
    with (corpus_copy / "labels.jsonl").open("a", encoding="utf-8") as f:
        f.write("{not json\n")
    result = CliRunner().invoke(main, ["data", "check", "--data", str(corpus_copy)])
    assert result.exit_code == 2
    assert "labels.jsonl:3: unknown theme 'kultur'" in result.output
    assert f"labels.jsonl:{len(rows) + 1}: not valid JSON" in result.output


def test_load_corpus_refuses_invalid_data(corpus_copy):
    rows = _rows(corpus_copy)
    rows[0]["sentiment"] = "froh"
    _write(corpus_copy, rows)
    with pytest.raises(CorpusError, match="kfd data check"):
        load_corpus(corpus_copy)


def test_near_duplicates_finds_one_word_swaps(small_corpus):
    records = check_corpus(small_corpus, find_near_duplicates=False).statements[:2]
    a = records[0]
    b = type(a)(a.text + " x", a.section, a.themes, a.sentiment, None, 99)
    pairs = near_duplicates([a, b, records[1]])
    assert [(p[1].line, p[2].line) for p in pairs] == [(a.line, 99)]
    assert pairs[0][0] >= 0.8
