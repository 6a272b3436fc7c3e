"""The Steckbrief form: its section headings, question prompts and the fields of the Kommune block.

Headings and prompts are matched after normalising (case, punctuation, spacing) and with a small
edit-distance tolerance, so typos, trailing colons and indentation do not hide a section.

The tolerance is difflib's `SequenceMatcher.ratio`, but difflib is slow and most lines are no heading:
exact comparisons come first, and a pair reaches difflib only when rapidfuzz's longest common
subsequence (C++) allows the threshold. difflib's matching blocks are a common subsequence, so
2·LCS / (len a + len b) bounds its ratio from above: the bound rejects exactly pairs difflib would reject,
and every decision stays difflib's.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TypeVar

from rapidfuzz import process
from rapidfuzz.distance import Indel, LCSseq

T = TypeVar("T")


@dataclass(frozen=True)
class Section:
    id: str
    headings: tuple[str, ...]
    prompts: tuple[str, ...] = ()


# In form order. The first heading is the form's; the others are variants seen in reports.
SECTIONS: tuple[Section, ...] = (
    Section("kommune", ("Angaben zur Kommune", "Angaben zur Stadt", "Angaben zur Gemeinde")),
    Section(
        "konzept",
        ("Veranstaltungskonzept", "Konzept der Veranstaltung", "Konzept"),
        ("Bitte beschreiben Sie kurz die Zielsetzung, das Format und die methodische Umsetzung des "
         "Flüchtlingsdialogs.",),
    ),
    Section(
        "anlass",
        ("Ausgangssituation / Anlass", "Anlass / Ausgangssituation", "Ausgangssituation", "Anlass"),
        ("Was war in Ihrer Kommune der konkrete Anlass für die Durchführung eines Flüchtlingsdialogs?",
         "Welche Ausgangssituation fanden Sie vor?"),
    ),
    Section(
        "beratung",
        ("Beratung und Moderation", "Beratung / Moderation", "Moderation und Beratung"),
        ("Wer hat diese Aufgaben übernommen?",
         "Für welche Aufgaben haben Sie Beratungs- und Moderationsleistungen in Anspruch genommen?"),
    ),
    Section(
        "themenfelder",
        ("Themenfelder", "Themen"),
        ("Welche Themen wurden im Flüchtlingsdialog diskutiert und bearbeitet?",),
    ),
    Section(
        "akteure",
        ("Beteiligte Akteure", "Beteiligte", "Teilnehmende", "Teilnehmer"),
        ("Bitte nennen Sie die Teilnehmergruppen und die Anzahl der Personen, die an dem "
         "Flüchtlingsdialog teilgenommen haben.",),
    ),
    Section(
        "bewertung",
        ("Bewertung des Ablaufs und der Ergebnisse", "Bewertung", "Bewertung des Ablaufs",
         "Bewertung der Ergebnisse", "Bewertung und Ergebnisse"),
        ("Wie zufrieden sind Sie mit dem Ablauf der Dialogveranstaltung(en)?",
         "(Format, Struktur, Moderation, Transparenz, fairer und respektvoller Umgang, "
         "Informationsmaterial etc.)",
         "Wie zufrieden sind Sie mit den Ergebnissen der Dialogveranstaltung(en)?",
         "(Diskussionsqualität, Erkenntnisse, Ergebnisse, anderer Mehrwert etc.)"),
    ),
    Section(
        "ergebnisse",
        ("Konkrete Ergebnisse, Maßnahmen und nächste Schritte", "Konkrete Ergebnisse",
         "Ergebnisse, Maßnahmen und nächste Schritte", "Ergebnisse und Maßnahmen", "Ergebnisse",
         "Maßnahmen und nächste Schritte", "Nächste Schritte"),
        ("Nennen Sie drei wichtige Ergebnisse bzw. konkrete Maßnahmen, die im Flüchtlingsdialog "
         "erarbeitet wurden.",
         "Wie schätzen Sie die Wirkung des Flüchtlingsdialogs ein:",
         "Werden die Ergebnisse des Flüchtlingsdialogs in Ihrer Kommune zu weiteren Handlungen bei "
         "Akteuren aus Politik, Verwaltung und Zivilgesellschaft führen?",
         "Welche konkreten Schritte wurden dazu vereinbart?"),
    ),
    Section(
        "kosten",
        ("Kosten und Effizienz", "Kosten / Effizienz", "Kosten"),
        ("Wie hoch schätzen Sie die in Ihrer Kommune entstandenen Kosten für Organisation und "
         "Durchführung der Flüchtlingsdialoge ein?",
         "(Beratungs- und Moderationskosten, Sachmittel etc.)",
         "Stehen Aufwand und Ergebnis in einem guten Verhältnis?"),
    ),
    Section(
        "empfehlungen",
        ("Empfehlungen und sonstige Rückmeldungen", "Empfehlungen", "Sonstige Rückmeldungen",
         "Empfehlungen und Rückmeldungen", "Verbesserungsvorschläge"),
        ("Was würden Sie beim nächsten Mal anders machen?",
         "Welche Verbesserungsvorschläge haben Sie, insbesondere auch im Hinblick auf die "
         "Rahmenbedingungen?"),
    ),
)  # fmt: skip
SECTION_IDS = tuple(s.id for s in SECTIONS)
STATEMENT_SECTIONS = (
    "konzept",
    "anlass",
    "beratung",
    "bewertung",
    "ergebnisse",
    "kosten",
    "empfehlungen",
)

# Fields of the Kommune block (Angaben zur Kommune), with variants.
FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("Name der Stadt oder Gemeinde", "Name der Kommune", "Stadt / Gemeinde", "Kommune", "Gemeinde",
             "Stadt", "Name"),
    "einwohner": ("Einwohnerzahl", "Einwohner", "Anzahl der Einwohner"),
    "landkreis": ("Landkreis", "Kreis", "Stadtkreis"),
    "regierungsbezirk": ("Regierungsbezirk", "Reg.-Bezirk", "RP"),
    "kontakt": ("Name und Adresse der Kontaktperson für den Kommunalen Flüchtlingsdialog",
                "Name und Adresse der Kontaktperson", "Kontaktperson", "Ansprechpartner"),
    "telefon": ("Telefon der Kontaktperson", "Telefon", "Tel."),
    "email": ("E-Mail der Kontaktperson", "E-Mail", "Email", "Mail"),
}  # fmt: skip

_NUMBERING = re.compile(r"^(?:\d{1,2}[.)]|[IVX]{1,4}\.|[a-h]\))\s*")


_PUNCTUATION = re.compile(r"[^\w\s]+")


def normalize(text: str) -> str:
    """Lower case, umlauts folded, punctuation dropped, spaces collapsed: the form used for matching."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    # str.split() and re's \s know the same whitespace: this is re.sub(r"\s+", " ", text).strip().
    return " ".join(_PUNCTUATION.sub(" ", text).split())


