"""The machine-readable codebook is the label contract: its ids never drift from shared/codebook.md."""

import re
from pathlib import Path

import pytest

from nlp.codebook import DEFAULT_CODEBOOK, load_codebook
from nlp.errors import UnknownLabel

SHARED_CODEBOOK = Path(__file__).resolve().parents[1].parent / "shared" / "codebook.md"

THEME_IDS = (
    "gesamteindruck", "format_methode", "organisation_zeit", "moderation", "beteiligung",
    "dialog_atmosphaere", "ergebnisse_umsetzung", "vernetzung", "wertschaetzung", "politik_verwaltung",
    "information_transparenz", "kosten_aufwand", "sprache", "bildung", "arbeit_ausbildung", "wohnen",
    "zusammenleben_teilhabe", "ehrenamt", "frauen_familie_jugend",
)  # fmt: skip
SENTIMENT_IDS = ("positiv", "negativ", "gemischt", "neutral")


def test_codebook_ids_pinned():
    codebook = load_codebook()
    assert codebook.theme_ids == THEME_IDS
    assert codebook.sentiment_ids == SENTIMENT_IDS


def test_codebook_groups_and_names():
    codebook = load_codebook()
    assert {t.group for t in codebook.themes} == {"verfahren", "handlungsfeld"}
    assert codebook.theme("frauen_familie_jugend").name == "Frauen, Familie & Jugend"
    assert all(t.definition for t in codebook.themes)


@pytest.mark.skipif(not SHARED_CODEBOOK.exists(), reason="shared/codebook.md not beside the repo")
def test_codebook_ids_match_shared_codebook():
    text = SHARED_CODEBOOK.read_text(encoding="utf-8")
    ids = re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.M)
    themes = [i for i in ids if i not in SENTIMENT_IDS]
    sentiments = [i for i in ids if i in SENTIMENT_IDS]
    section_ids = {"anlass", "konzept", "bewertung", "ergebnisse", "kosten", "empfehlungen"}
    assert tuple(t for t in themes if t not in section_ids) == load_codebook().theme_ids
    assert tuple(sentiments) == load_codebook().sentiment_ids


def test_codebook_unknown_label_names_valid_ones():
    codebook = load_codebook()
    with pytest.raises(UnknownLabel, match="'kultur'.*gesamteindruck"):
        codebook.check_themes(["kultur"])
    with pytest.raises(UnknownLabel, match="'sehr_positiv'"):
        codebook.check_sentiment("sehr_positiv")


def test_codebook_hash_changes_with_definitions(tmp_path):
    source = DEFAULT_CODEBOOK.read_text("utf-8")
    changed = tmp_path / "codebook.yaml"
    changed.write_text(source.replace("money, funding", "money and funding"), "utf-8")
    assert load_codebook(changed).hash != load_codebook().hash
    assert load_codebook(changed).theme_ids == load_codebook().theme_ids
