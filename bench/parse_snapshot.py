"""What `parse_report` makes of a fixed corpus, as one digest per report: the check that a faster parser
reads every report exactly as before.

The corpus: the training and held-out reports, the hand-written reports of tests/data, and for each of
them `variants` copies with seeded typos (characters dropped, swapped, replaced, doubled, a colon or a
numbering added, a line upper- or lower-cased), so that the fuzzy paths (headings, prompts, field
labels with typos) are compared too, not only the exact ones.

    python -m bench.parse_snapshot write FILE [--variants N] [--full]   # digests (or full JSON) to FILE
    python -m bench.parse_snapshot check FILE                          # exit 1 and the names that differ

`tests/reading/test_parse_snapshot.py` checks tests/data/parse_snapshot.json. When a change to the
parser is meant to change what it reads, rewrite that file with `write` and say why in the commit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Collection, Iterator
from pathlib import Path

from nlp.errors import ReportParseError
from nlp.reading.report import parse_report

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = (
    ROOT / "training_data" / "reports",
    ROOT / "training_data" / "heldout" / "reports",
    ROOT / "tests" / "data",
    ROOT / "tests" / "data" / "service_corpus" / "reports",
)
SUFFIXES = (".txt", ".html")
VARIANTS = 1
_LETTERS = "abcdefghijklmnopqrstuvwxyzäöüßABCDEFGHIJKLMNOPQRSTUVWXYZ .,:;-?"


def _mutate_line(line: str, rng: random.Random) -> str:
    """One typo of the kinds reports have: a character dropped, swapped, replaced or doubled, a colon
    or a numbering added, the case of the line changed."""
    kind = rng.randrange(8)
    if not line.strip() or kind == 0:
        return line
    i = rng.randrange(len(line))
    if kind == 1:
        return line[:i] + line[i + 1 :]
    if kind == 2 and i + 1 < len(line):
        return line[:i] + line[i + 1] + line[i] + line[i + 2 :]
    if kind == 3:
        return line[:i] + rng.choice(_LETTERS) + line[i + 1 :]
    if kind == 4:
        return line[:i] + line[i] + line[i:]
    if kind == 5:
        return line.rstrip() + ":"
    if kind == 6:
        return f"{rng.randrange(1, 12)}. " + line.lstrip()
    return line.upper() if rng.random() < 0.5 else line.lower()


def mutate(text: str, seed: str, rate: float = 0.2) -> str:
    """`text` with about `rate` of its lines given a typo, the same for the same seed."""
    rng = random.Random(seed)
    return "\n".join(_mutate_line(line, rng) if rng.random() < rate else line for line in text.split("\n"))


def corpus(variants: int = VARIANTS) -> Iterator[tuple[str, str | Path]]:
    """(name, source) pairs: every report file, then its typo variants as text."""
    for folder in FOLDERS:
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES):
            name = str(path.relative_to(ROOT))
            yield name, path
            if path.suffix == ".txt":
                text = path.read_text(encoding="utf-8-sig", errors="replace")
                for v in range(variants):
                    yield f"{name}#typos{v}", mutate(text, f"{name}#{v}")


def parsed(source: str | Path) -> str:
    """The report as canonical JSON, or the parse error's message."""
    try:
        data: object = parse_report(source).to_dict()
    except ReportParseError as e:
        data = {"error": str(e)}
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def snapshot(
    variants: int = VARIANTS, full: bool = False, only: Collection[str] | None = None
) -> dict[str, str]:
    """name → sha256 of the parsed report (or the JSON itself with `full`), of the reports named in `only`
    when given."""
    out = {}
    for name, source in corpus(variants):
        if only is not None and name not in only:
            continue
        text = parsed(source)
        out[name] = text if full else hashlib.sha256(text.encode("utf-8")).hexdigest()
    return out


def differences(expected: dict[str, str], full: bool = False) -> tuple[list[str], int]:
    """(names whose parse differs from `expected`, how many were compared). Reports added to or removed
    from the folders since `expected` was written are not compared."""
    variants = max((int(k.rsplit("#typos", 1)[1]) + 1 for k in expected if "#typos" in k), default=0)
    actual = snapshot(variants, full, only=expected.keys())
    common = expected.keys() & actual.keys()
    return sorted(k for k in common if expected[k] != actual[k]), len(common)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.parse_snapshot", description=__doc__)
    parser.add_argument("action", choices=("write", "check"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--variants", type=int, default=VARIANTS, help="typo variants per .txt report")
    parser.add_argument("--full", action="store_true", help="store the parsed JSON instead of digests")
    args = parser.parse_args(argv)
    if args.action == "write":
        data = snapshot(args.variants, args.full)
        args.file.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{len(data)} reports written to {args.file}")
        return 0
    expected = json.loads(args.file.read_text(encoding="utf-8"))
    full = bool(expected) and not all(len(v) == 64 and "{" not in v for v in expected.values())
    diff, compared = differences(expected, full=full)
    for name in diff:
        print(f"differs: {name}")
    print(f"{compared - len(diff)} of {compared} reports parse as before ({len(expected)} in {args.file})")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
