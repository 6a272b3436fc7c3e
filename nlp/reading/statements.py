"""Split a free-text section into statements: one per bullet point, one per sentence of prose."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from spacy.lang.char_classes import ALPHA_LOWER
from spacy.lang.lex_attrs import is_punct
from spacy.pipeline.sentencizer import Sentencizer

from nlp.errors import ReportParseError
from nlp.model.pipeline import QUOTES, sentence_splitter
from nlp.reading.values import MONTHS

# Bounds on what reaches spaCy (whose own limit, 1,000,000 characters, ends in a ValueError): a paragraph
# of prose is split into sentences only up to MAX_PARAGRAPH_CHARS, and no statement may be longer than
# MAX_STATEMENT_CHARS. The longest statement of the training reports has about 400 characters.
MAX_PARAGRAPH_CHARS = 100_000
MAX_STATEMENT_CHARS = 10_000


@dataclass(frozen=True)
class Statement:
    section: str
    index: int  # position within its section, from 0
    text: str


_BULLET = re.compile(
    r"^\s*(?:"
    r"[•·▪◦●○■□►▶➢➤➔→✓✔✗✘☐☑❖◆◇♦\uf0b7\uf0a7\uf0d8\uf0fc]\s*"  # bullet glyphs (incl. Word's private-use ones)
    r"|[-–—+>]\s+|-(?=[A-ZÄÖÜ])|\*\s*"  # ASCII bullets; "*Sammlung" without a space
    r"|(?P<num>\d{1,2})[.)]\s+(?=\S)"  # 1. / 2)
    r"|\(?[a-zA-Z]\)\s+|\(\d{1,2}\)\s+"  # a) (b) (3)
    r")"
)
_CONNECTIVE_END = re.compile(
    r"(?:[,;&/(\-–]|\b(?:und|oder|sowie|bzw\.|mit|für|der|die|das|den|dem|des|von|vom|zu|zur|zum|in|im|"
    r"an|am|auf|bei|beim|aus|als|wie|ein|eine|einer|einen|eines|nicht|sehr|auch|durch|über|unter|nach|"
    r"vor|zwischen|dass|weil|wenn|aber|ohne|um|sich|wir|es|sie|ist|sind|war|waren|wurde|wurden|u\.)"
    r")\s*$",
    re.I,
)
# A line without final punctuation that reaches (nearly) the longest line of its section was most
# likely wrapped by an editor; shorter lines are separate items even without a bullet.
_MIN_WRAP_WIDTH = 50


# Nouns that follow an ordinal in prose ("1. Abend Info, 2. Abend Workshops"): no list item.
_ORDINAL_NOUNS = (
    "Abend|Tag|Termin|Treffen|Sitzung|Teil|Phase|Runde|Veranstaltung|Block|Samstag|Sonntag|Nachmittag|"
    "Vormittag|Halbjahr|Quartal|Dialogabend|Dialogtag|Woche|Stock|OG|Obergeschoss"
)


def _bullet_marker(line: str) -> re.Match | None:
    m = _BULLET.match(line)
    if not m:
        return None
    rest = line[m.end() :]
    if m.group("num") and re.match(r"(?:" + "|".join(MONTHS) + "|" + _ORDINAL_NOUNS + r")\b", rest, re.I):
        return None  # "18. Februar 2017 ..." is a date and "1. Abend: ..." an ordinal, not item 1
    if not re.search(r"\w", rest):
        return None
    return m


def _is_continuation(previous_line: str, line: str, wrap_width: int) -> bool:
    prev = previous_line.rstrip()
    if not prev:
        return False
    stripped = line.strip()
    if stripped[:1].islower() and not re.match(r"[a-z]\)", stripped):
        return True
    if re.search(r"[.!?:][\"“”»«'’]?$", prev):
        return False
    return bool(_CONNECTIVE_END.search(prev)) or len(prev.strip()) >= wrap_width


def _wrap_width(lines: list[str]) -> int:
    """The length from which a line counts as wrapped: 80 % of the longest line, when at least three
    lines reach it (a text wrapped by an editor); otherwise no line counts as wrapped."""
    lengths = [len(line.strip()) for line in lines]
    width = int(0.8 * max(lengths, default=0))
    if width >= _MIN_WRAP_WIDTH and sum(n >= width for n in lengths) >= 3:
        return width
    return 10**6


def _units(text: str) -> list[tuple[bool, str]]:
    """(is_bullet, text) units: bullets with their wrapped lines joined, and prose paragraphs."""
    units: list[tuple[bool, list[str]]] = []
    previous = ""
    lines = text.split("\n")
    wrap_width = _wrap_width(lines)
    bullet_indent = -1  # indentation of the open bullet; deeper lines continue it
    for raw in lines:
        line = raw.rstrip().expandtabs(4)
        if not line.strip():
            previous = ""
            bullet_indent = -1
            continue
        marker = _bullet_marker(line)
        indent = len(line) - len(line.lstrip())
        if marker:
            units.append((True, [line[marker.end() :].strip()]))
            bullet_indent = indent
        elif (
            units
            and previous
            and (_is_continuation(previous, line, wrap_width) or 0 <= bullet_indent < indent)
        ):
            units[-1][1].append(line.strip())
        else:
            units.append((False, [line.strip()]))
            bullet_indent = -1
        previous = line
    joined = []
    for is_bullet, parts in units:
        text = " ".join(parts)
        text = re.sub(r"\s+", " ", text).strip()
        if re.search(r"[^\W\d_]", text):
            joined.append((is_bullet, text))
    return joined


# The characters after which spaCy's sentencizer (in `sentence_splitter`, with its default settings) may
# start a new sentence. A unit without any of them, but for a final run of ".", "!" and "?", is one sentence
# whatever the tokenizer, the sentencizer and `sentence_guard` do (each split needs a token of these
# characters followed by a further token, and `sentence_guard` splits only after ".", "!" or "?" with
# something after them): such a unit, most statements, is decided without spaCy.
SENTENCE_PUNCT = frozenset(Sentencizer.default_punct_chars)
_SENTENCE_PUNCT_CLASS = re.compile("[" + "".join(re.escape(c) for c in sorted(SENTENCE_PUNCT)) + "]")
# The characters `sentence_guard` or the sentencizer decide on: a space-separated word ("chunk") without any
# of them neither ends a sentence nor keeps one from ending.
_DECIDING = re.compile("[" + "".join(re.escape(c) for c in sorted(SENTENCE_PUNCT | QUOTES)) + "]")
_DIGIT = re.compile(r"\d")
# A lower-case letter as spaCy's German suffix rules know it: a period after one is split off a word.
_LOWER = re.compile(f"[{ALPHA_LOWER}]")
# Stands in for a run of words that holds no deciding character (see `_sentence_starts`).
_FILLER = "x"


def _one_sentence(text: str) -> bool:
    return _SENTENCE_PUNCT_CLASS.search(text.rstrip(".!?")) is None


def _deciding_spans(text: str) -> list[list[int]]:
    """Character spans of `text` (whole space-separated chunks, merged) that `sentence_splitter` needs to
    place every sentence start: each chunk with a deciding character, the chunk before it (the guard looks
    two tokens back, and "18 . Februar" splits a number from its dot) and the chunks after it up to the
    first one with a token that is not punctuation (the sentencizer starts a sentence there)."""
    spans: list[list[int]] = []
    n = len(text)
    chunk_end = -1
    for m in _DECIDING.finditer(text):
        if m.start() < chunk_end:
            continue  # a further deciding character of the same chunk
        start = text.rfind(" ", 0, m.start()) + 1
        chunk_end = end = _chunk_end(text, m.start())
        if start > 0:
            start = text.rfind(" ", 0, start - 1) + 1  # the chunk before
        while end < n:  # the chunks after it, up to one that is not all punctuation
            following = _chunk_end(text, end + 1)
            word, end = text[end + 1 : following], following
            if not is_punct(word) or _DECIDING.search(word):
                break  # (a chunk with a deciding character goes on from there in its own turn)
        if spans and start <= spans[-1][1] + 1:  # overlapping or next to each other
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return spans


def _chunk_end(text: str, position: int) -> int:
    end = text.find(" ", position)
    return len(text) if end < 0 else end


@functools.cache
def _specials() -> frozenset[str]:
    """The special cases of the splitter's tokenizer ("z.B.", "ca.", "Nr."): one token each, or fixed ones."""
    tokenizer: Any = sentence_splitter().tokenizer  # a spaCy Tokenizer (typed as a plain callable)
    return frozenset(tokenizer.rules)


