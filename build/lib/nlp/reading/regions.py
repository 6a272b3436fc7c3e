"""The Stadt- and Landkreise of Baden-Württemberg and their Regierungsbezirk: one spelling per Kreis.

Reports name the same Kreis as "LK Emmendingen", "Landkreis Emmendingen", "Lkr. Emmendingen" or
"Emmendingen", and a Stadtkreis (a city that is a Kreis of its own) as "Stadtkreis Freiburg" or
"Freiburg im Breisgau". The table is data (kreise.csv, shipped with the package).
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
from dataclasses import dataclass
from importlib import resources

from nlp.reading.form import normalize

REGIERUNGSBEZIRKE = ("Stuttgart", "Karlsruhe", "Freiburg", "Tübingen")


@dataclass(frozen=True)
class Kreis:
    name: str  # official name, "Freiburg im Breisgau", "Rems-Murr-Kreis"
    art: str  # "Landkreis" or "Stadtkreis"
    regierungsbezirk: str  # one of REGIERUNGSBEZIRKE
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The spelling used in records: Landkreise by name, Stadtkreise with the word, so that the
        Stadtkreis Heilbronn and the Landkreis Heilbronn stay apart."""
        return f"Stadtkreis {self.name}" if self.art == "Stadtkreis" else self.name


@dataclass(frozen=True)
class KreisMatch:
    kreis: Kreis | None  # None: not a Kreis of Baden-Württemberg
    text: str | None  # the value as written, without "Landkreis"/"LK"
    guessed: bool = False  # matched only by similarity (a typo)


@functools.cache
def kreise() -> tuple[Kreis, ...]:
    text = resources.files("nlp.reading").joinpath("kreise.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(
        Kreis(
            row["name"],
            row["art"],
            row["regierungsbezirk"],
            tuple(a for a in (row["aliases"] or "").split("|") if a),
        )
        for row in rows
    )


# Words before the name that say which kind of Kreis is meant ("LK", "Lkr.", "Landratsamt", "kreisfreie Stadt").
_LAND = r"landkreis|landkr|lkr|lk|landratsamt|lra|kreis"
_STADT = r"stadtkreis|kreisfreie stadt|stadt|sk|universitaetsstadt|grosse kreisstadt"
_PREFIX = re.compile(rf"^(?:(?P<stadt>{_STADT})|(?P<land>{_LAND}))\b\s*")


def _key(text: str) -> str:
    return normalize(text).replace(" ", "")


def _keys(name: str) -> set[str]:
    """The name, and without a closing "-kreis" ("Rems-Murr" for "Rems-Murr-Kreis")."""
    key = _key(name)
    return {key, key.removesuffix("kreis")} - {""}


@functools.cache
def _index() -> dict[str, tuple[Kreis, ...]]:
    index: dict[str, list[Kreis]] = {}
    for kreis in kreise():
        for name in (kreis.name, *kreis.aliases):
            for key in _keys(name):
                if kreis not in index.setdefault(key, []):
                    index[key].append(kreis)
    return {key: tuple(v) for key, v in index.items()}


def _strip_prefix(text: str) -> tuple[str, str | None]:
    """(the rest, "Stadtkreis" | "Landkreis" | None) after words such as "Landkreis" or "kreisfreie Stadt"."""
    rest = normalize(text)
    art = None
    while m := _PREFIX.match(rest):
        art = art or ("Stadtkreis" if m.group("stadt") else "Landkreis")
        rest = rest[m.end() :]
    return rest, art


def _pick(candidates: tuple[Kreis, ...], art: str | None, kommune: str | None) -> Kreis:
    """Heilbronn and Karlsruhe are each a Stadtkreis and a Landkreis: the city itself is the Stadtkreis,
    every other Kommune that names it lies in the Landkreis."""
    if len(candidates) == 1:
        return candidates[0]
    stadt = next(k for k in candidates if k.art == "Stadtkreis")
    land = next(k for k in candidates if k.art == "Landkreis")
    if art == "Stadtkreis":
        return stadt
    if art is None and kommune and _keys(_strip_prefix(kommune)[0]) & _keys(stadt.name):
        return stadt
    return land


def find_kreis(value: str | None, kommune: str | None = None) -> KreisMatch:
    """The Kreis a report's Landkreis field names. `kommune` (the Stadt or Gemeinde) decides between a
    Stadtkreis and the Landkreis of the same name, and names the Kreis when the field says only
    "Stadtkreis" or "kreisfreie Stadt"."""
    value = (value or "").split("\n")[0].strip()
    cleaned = re.sub(r"^(?:Landkreis|Lkr\.?|LK)\s+", "", value).strip() or None
    index = _index()
    parts = [value, *re.split(r"[/,;()]", value)] if value else []
    for part in parts:
        rest, art = _strip_prefix(part)
        key = rest.replace(" ", "")
        if not key and art == "Stadtkreis" and kommune:
            key = _strip_prefix(kommune)[0].replace(" ", "")
            art = "Stadtkreis"
        for k in (key, key.removesuffix("kreis")):
            if k in index:
                return KreisMatch(_pick(index[k], art, kommune), cleaned)
    if not value and kommune:
        # No Kreis given, but the Kommune is a Stadtkreis (Stuttgart, Ulm, ...): it is its own Kreis.
        key = _strip_prefix(kommune)[0].replace(" ", "")
        stadt = [k for k in index.get(key, ()) if k.art == "Stadtkreis"]
        if stadt:
            return KreisMatch(stadt[0], None)
    rest, art = _strip_prefix(value)
    key = rest.replace(" ", "")
    if 5 <= len(key) <= 40:
        close = difflib.get_close_matches(key, list(index), n=1, cutoff=0.85)
        if close:
            return KreisMatch(_pick(index[close[0]], art, kommune), cleaned, guessed=True)
    return KreisMatch(None, cleaned)


def canonical_landkreis(value: str) -> str:
    """A Landkreis as records spell it ("LK Emmendingen", "Landkreis Emmendingen" → "Emmendingen"), for
    filters; a value that names no Kreis of Baden-Württemberg for sure is returned as given."""
    match = find_kreis(value)
    return match.kreis.label if match.kreis is not None and not match.guessed else value.strip()


def canonical_bezirk(value: str) -> str:
    """A Regierungsbezirk as records spell it ("RP Karlsruhe" → "Karlsruhe"), else the value as given."""
    return find_bezirk(value) or value.strip()


def find_bezirk(value: str) -> str | None:
    """The Regierungsbezirk a value names ("RP Karlsruhe", "Regierungspräsidium Freiburg", "Tuebingen")."""
    key = normalize(value)
    for candidate in REGIERUNGSBEZIRKE:
        if normalize(candidate) in key or (candidate == "Tübingen" and "tubingen" in key):
            return candidate
    return None
