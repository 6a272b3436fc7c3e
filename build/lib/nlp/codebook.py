"""The codebook: theme and sentiment ids, German names, groups and definitions (`training_data/codebook.yaml`)."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlp.errors import CorpusError, UnknownLabel

DEFAULT_CODEBOOK = Path(__file__).resolve().parent / "codebook.yaml"


@dataclass(frozen=True)
class Label:
    id: str
    name: str
    definition: str
    group: str | None = None


@dataclass(frozen=True)
class Codebook:
    themes: tuple[Label, ...]
    sentiments: tuple[Label, ...]
    groups: dict[str, str]

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    @property
    def sentiment_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sentiments)

    def theme(self, theme_id: str) -> Label:
        for label in self.themes:
            if label.id == theme_id:
                return label
        raise UnknownLabel(f"unknown theme {theme_id!r}; valid: {', '.join(self.theme_ids)}")

    def check_themes(self, theme_ids: Iterable[str]) -> tuple[str, ...]:
        """Validate theme ids; return them in codebook order without repeats."""
        given = list(theme_ids)
        for theme_id in given:
            self.theme(theme_id)
        return tuple(t for t in self.theme_ids if t in given)

    def check_sentiment(self, sentiment_id: str) -> str:
        if sentiment_id not in self.sentiment_ids:
            raise UnknownLabel(f"unknown sentiment {sentiment_id!r}; valid: {', '.join(self.sentiment_ids)}")
        return sentiment_id

    @property
    def hash(self) -> str:
        """Hash of everything that defines the labels: a model trained under another codebook is refused."""
        payload = {
            "themes": [[t.id, t.group, t.definition] for t in self.themes],
            "sentiments": [[s.id, s.definition] for s in self.sentiments],
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@functools.cache
def _load(path: Path) -> Codebook:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError(f"{path}: codebook not found") from None
    except yaml.YAMLError as e:
        raise CorpusError(f"{path}: not valid YAML ({e})") from None
    try:
        groups = dict(data["groups"])
        themes = tuple(
            Label(t["id"], t["name"], " ".join(t["definition"].split()), t["group"]) for t in data["themes"]
        )
        sentiments = tuple(
            Label(s["id"], s["name"], " ".join(s["definition"].split())) for s in data["sentiments"]
        )
    except (KeyError, TypeError) as e:
        raise CorpusError(f"{path}: codebook entry without {e}") from None
    for theme in themes:
        if theme.group not in groups:
            raise CorpusError(f"{path}: theme {theme.id!r} has unknown group {theme.group!r}")
    ids = [t.id for t in themes] + [s.id for s in sentiments]
    if len(set(ids)) != len(ids):
        raise CorpusError(f"{path}: duplicate label ids")
    return Codebook(themes, sentiments, groups)


def load_codebook(path: str | Path | None = None) -> Codebook:
    return _load(Path(path or DEFAULT_CODEBOOK).resolve())