# Chunks up to this length are read by `_inert_chunk` (and kept in its cache); a longer one goes to spaCy.
_INERT_CHUNK_CHARS = 40


@functools.lru_cache(maxsize=4096)
def _inert_chunk(chunk: str) -> bool:
    """Whether a chunk with a deciding character (other than a plain word with one end mark) can neither
    end a sentence nor start one: it has no quote (`sentence_guard`'s quote rule), none of its tokens is a
    sentence mark (all the sentencizer splits after), and none ends in a period after a digit (the
    guard's ordinals, years, dates and times: "3.", "2016.", "18.02.2017."). So "z.B.", "ca.", "GmbH.",
    "18.02.2017", "info@stadt.de" are inert; "3.", "(siehe oben)." are not. spaCy tokenises a chunk on its
    own, whatever is around it."""
    if len(chunk) > _INERT_CHUNK_CHARS or any(c in QUOTES for c in chunk):
        return False
    return not any(
        token.text in SENTENCE_PUNCT or (token.text.endswith(".") and _DIGIT.search(token.text))
        for token in sentence_splitter().tokenizer(chunk)
    )


def _plain_sentence_starts(text: str) -> list[int] | None:
    """`_sentence_starts` without spaCy where every chunk with a deciding character is a plain word with
    one end mark ("Ende." after a lower-case letter, "gut!", "wann?") or inert (`_inert_chunk`: "z.B.",
    "18.02.2017"), and the chunk after each such word starts with a letter or digit; None for any other
    unit.

    Why it decides as the splitter does: such a word is one token and its mark another (the test of
    `fastfeatures._Tokenizing`, checked on every Unicode letter); the next chunk's first token starts
    with its first character, so it is no punctuation and the sentencizer starts a sentence there, unless
    `sentence_guard` keeps it from doing so — after a period (no ordinal: the word has no digit) exactly
    when that character is lower case. Nothing else can start a sentence: every other chunk lacks a
    sentence mark, or is inert — no token of it is a mark the sentencizer or the guard splits after, or
    one that lets the guard start a sentence (a quote, a number with a period); what else the guard reads
    there only keeps a sentence from starting where, without a mark before it, none starts anyway."""
    starts = [0]
    specials = _specials()
    chunk_end = -1
    inert = False
    n = len(text)
    for m in _DECIDING.finditer(text):
        at = m.start()
        if at < chunk_end:  # a further deciding character of the same chunk
            if inert:
                continue
            return None
        chunk_end = _chunk_end(text, at)
        chunk = text[text.rfind(" ", 0, at) + 1 : chunk_end]
        mark, word = chunk[-1], chunk[:-1]
        plain_word = not (
            chunk in specials
            or at != chunk_end - 1
            or mark not in ".!?"
            or not word.isalpha()
            or word in specials
            or (mark == "." and not _LOWER.match(word[-1]))
        )
        inert = not plain_word
        if inert:
            if not _inert_chunk(chunk):
                return None
            continue
        if chunk_end >= n:
            continue  # the unit's last chunk
        following = text[chunk_end + 1]
        if not following.isalnum():
            return None
        if mark != "." or not following.islower():
            starts.append(chunk_end + 1)
    return starts


