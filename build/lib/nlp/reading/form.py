"""The Steckbrief form: its section headings, question prompts and the fields of the Kommune block.

Headings and prompts are matched after normalising (case, punctuation, spacing) and with a small
edit-distance tolerance, so typos, trailing colons and indentation do not hide a section.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher


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


def normalize(text: str) -> str:
    """Lower case, umlauts folded, punctuation dropped, spaces collapsed: the form used for matching."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _tolerance(heading: str) -> float:
    # Short headings must match (almost) exactly: one typo in "Kosten" is a different word.
    return 1.0 if len(heading) < 12 else 0.88


_HEADINGS = [(s.id, normalize(h)) for s in SECTIONS for h in s.headings]


def match_heading(line: str) -> tuple[str, str] | None:
    """If `line` is a section heading, return (section id, rest of the line after a colon)."""
    stripped = _NUMBERING.sub("", line.strip())
    head, colon, rest = stripped.partition(":")
    if not head or len(head) > 80:
        return None
    candidate = normalize(head)
    if not candidate:
        return None
    for section_id, heading in _HEADINGS:
        if abs(len(candidate) - len(heading)) > max(3, len(heading) // 8):
            continue
        if rest.strip() and len(heading) < 12:
            continue  # "Themen: Wohnen, Arbeit" is content; only full headings carry text after a colon
        if candidate == heading or _similar(candidate, heading) >= _tolerance(heading):
            return section_id, rest.strip() if colon else ""
    return None


# (normalised prompt, the punctuation it ends with), longest first.
_PROMPTS = sorted(
    {(normalize(p), p.rstrip()[-1] if p.rstrip()[-1] in "?:)." else "") for s in SECTIONS for p in s.prompts},
    key=lambda item: len(item[0]),
    reverse=True,
)


def strip_prompt(line: str) -> str:
    """Remove the form's question prompts from a line: all of it, or the prompts it starts with
    ("Stehen Aufwand und Ergebnis in einem guten Verhältnis? Ja, eindeutig." keeps "Ja, eindeutig.")."""
    while line.strip():
        candidate = normalize(line)
        if not candidate:
            return line
        for prompt, end in _PROMPTS:
            n_words = len(prompt.split())
            if candidate.startswith(prompt) and len(candidate) > len(prompt):
                line = _drop_prefix_words(line, n_words)
                break
            if candidate == prompt or (len(candidate) >= 20 and candidate in prompt):
                return ""
            # Typos: a fuzzy match must also end like the prompt ("?"), so that the verdict "Aufwand
            # und Ergebnis stehen in einem guten Verhältnis." is not taken for the question.
            if n_words >= 4 and _ends_like(line, n_words, end):
                head = " ".join(candidate.split()[:n_words])
                if _similar_at_least(head, prompt, 0.88):
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


def _similar_at_least(a: str, b: str, threshold: float) -> bool:
    if 2 * min(len(a), len(b)) / (len(a) + len(b)) < threshold:
        return False  # cheap upper bound first: the prompts are compared with every line
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold


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


def match_field(line: str) -> tuple[str, str] | None:
    """If `line` is a field label of the Kommune block, return (field, value given on the same line).

    A label alone on its line matches ("Landkreis"); a label followed by text only with a colon
    ("Landkreis: Heidenheim"), so that a value like "Landkreis Heidenheim" is not mistaken for one.
    """
    stripped = line.strip()
    head, colon, rest = stripped.partition(":")
    candidate = normalize(head)
    for field, label in _FIELD_LABELS:
        if candidate == label or (len(label) >= 20 and _similar(candidate, label) >= 0.9):
            return field, rest.strip() if colon else ""
    return None
