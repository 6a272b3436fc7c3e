"""The README stays true: every `kfd` command it shows exists, and its examples run.

Every shell line of README.md's ```sh blocks is either run here (in a scratch folder with the files it
names, the test model via --model and a small corpus via --data) or listed in SKIPPED with the reason.
A new README line that is in neither fails `test_every_readme_shell_line_is_run_or_skipped_on_purpose`.
"""

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA_DIR, REPO, SEED_PATH, text_to_docx

from cli import main

README = (REPO / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(set(re.findall(r"kfd ((?:data )?[a-z-]+)", README)))
KFD = ".venv/bin/kfd"


def test_readme_names_the_two_commands():
    assert "make run" in README and "make test" in README


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_exists_with_help(command):
    result = CliRunner().invoke(main, [*command.split(), "--help"])
    assert result.exit_code == 0, f"`kfd {command}` from the README: {result.output}"
    assert "Usage:" in result.output


def test_every_cli_command_is_in_the_readme():
    names = {name for name, cmd in main.commands.items()}
    missing = {n for n in names if f"kfd {n}" not in README}
    assert not missing, f"commands missing from the README: {missing}"


def test_readme_parse_example_runs(tmp_path):
    report = DATA_DIR / "steckbrief_title.txt"
    result = CliRunner().invoke(main, ["parse", str(report), "--json"])
    assert result.exit_code == 0
    assert '"statements"' in result.output


# --- the README's shell examples, run for real ----------------------------------------------------


def readme_shell_lines(readme: str = README) -> list[str]:
    """Every command line of the ```sh blocks: continuations joined, comments and blank lines dropped."""
    lines = []
    for block in re.findall(r"^```sh\n(.*?)^```", readme, flags=re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            command = re.sub(r"\s+", " ", line.split(" #")[0]).strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


# Lines not run here, by the start of the line, and why.
SKIPPED = {
    "make ": "installs, trains on the whole corpus or starts the service",
    "curl ": "needs a running service",
    f"{KFD} serve": "starts the service",
    "KFD_API_KEYS=": "starts the service",
    "KFD_DATABASE_URL=postgresql": "needs a PostgreSQL server (tests/storage/test_migrations.py runs it)",
    f"{KFD} train": "long training on the whole corpus",
    f"{KFD} evaluate --baseline": "cross-validation: five trainings of both models",
    f"{KFD} import-labels": "needs korrigiert.csv, corrected by hand in Excel (tests/training/test_label_import.py)",
    f"{KFD} retag": "needs a database filled through the service (tests/service/test_service.py)",
    f"{KFD} export-db": "needs a database filled through the service (tests/storage/test_backup.py)",
    f"{KFD} import-db": "needs a backup of a filled database (tests/storage/test_backup.py)",
    f"{KFD} users": "asks for passwords and changes the users of a database (tests/cli/test_users_cli.py)",
}
# `kfd evaluate` alone is cross-validation (five trainings); the line is matched exactly so that
# `kfd evaluate --model ...` is run.
SKIPPED_EXACT = {f"{KFD} evaluate": "cross-validation: five trainings on the whole corpus"}


def _skip_reason(line: str) -> str | None:
    if line in SKIPPED_EXACT:
        return SKIPPED_EXACT[line]
    return next((why for start, why in SKIPPED.items() if line.startswith(start)), None)


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# What each run line must leave behind, by the line as the README writes it: besides exit code 0, a key
# piece of its output (`out`: the command's output; `ws`: the scratch folder).
EXPECTED = {
    f"{KFD} db upgrade": lambda out, ws: "upgraded from empty to revision" in out,
    f"{KFD} db status": lambda out, ws: (
        re.fullmatch(r"database: revision (\w+); this version needs revision \1\n", out) is not None
    ),
    f"{KFD} parse report.txt": lambda out, ws: "Landkreis Heidenheim" in out,
    f"{KFD} parse report.docx --json": lambda out, ws: (
        json.loads(out)["kommune"]["landkreis"] == "Heidenheim"
    ),
    f"{KFD} tag reports/*.txt --output results.jsonl": lambda out, ws: (
        {r["report"] for r in _records(ws / "results.jsonl")} >= {"birkenfeld.txt", "erlenbach.txt"}
    ),
    f"{KFD} tag statements.csv --format csv": lambda out, ws: (
        out.splitlines()[0].startswith("id,") and "Die Moderation war hervorragend" in out
    ),
    f"{KFD} tag report.docx --explain": lambda out, ws: all(
        "explanation" in r for r in map(json.loads, out.splitlines())
    ),
    f"{KFD} tag reports/ --output results.jsonl --jobs 2": lambda out, ws: (
        len(_records(ws / "results.jsonl")) > 20
    ),
    f"{KFD} tag reports/ --excel --output results.csv": lambda out, ws: (
        (ws / "results.csv").read_bytes().startswith(b"\xef\xbb\xbfid;")
    ),
    f"{KFD} tag reports/ --output results.xlsx": lambda out, ws: (
        (ws / "results.xlsx").read_bytes().startswith(b"PK\x03\x04")
    ),
    f"{KFD} aggregate results.jsonl --by theme,sentiment --by landkreis --section bewertung "
    "--output table.csv --plot chart.png": lambda out, ws: (
        (ws / "chart.png").read_bytes().startswith(b"\x89PNG")
        and "landkreis" in (ws / "table.csv").read_text(encoding="utf-8").splitlines()[0]
    ),
    f"{KFD} report results.jsonl --html report.html": lambda out, ws: (
        "<html" in (ws / "report.html").read_text(encoding="utf-8")
    ),
    f"{KFD} tag neu/ --excel --output ergebnisse.csv": lambda out, ws: (ws / "ergebnisse.csv").is_file(),
    f"{KFD} suggest ergebnisse.csv --n 50": lambda out, ws: "closest call" in out and "threshold" in out,
    f"{KFD} data check": lambda out, ws: "ok: the labelled data is valid" in out,
    f"{KFD} evaluate --model models/current --data training_data/heldout/labels.jsonl": lambda out, ws: (
        re.search(r"^\d+ statements, \d+ reports$", out, flags=re.M) is not None and "F1" in out
    ),
    f"{KFD} evaluate --model models/current --data training_data/heldout/labels.jsonl --plot reliability.png": (
        lambda out, ws: (ws / "reliability.png").read_bytes().startswith(b"\x89PNG") and "ECE" in out
    ),
    f"{KFD} tag reports/*.txt --redact": lambda out, ws: (
        (records := [json.loads(line) for line in out.splitlines()]) != []
        and not any("@" in r["text"] for r in records)
    ),
    f"{KFD} evaluate --behaviour": lambda out, ws: re.search(r"^negation\s+\d+", out, flags=re.M) is not None,
    f"{KFD} evaluate --behaviour --show-failures 3 --json": lambda out, ws: (
        "negation" in {c["capability"] for c in json.loads(out)["capabilities"]}
    ),
}

RUN_LINES = [line for line in readme_shell_lines() if _skip_reason(line) is None]


def test_every_readme_shell_line_is_run_or_skipped_on_purpose():
    unknown = [line for line in RUN_LINES if line not in EXPECTED]
    assert not unknown, f"README lines neither in EXPECTED nor in SKIPPED: {unknown}"
    stale = set(EXPECTED) - set(RUN_LINES)
    assert not stale, f"EXPECTED lines no longer in the README: {stale}"
    assert len(RUN_LINES) >= 10


def _argv(line: str, ws: Path, model: Path, corpus: Path) -> list[str]:
    """The README line as `kfd` arguments: globs expanded in the scratch folder, the test model for
    every command that loads one, the small corpus for `data check`, the repo's held-out file."""
    args = shlex.split(line)
    assert args[0] == KFD, line
    argv: list[str] = []
    for arg in args[1:]:
        if any(c in arg for c in "*?["):
            matches = sorted(str(p.relative_to(ws)) for p in ws.glob(arg))
            assert matches, f"{arg!r} matches nothing in the scratch folder"
            argv += matches
        elif arg == "models/current":
            argv.append(str(model))
        elif arg == "training_data/heldout/labels.jsonl":
            argv.append(str(REPO / arg))
        else:
            argv.append(arg)
    if (argv[0] in ("tag", "suggest") or argv[:2] == ["evaluate", "--behaviour"]) and "--model" not in argv:
        argv += ["--model", str(model)]
    if argv[:2] == ["data", "check"] and "--data" not in argv:
        argv += ["--data", str(corpus)]
    return argv


def _scratch_folder(ws: Path) -> Path:
    """The files the README's examples name: report.txt/.docx (the seed report), reports/ and neu/
    (the invented reports), statements.csv."""
    invented = sorted((DATA_DIR / "service_corpus" / "reports").glob("*.txt"))
    (ws / "training_data").symlink_to(REPO / "training_data")  # the behaviour suite at its default path
    shutil.copy(SEED_PATH, ws / "report.txt")
    (ws / "report.docx").write_bytes(text_to_docx(SEED_PATH.read_text(encoding="utf-8")))
    for folder in ("reports", "neu"):
        (ws / folder).mkdir()
        for path in invented:
            shutil.copy(path, ws / folder / path.name)
    (ws / "statements.csv").write_text(
        "id,section,text\n"
        "s1,bewertung,Die Moderation war hervorragend und hat alle zu Wort kommen lassen.\n"
        "s2,empfehlungen,Mehr Zeit für die Workshops einplanen\n",
        encoding="utf-8",
    )
    return ws


@pytest.fixture(scope="module")
def readme_runs(tmp_path_factory, trained_model, small_corpus) -> dict[str, tuple[Path, object]]:
    """Every runnable README line, run once in README order in one scratch folder (later lines read
    what earlier ones wrote): line -> (scratch folder, click Result)."""
    ws = _scratch_folder(tmp_path_factory.mktemp("readme"))
    runs = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ws)
        for line in RUN_LINES:
            runs[line] = (ws, CliRunner().invoke(main, _argv(line, ws, trained_model, small_corpus)))
    return runs


@pytest.mark.parametrize("line", RUN_LINES, ids=[line.removeprefix(f"{KFD} ") for line in RUN_LINES])
def test_readme_shell_example_runs(readme_runs, line):
    ws, result = readme_runs[line]
    assert result.exit_code == 0, f"`{line}` exited {result.exit_code}:\n{result.output}"
    assert EXPECTED[line](result.stdout, ws), f"`{line}` printed:\n{result.output}"