def _sentence_starts(text: str) -> list[int]:
    """Where `sentence_splitter` starts the sentences of `text` (a unit: words separated by single spaces).

    Most units are decided without spaCy (`_plain_sentence_starts`). For the others: spaCy tokenises each
    space-separated chunk on its own, and a chunk without a deciding character affects no decision unless
    it is next to one with such a character, so the splitter runs on the deciding spans only, each run of
    other chunks between them replaced by one filler word. It reads (and creates vocabulary entries for) a
    fraction of the text and places every start where it would on the whole of it."""
    plain = _plain_sentence_starts(text)
    if plain is not None:
        return plain
    pieces: list[str] = []
    offsets: list[tuple[int, int]] = []  # (offset in the short text, offset in `text`) of each piece
    at = covered = 0
    for start, end in _deciding_spans(text):
        if start > covered:
            pieces.append(_FILLER)
            offsets.append((at, covered))
            at += len(_FILLER) + 1
        pieces.append(text[start:end])
        offsets.append((at, start))
        at += end - start + 1
        covered = end + 1
    if covered < len(text):
        pieces.append(_FILLER)
        offsets.append((at, covered))
    short = " ".join(pieces)
    starts = []
    piece = 0
    for sentence in sentence_splitter()(short).sents:
        while piece + 1 < len(offsets) and offsets[piece + 1][0] <= sentence.start_char:
            piece += 1
        starts.append(offsets[piece][1] + sentence.start_char - offsets[piece][0])
    return starts


