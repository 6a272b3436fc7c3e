"""nlp.training.calibration: ECE by hand on small inputs, and `kfd evaluate --plot`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO

from cli import main
from nlp.training.calibration import reliability


def test_reliability_of_perfectly_calibrated_bins_is_zero():
    # stated 0.8 with 8 of 10 right, stated 0.25 with 1 of 4 right
    p = np.array([0.8] * 10 + [0.25] * 4)
    y = np.array([1] * 8 + [0] * 2 + [1] + [0] * 3)
    figures = reliability(p, y)
    assert figures["ece"] == 0.0
    assert [(b["mean_probability"], b["observed"], b["n"]) for b in figures["bins"]] == [
        (0.25, 0.25, 4),
        (0.8, 0.8, 10),
    ]


def test_reliability_weights_each_bin_by_its_count():
    # bin 0.9: stated 0.9, observed 0.5 (gap 0.4, 2 items); bin 0.1: stated 0.1, observed 0.0 (gap 0.1, 8 items)
    p = np.array([0.9, 0.9] + [0.1] * 8)
    y = np.array([1, 0] + [0] * 8)
    assert reliability(p, y)["ece"] == pytest.approx((2 * 0.4 + 8 * 0.1) / 10)


def test_probability_one_falls_in_the_last_bin():
    figures = reliability(np.array([1.0, 0.0]), np.array([1, 0]))
    assert figures["ece"] == 0.0 and [b["n"] for b in figures["bins"]] == [1, 1]


def test_evaluate_reports_calibration_and_draws_the_diagram(trained_model, tmp_path):
    plot = tmp_path / "reliability.png"
    args = [
        "evaluate",
        "--model",
        str(trained_model),
        "--data",
        str(REPO / "training_data/heldout/labels.jsonl"),
    ]
    result = CliRunner().invoke(main, [*args, "--plot", str(plot), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)["calibration"]
    assert 0.0 <= figures["themes"]["ece"] <= 1.0 and 0.0 <= figures["sentiment"]["ece"] <= 1.0
    assert sum(b["n"] for b in figures["sentiment"]["bins"]) == json.loads(result.stdout)["n_statements"]
    assert plot.read_bytes().startswith(b"\x89PNG")
    table = CliRunner().invoke(main, args)
    assert "sentiment calibration (ECE)" in table.stdout