# Half the lines of a report are the printed form (headings, prompts, field labels), the same in every
# report: what the matchers make of a line is kept for lines up to this length (form lines are shorter;
# the bound keeps long text out of the caches).
_CACHED_LINE_CHARS = 200
_CACHE_SIZE = 4096


def _cached_for_short_lines(function: Callable[[str], T]) -> Callable[[str], T]:
    """`function` of one line, its results kept for short lines (it must depend on the line alone)."""
    cached = functools.lru_cache(maxsize=_CACHE_SIZE)(function)

    @functools.wraps(function)
    def wrapper(line: str) -> T:
        return cached(line) if len(line) <= _CACHED_LINE_CHARS else function(line)

    return wrapper


def _similar_at_least(a: str, b: str, threshold: float) -> bool:
    """Whether difflib's ratio of `a` and `b` reaches `threshold`; cheap upper bounds first."""
    total = len(a) + len(b)
    if not total:
        return threshold <= 1.0  # difflib's ratio of two empty strings
    if 2.0 * min(len(a), len(b)) / total < threshold:
        return False  # even if the shorter one were all matched
    if 2.0 * LCSseq.similarity(a, b) / total < threshold:
        return False  # difflib's matches are a common subsequence: at most the LCS
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold


def _tolerance(heading: str) -> float:
    # Short headings must match (almost) exactly: one typo in "Kosten" is a different word.
    return 1.0 if len(heading) < 12 else 0.88