def _sentences(text: str) -> list[str]:
    """Sentences of a prose unit. A piece that starts in lower case or with closing punctuation, or
    follows an opening quote or bracket, belongs to the sentence before it ("„Was läuft gut?“ und ...")."""
    if _one_sentence(text):
        return [text.strip()] if re.search(r"[^\W\d_]", text) else []
    spans: list[list[int]] = []
    starts = _sentence_starts(text)
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        piece = text[start:end].strip()
        previous = text[spans[-1][0] : spans[-1][1]].rstrip() if spans else ""
        if spans and (piece[:1].islower() or piece[:1] in '“”"’),;:' or re.search(r"[„‚(\[,;]$", previous)):
            spans[-1][1] = end
        else:
            spans.append([start, end])
    sentences = [text[a:b].strip() for a, b in spans]
    return [s for s in sentences if re.search(r"[^\W\d_]", s)]


def _too_long(section: str, what: str, n: int, limit: int) -> ReportParseError:
    return ReportParseError(
        f"section {section!r} has {what} of {n:,} characters (limit {limit:,}); not a report"
    )


def split_statements(section: str, text: str) -> list[Statement]:
    """Statements of one section, in order. A paragraph or statement beyond the limits above is refused
    with a ReportParseError."""
    texts: list[str] = []
    for is_bullet, unit in _units(text):
        if is_bullet:
            texts.append(unit)
        elif len(unit) > MAX_PARAGRAPH_CHARS:
            raise _too_long(section, "a paragraph", len(unit), MAX_PARAGRAPH_CHARS)
        else:
            texts += _sentences(unit)
    longest = max(texts, key=len, default="")
    if len(longest) > MAX_STATEMENT_CHARS:
        raise _too_long(section, "a statement", len(longest), MAX_STATEMENT_CHARS)
    return [Statement(section, i, t) for i, t in enumerate(texts)]


def bullet_items(text: str) -> list[str]:
    """Items of a list section (Themenfelder, Beteiligte Akteure): the bullets, or else the
    comma- or semicolon-separated parts of each line."""
    units = _units(text)
    bullets = [unit for is_bullet, unit in units if is_bullet]
    if bullets:
        return [b.rstrip(" ,;.") for b in bullets]
    items: list[str] = []
    for _, unit in units:
        for part in re.split(r"[;,](?![^()]*\))|(?<=[a-zäöüß)])\.\s+(?=[A-ZÄÖÜ])", unit):
            part = part.strip(" .")
            if re.search(r"[^\W\d_]{2,}", part):
                items.append(part)
    return items
