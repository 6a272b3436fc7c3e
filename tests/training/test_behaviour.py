"""The behaviour suite: validation with file:line, per-capability figures and pairs as computed by hand,
`kfd evaluate --behaviour`, the figures in the manifest, and that the suite is never trained on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from nlp.codebook import load_codebook
from nlp.errors import CorpusError
from nlp.model.artifacts import ModelManifest
from nlp.model.inference import Prediction
from nlp.training.behaviour import CAPABILITIES, evaluate_behaviour, read_suite
from nlp.training.train import train

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "training_data" / "behaviour" / "suite.jsonl"
LABELS = REPO / "training_data" / "labels.jsonl"


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def write_suite(path: Path, rows: list[dict | str]) -> Path:
    """A suite file; a str row is written as it is (for broken lines)."""
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
        encoding="utf-8",
    )
    return path


def row(id, capability, text, themes=(), sentiment="neutral", section="bewertung", **pair) -> dict:
    return {"id": id, "capability": capability, "section": section, "text": text,
            "themes": list(themes), "sentiment": sentiment, **pair}  # fmt: skip


class FakeTagger:
    """Predicts the labels given per text, so the expected figures can be computed by hand."""

    version = "fake"

    def __init__(self, labels: dict[str, tuple[tuple[str, ...], str]]):
        self.labels = labels

    def tag(self, statements):
        return [
            Prediction(self.labels[s.text][0], self.labels[s.text][1], {}, {}, self.version)
            for s in statements
        ]


GOOD = [
    row("neg-001", "negation", "Die Zeit war nicht ausreichend.", ["organisation_zeit"], "negativ"),
    row("spl-001", "spelling", "Die Moderation war gut.", ["moderation"], "positiv"),
]


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("{not json", "not valid JSON"),
        (json.dumps(row("x-1", "negation", "Text.", ["no_such_theme"])), "unknown theme"),
        (json.dumps(row("x-1", "sarcasm", "Text.")), "unknown capability"),
        (json.dumps(row("x-1", "negation", "Text.", section="vorwort")), "unknown section"),
        (json.dumps(row("x-1", "negation", "Text.", sentiment="froh")), "unknown sentiment"),
        (json.dumps(row("neg-001", "negation", "Noch ein Text.")), "duplicate id 'neg-001'"),
        (json.dumps(row("x-1", "spelling", "Text.", pair_of="spl-999", expect="same")), "spl-999"),
        (json.dumps(row("x-1", "spelling", "Text.", pair_of="spl-001", expect="gleich")), "unknown expect"),
        (json.dumps(row("x-1", "spelling", "Text.", pair_of="spl-001")), "go together"),
        (json.dumps({**row("x-1", "negation", "Text."), "sentimet": "positiv"}), "unknown field"),
    ],
)
def test_read_suite_rejects_a_broken_line_with_file_and_line(tmp_path, codebook, bad, reason):
    path = write_suite(tmp_path / "suite.jsonl", [*GOOD, "", bad])
    with pytest.raises(CorpusError) as e:
        read_suite(path, codebook)
    assert f"{path}:4:" in str(e.value)
    assert reason in str(e.value)


def test_read_suite_reads_the_shipped_suite(codebook):
    items = read_suite(SUITE, codebook)
    assert len(items) > 500
    assert {i.capability for i in items} == set(CAPABILITIES)


def test_per_capability_figures_are_the_hand_computed_ones(tmp_path, codebook):
    rows = [
        row("n1", "negation", "n1", ["moderation"], "positiv"),
        row("n2", "negation", "n2", ["moderation", "beteiligung"], "negativ"),
        row("n3", "negation", "n3", [], "neutral"),
        row("n4", "negation", "n4", [], "neutral"),
        row("x1", "non_statement", "x1"),
        row("x2", "non_statement", "x2"),
        row("x3", "non_statement", "x3"),
        row("x4", "non_statement", "x4"),
    ]
    predicted = {
        "n1": (("moderation",), "positiv"),  # themes: 1 TP
        "n2": (("moderation",), "neutral"),  # 1 TP, 1 FN; sentiment wrong
        "n3": ((), "neutral"),  # no theme, none predicted: 1 TP
        "n4": (("sprache",), "neutral"),  # 1 FP, 1 FN (the missed "no theme")
        "x1": ((), "neutral"),  # abstained
        "x2": ((), "negativ"),  # themes right, sentiment wrong: not abstained
        "x3": (("moderation",), "neutral"),  # 1 FP, 1 FN
        "x4": ((), "neutral"),  # abstained
    }
    items = read_suite(write_suite(tmp_path / "suite.jsonl", rows), codebook)
    report = evaluate_behaviour(FakeTagger(predicted), items, codebook)

    assert [c.capability for c in report.capabilities] == ["negation", "non_statement"]
    negation, non_statement = report.capabilities
    assert negation.figures.n == 4
    assert negation.figures.sentiment_accuracy == 0.75
    assert negation.figures.theme_f1 == round(2 * 3 / (2 * 3 + 1 + 2), 4)  # TP 3, FP 1, FN 2
    assert negation.figures.abstained is None
    assert [f.id for f in negation.failures] == ["n2", "n4"]
    n2 = negation.failures[0]
    assert n2.gold.themes == ("moderation", "beteiligung")  # codebook order
    assert (n2.predicted.themes, n2.predicted.sentiment) == (("moderation",), "neutral")

    assert non_statement.figures.sentiment_accuracy == 0.75
    assert non_statement.figures.theme_f1 == round(2 * 3 / (2 * 3 + 1 + 1), 4)  # TP 3, FP 1, FN 1
    assert non_statement.figures.abstained == 0.5
    assert [f.id for f in non_statement.failures] == ["x2", "x3"]

    assert report.overall.n == 8
    assert report.overall.sentiment_accuracy == 0.75
    assert report.overall.theme_f1 == round(2 * 6 / (2 * 6 + 2 + 3), 4)
    assert report.model == "fake"
    assert report.figures()["capabilities"]["non_statement"]["abstained"] == 0.5


def test_only_no_theme_items_abstaining_everywhere_score_one(tmp_path, codebook):
    items = read_suite(write_suite(tmp_path / "s.jsonl", [row("x1", "non_statement", "x1")]), codebook)
    report = evaluate_behaviour(FakeTagger({"x1": ((), "neutral")}), items, codebook)
    assert report.overall.theme_f1 == 1.0
    assert report.capabilities[0].figures.abstained == 1.0


def test_pairs_broken_for_each_expect_kind(tmp_path, codebook):
    def pair(id, capability, base, expect):
        return row(id, capability, id, pair_of=base, expect=expect)

    rows = [
        row("b1", "spelling", "b1"),
        pair("s1", "spelling", "b1", "same"),
        pair("s2", "spelling", "b1", "same"),
        pair("s3", "spelling", "b1", "same"),
        row("d0", "direction", "d0"),
        pair("d1", "direction", "d0", "more_negative"),
        pair("d2", "direction", "d0", "more_negative"),
        row("d5", "direction", "d5"),
        pair("d6", "direction", "d5", "more_negative"),
        row("d7", "direction", "d7"),
        pair("d8", "direction", "d7", "more_positive"),
        pair("d9", "direction", "d7", "more_positive"),
        row("d10", "direction", "d10"),
        pair("d11", "direction", "d10", "more_positive"),
    ]
    predicted = {
        "b1": (("moderation",), "positiv"),
        "s1": (("moderation",), "positiv"),  # same: kept
        "s2": (("moderation", "sprache"), "positiv"),  # another theme: broken
        "s3": (("moderation",), "neutral"),  # another sentiment: broken
        "d0": ((), "positiv"),
        "d1": ((), "gemischt"),  # positiv → gemischt is more negative: kept
        "d2": ((), "positiv"),  # did not move: broken
        "d5": ((), "neutral"),
        "d6": ((), "gemischt"),  # neutral and gemischt share the middle rank: broken
        "d7": ((), "negativ"),
        "d8": ((), "neutral"),  # negativ → neutral is more positive: kept
        "d9": ((), "negativ"),  # did not move: broken
        "d10": ((), "gemischt"),
        "d11": ((), "neutral"),  # middle → middle: broken
    }
    items = read_suite(write_suite(tmp_path / "suite.jsonl", rows), codebook)
    report = evaluate_behaviour(FakeTagger(predicted), items, codebook)
    by_name = {c.capability: c for c in report.capabilities}
    spelling, direction = by_name["spelling"], by_name["direction"]
    assert (spelling.figures.pairs, spelling.figures.pairs_broken) == (3, 2)
    assert [p.id for p in spelling.broken_pairs] == ["s2", "s3"]
    assert spelling.broken_pairs[0].base.themes == ("moderation",)
    assert spelling.broken_pairs[0].edited.themes == ("moderation", "sprache")
    assert (direction.figures.pairs, direction.figures.pairs_broken) == (6, 4)
    assert [p.id for p in direction.broken_pairs] == ["d2", "d6", "d9", "d11"]
    assert (report.overall.pairs, report.overall.pairs_broken) == (9, 6)


def test_cli_prints_the_table_and_json(trained_model):
    runner = CliRunner()
    args = ["evaluate", "--behaviour", "--model", str(trained_model), "--suite", str(SUITE)]
    result = runner.invoke(main, [*args, "--show-failures", "2"])
    assert result.exit_code == 0, result.output
    assert "sentiment acc" in result.output and "theme F1" in result.output
    for capability in (*CAPABILITIES, "overall"):
        assert any(line.startswith(capability + " ") for line in result.output.splitlines()), capability
    assert "failing items" in result.output

    result = runner.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["capability"] for c in data["capabilities"]] == list(CAPABILITIES)
    assert sum(c["figures"]["n"] for c in data["capabilities"]) == data["overall"]["n"]
    assert all(0.0 <= c["figures"]["theme_f1"] <= 1.0 for c in data["capabilities"])
    non_statement = next(c for c in data["capabilities"] if c["capability"] == "non_statement")
    assert non_statement["figures"]["abstained"] is not None


def test_cli_names_a_broken_suite_line(tmp_path, trained_model):
    path = write_suite(tmp_path / "suite.jsonl", [*GOOD, "{not json"])
    result = CliRunner().invoke(
        main, ["evaluate", "--behaviour", "--model", str(trained_model), "--suite", str(path)]
    )
    assert result.exit_code == 2
    assert f"{path}:3:" in result.output


def test_train_writes_the_behaviour_figures_into_the_manifest(tmp_path, corpus_copy):
    (corpus_copy / "behaviour").mkdir()
    write_suite(corpus_copy / "behaviour" / "suite.jsonl", [*GOOD, row("non-001", "non_statement", "k. A.")])
    model_dir = train(corpus_copy, tmp_path / "models", folds=0)
    behaviour = ModelManifest.read(model_dir).metrics["behaviour"]
    assert set(behaviour["capabilities"]) == {"negation", "spelling", "non_statement"}
    assert behaviour["overall"]["n"] == 3
    assert behaviour["capabilities"]["non_statement"]["abstained"] in (0.0, 1.0)


def test_the_suite_is_never_trained_on():
    def key(text: str) -> str:
        return " ".join(text.split()).casefold()

    trained = {key(json.loads(line)["text"]) for line in LABELS.read_text("utf-8").splitlines() if line}
    suite = [json.loads(line) for line in SUITE.read_text("utf-8").splitlines() if line.strip()]
    leaked = [f"{item['id']}: {item['text']!r}" for item in suite if key(item["text"]) in trained]
    assert not leaked, f"{len(leaked)} suite texts are in labels.jsonl: " + "; ".join(leaked)