_HEADINGS = [(s.id, normalize(h)) for s in SECTIONS for h in s.headings]


@functools.cache
def _headings_near(length: int) -> tuple[tuple[str, str, bool], ...]:
    """(section id, heading, is short) of the headings a candidate of this length may match, in form
    order: within max(3, an eighth of the heading's length) of it."""
    return tuple(
        (section_id, heading, _tolerance(heading) >= 1.0)
        for section_id, heading in _HEADINGS
        if abs(length - len(heading)) <= max(3, len(heading) // 8)
    )


@_cached_for_short_lines
def match_heading(line: str) -> tuple[str, str] | None:
    """If `line` is a section heading, return (section id, rest of the line after a colon)."""
    stripped = _NUMBERING.sub("", line.strip())
    head, colon, rest = stripped.partition(":")
    if not head or len(head) > 80:
        return None
    candidate = normalize(head)
    if not candidate:
        return None
    has_rest = bool(rest.strip())
    for section_id, heading, short in _headings_near(len(candidate)):
        if short:
            # "Themen: Wohnen, Arbeit" is content; only full headings carry text after a colon. A
            # tolerance of 1.0 (short headings) is reached by equal strings only.
            if not has_rest and candidate == heading:
                return section_id, ""
        elif candidate == heading or _similar_at_least(candidate, heading, 0.88):
            return section_id, rest.strip() if colon else ""
    return None


# (normalised prompt, the punctuation it ends with), longest first.
_PROMPTS = sorted(
    {(normalize(p), p.rstrip()[-1] if p.rstrip()[-1] in "?:)." else "") for s in SECTIONS for p in s.prompts},
    key=lambda item: len(item[0]),
    reverse=True,
)
# With the number of their words and their length, counted once.
_PROMPT_WORDS = [(prompt, end, len(prompt.split()), len(prompt)) for prompt, end in _PROMPTS]
# For the test whether a line can be a prompt at all (most lines are not): every prompt as a possible
# start, all of them in one string (a normalised line never holds "\0", so it is in that string only
# when it is in one prompt), and the prompts of four words or more by their number of words.
_PROMPT_STARTS = tuple(prompt for prompt, _ in _PROMPTS)
_ALL_PROMPTS = "\0".join(_PROMPT_STARTS)
_PROMPTS_BY_WORDS: dict[int, list[str]] = {
    n: [prompt for prompt, _, words, _ in _PROMPT_WORDS if words == n]
    for n in sorted({words for _, _, words, _ in _PROMPT_WORDS if words >= 4})
}
# Indel's normalised similarity is 2·LCS / (len a + len b), the upper bound of difflib's ratio; a little
# below 0.88 so that rounding can only let more lines through to the exact test.
_BOUND_CUTOFF = 0.87
# It is at most 2·min(len a, len b) / (len a + len b): a head of the line reaches the cutoff with a
# prompt only if its length lies within these bounds of the prompt's (a little wider, for rounding).
_WIDE = _BOUND_CUTOFF - 0.01
_PROMPT_GROUPS = tuple(
    (
        n_words,
        prompts,
        min(len(p) for p in prompts) * _WIDE / (2 - _WIDE),
        max(len(p) for p in prompts) * (2 - _WIDE) / _WIDE,
    )
    for n_words, prompts in _PROMPTS_BY_WORDS.items()
)
_MOST_PROMPT_WORDS = max(_PROMPTS_BY_WORDS)


def _may_hold_prompt(candidate: str, words: list[str]) -> bool:
    """False when no prompt can match the normalised line in `strip_prompt`: none starts it or contains
    it, and the first words of the line are too far from every prompt of as many words for a typo."""
    if candidate in _ALL_PROMPTS or candidate.startswith(_PROMPT_STARTS):
        return True
    letters = list(itertools.accumulate(map(len, words[:_MOST_PROMPT_WORDS])))  # of the first n words
    n_head = len(letters)
    for n_words, prompts, shortest, longest in _PROMPT_GROUPS:
        n = n_words if n_words < n_head else n_head
        if not shortest <= letters[n - 1] + n - 1 <= longest:  # the length of the head of n words
            continue
        head = " ".join(words[:n_words])
        if process.extractOne(head, prompts, scorer=Indel.normalized_similarity, score_cutoff=_BOUND_CUTOFF):
            return True
    return False


@_cached_for_short_lines
def strip_prompt(line: str) -> str:
    """Remove the form's question prompts from a line: all of it, or the prompts it starts with
    ("Stehen Aufwand und Ergebnis in einem guten Verhältnis? Ja, eindeutig." keeps "Ja, eindeutig.")."""
    while line.strip():
        candidate = normalize(line)
        if not candidate:
            return line
        words = candidate.split()
        if not _may_hold_prompt(candidate, words):
            return line
        n_chars = len(candidate)
        heads: dict[int, str] = {}  # the first n words, joined once per n
        for prompt, end, n_words, prompt_chars in _PROMPT_WORDS:
            if n_chars > prompt_chars and candidate.startswith(prompt):
                line = _drop_prefix_words(line, n_words)
                break
            if candidate == prompt or (n_chars >= 20 and candidate in prompt):
                return ""
            # Typos: a fuzzy match must also end like the prompt ("?"), so that the verdict "Aufwand
            # und Ergebnis stehen in einem guten Verhältnis." is not taken for the question. The
            # similarity (with its cheap bounds) decides most lines before the line is scanned for words.
            if n_words < 4:
                continue
            head = heads.get(n_words)
            if head is None:
                head = heads[n_words] = " ".join(words[:n_words])
            n_head = len(head)
            if (
                2.0 * min(n_head, prompt_chars) / (n_head + prompt_chars) >= 0.88  # cheap bound, inline
                and _similar_at_least(head, prompt, 0.88)
                and _ends_like(line, n_words, end)
            ):
                line = _drop_prefix_words(line, n_words)
                break
        else:
            return line
    return ""


def _ends_like(line: str, n_words: int, end: str) -> bool:
    # Only the first n words: a long line must not be scanned once per prompt.
    words = list(itertools.islice(re.finditer(r"\w+", line), n_words))
    if len(words) < n_words:
        return False
    after = line[words[n_words - 1].end() :].lstrip(" )]“”\"'")
    return not end or after.startswith(end)


def _drop_prefix_words(line: str, n_words: int) -> str:
    """Drop the first n normalised words of `line` together with their punctuation."""
    words = 0
    for m in re.finditer(r"\w+", line):
        words += 1
        if words == n_words:
            rest = line[m.end() :]
            return re.sub(r"^[^\w•\-*–„\"(]*", "", rest).strip()
    return ""


_FIELD_LABELS = sorted(
    ((field, normalize(label)) for field, labels in FIELDS.items() for label in labels),
    key=lambda item: len(item[1]),
    reverse=True,
)


@_cached_for_short_lines
def match_field(line: str) -> tuple[str, str] | None:
    """If `line` is a field label of the Kommune block, return (field, value given on the same line).

    A label alone on its line matches ("Landkreis"); a label followed by text only with a colon
    ("Landkreis: Heidenheim"), so that a value like "Landkreis Heidenheim" is not mistaken for one.
    """
    stripped = line.strip()
    head, colon, rest = stripped.partition(":")
    candidate = normalize(head)
    for field, label in _FIELD_LABELS:
        if candidate == label or (len(label) >= 20 and _similar_at_least(candidate, label, 0.9)):
            return field, rest.strip() if colon else ""
    return None
