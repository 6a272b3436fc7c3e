"""`kfd suggest`: statements ordered by how close their tags are to flipping."""

import json

from click.testing import CliRunner

from cli import main
from nlp.model.artifacts import ModelManifest
from nlp.results.records import TaggedStatement
from nlp.training.suggest import least_certain, uncertainty

THRESHOLDS = {"moderation": 0.4, "sprache": 0.5}


def _record(text, moderation, sprache, sentiment):
    return TaggedStatement.from_json(
        {
            "id": text,
            "report": None,
            "section": "bewertung",
            "model_version": "test",
            "text": text,
            "themes": [],
            "sentiment": max(sentiment, key=sentiment.get),
            "scores": {"themes": {"moderation": moderation, "sprache": sprache}, "sentiment": sentiment},
        },
        "test",
    )


RECORDS = [
    _record("sicher", 0.95, 0.02, {"positiv": 0.96, "neutral": 0.04}),
    _record("thema knapp", 0.41, 0.02, {"positiv": 0.9, "neutral": 0.1}),  # margin 0.01
    _record("stimmung knapp", 0.9, 0.1, {"positiv": 0.52, "neutral": 0.48}),  # margin 0.02
    _record("mittel", 0.6, 0.1, {"positiv": 0.8, "neutral": 0.2}),  # margin 0.2
]


def test_uncertainty_names_the_closest_call():
    assert uncertainty(RECORDS[1], THRESHOLDS).label == "moderation"
    u = uncertainty(RECORDS[2], THRESHOLDS)
    assert u.label == "positiv" and u.margin == 0.02 and "neutral" in u.detail


def test_least_certain_orders_by_margin():
    chosen = least_certain(RECORDS, THRESHOLDS, 3)
    assert [rec.text for _, rec in chosen] == ["thema knapp", "stimmung knapp", "mittel"]
    assert [u.margin for u, _ in chosen] == sorted(u.margin for u, _ in chosen)


def test_suggest_cli_uses_the_models_thresholds(trained_model, tmp_path):
    thresholds = ModelManifest.read(trained_model).thresholds
    t = thresholds["moderation"]
    records = [
        _record("weit weg", min(t + 0.4, 0.99), 0.0, {"positiv": 0.99, "neutral": 0.01}).to_json(),
        _record("ganz knapp", t + 0.001, 0.0, {"positiv": 0.99, "neutral": 0.01}).to_json(),
        _record("knapp", t - 0.05, 0.0, {"positiv": 0.99, "neutral": 0.01}).to_json(),
    ]
    for r in records:  # every other theme far below its threshold (the lowest threshold is 0.15)
        r["scores"]["themes"] = {k: 0.0 for k in thresholds} | {
            "moderation": r["scores"]["themes"]["moderation"]
        }
    results = tmp_path / "r.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    out = tmp_path / "next.csv"
    result = CliRunner().invoke(
        main, ["suggest", str(results), "--n", "2", "--model", str(trained_model), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2 statements" in result.output
    assert [row.split(",")[0] for row in out.read_text("utf-8").splitlines()[1:]] == ["ganz knapp", "knapp"]
    shown = CliRunner().invoke(main, ["suggest", str(results), "--n", "2", "--model", str(trained_model)])
    lines = shown.stdout.splitlines()[1:]
    assert len(lines) == 2 and "ganz knapp" in lines[0] and "'knapp'" in lines[1]
