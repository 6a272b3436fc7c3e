"""What the polarity features (`nlp.model.polarity.raw_values`) make of a fixed set of texts: the check
that a faster implementation computes exactly the same values, and a record of which statements a
change to the rules moves.

The texts: every statement of the behaviour suite and the held-out reports, the rules' edge cases below,
and a seeded sample of the corpus's statements that the rules look at (not only quiet ones), lower-cased
and whitespace-normalised as tagging passes them. Each text's values are stored in a section that
judges (`bewertung`) and in one that does not (`konzept`), one character per feature (a digit, or t/f
for a flag), so the types are checked too.

    python -m bench.polarity_snapshot write FILE   # the values of the current rules
    python -m bench.polarity_snapshot check FILE   # exit 1 and the texts whose values differ

`tests/model/test_polarity_snapshot.py` checks tests/data/polarity_snapshot.json. When a change to the
rules is meant to change the features, rewrite that file with `write` and say why in the commit.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterable
from pathlib import Path

from nlp.model.polarity import raw_values

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "training_data"
SECTIONS = ("bewertung", "konzept")  # judges / does not: the only difference the rules make
CORPUS_SAMPLE = 1000
# Texts that reach each rule: the phrases rewritten before tokenising, clause joins, causes, places, counts.
EDGE_CASES = (
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
    "alles andere als gelungen, and it wasn't great",
    "die helfer fühlten sich allein gelassen",
)


def encode(values: Iterable[int | bool]) -> str:
    return "".join("t" if v is True else "f" if v is False else str(v) for v in values)


def values_of(text: str) -> list[str]:
    return [encode(raw_values(text, section)) for section in SECTIONS]


def _normalised(text: str) -> str:
    return " ".join(text.split()).lower()


def _lines(path: Path) -> list[str]:
    return [_normalised(json.loads(line)["text"]) for line in path.read_text(encoding="utf-8").splitlines()]


def texts() -> list[str]:
    fixed = _lines(DATA / "behaviour" / "suite.jsonl") + _lines(DATA / "heldout" / "labels.jsonl")
    nothing = raw_values("", None)
    judging = sorted({t for t in _lines(DATA / "labels.jsonl") if raw_values(t, "bewertung") != nothing})
    sample = random.Random(0).sample(judging, min(CORPUS_SAMPLE, len(judging)))
    return list(dict.fromkeys([*EDGE_CASES, *fixed, *sample]))


def differences(expected: dict[str, list[str]]) -> list[str]:
    """The texts of `expected` whose values differ now."""
    return [text for text, values in expected.items() if values_of(text) != values]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.polarity_snapshot", description=__doc__)
    parser.add_argument("action", choices=("write", "check"))
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if args.action == "write":
        data = {text: values_of(text) for text in texts()}
        lines = (
            f"{json.dumps(text, ensure_ascii=False)}: {json.dumps(values)}" for text, values in data.items()
        )
        args.file.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")  # a text per line
        print(f"{len(data)} texts written to {args.file}")
        return 0
    expected = json.loads(args.file.read_text(encoding="utf-8"))
    diff = differences(expected)
    for text in diff:
        print(f"differs: {text!r}")
    print(f"{len(expected) - len(diff)} of {len(expected)} texts have the same polarity features")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
