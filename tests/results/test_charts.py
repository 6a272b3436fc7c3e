"""The theme × sentiment chart: a real PNG of sensible size, from `kfd aggregate --plot` too."""

import json
import struct

from click.testing import CliRunner

from cli import main
from nlp.codebook import load_codebook
from nlp.results.aggregate import StatementRow, aggregate
from nlp.results.charts import theme_sentiment_png


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_chart_is_a_png_of_sensible_size():
    codebook = load_codebook()
    rows = [
        StatementRow(("moderation",), "positiv"),
        StatementRow(("moderation", "sprache"), "negativ"),
        StatementRow((), "neutral"),
    ]
    png = theme_sentiment_png(aggregate(rows, ("theme", "sentiment"), None, codebook), codebook)
    width, height = _png_size(png)
    assert 600 <= width <= 2000 and 150 <= height <= 2000
    assert len(png) > 5_000


def test_aggregate_plot_writes_png(tmp_path):
    results = tmp_path / "r.jsonl"
    record = {
        "text": "Gut moderiert.", "themes": ["moderation"], "sentiment": "positiv", "section": "bewertung",
        "scores": {"themes": {"moderation": 0.9}, "sentiment": {"positiv": 0.9}},
    }  # fmt: skip
    results.write_text(json.dumps(record) + "\n", "utf-8")
    plot = tmp_path / "chart.png"
    result = CliRunner().invoke(main, ["aggregate", str(results), "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    width, height = _png_size(plot.read_bytes())
    assert width >= 600 and height >= 150
