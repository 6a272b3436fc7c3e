"""The German spaCy pipelines: a light sentence splitter for the parser and the full pipeline for features.

`de_core_news_sm` is used when installed; otherwise `spacy.blank("de")` with a lookup lemmatizer
from spacy-lookups-data. Nothing is ever downloaded.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

TRAINED_PIPELINE = "de_core_news_sm"
BLANK_PIPELINE = "blank:de+lookup"

# Abbreviations common in the reports. spaCy's German tokenizer knows many in lower case but not
# capitalised at the start of a sentence ("Insg.", "Ggf.", "Ca."), and some not at all ("insg.").
ABBREVIATIONS = (
    "insg. ggf. ggfs. ca. evtl. bzw. usw. etc. inkl. zzgl. vgl. max. min. mind. bspw. sog. std. "
    "tel. hr. fr. nr. dr. prof. str. abs. mio. mrd. tsd. u. o. f. ff. s. v. z. d. h. i. a. "
    "allg. ehem. gem. jew. lt. rd. tlw. teilw. versch. bzgl. zw. ggü. bzw. eigtl. anschl. "
    "jan. feb. mär. apr. jun. jul. aug. sep. sept. okt. nov. dez. "
    "z.b. z.t. u.a. u.ä. o.ä. d.h. v.a. i.d.r. u.u. u.v.m. s.o. s.u. bgm. pers. vers. "
    "wg. ext. zus. einzelpers. koord. ehrenamtl. hauptamtl. veranst. kath. ev. bes. "
    "freiberufl. stellv. verantw. verantwortl. abt. zust. überw. städt. kommun. öffentl. gemeinsch."
).split()


QUOTES = {"„", "‚", "«", "»", '"', "“", "”", "‘", "’"}


# Words that start a sentence after a number ("... noch 8-10. Ca. 70 Geflüchtete"), where an
# ordinal would otherwise be assumed ("am 3. Workshop").
_SENTENCE_STARTERS = {
    "die", "der", "das", "es", "wir", "sie", "er", "ein", "eine", "im", "in", "am", "auch", "aber",
    "dabei", "insgesamt", "zudem", "außerdem", "leider", "dies", "diese", "dieser", "man", "ca.",
    "insg.", "ggf.", "evtl.", "rund", "etwa", "davon", "danach", "anschließend", "zum", "zur", "mit",
}  # fmt: skip


@Language.component("kfd_sentence_guard")
def sentence_guard(doc: Doc) -> Doc:
    """Keep the sentencizer from splitting after ordinals ("am 18. Februar"), before lower case and
    inside German quotes („Angekommen?!“ am ...)."""
    for i, token in enumerate(doc[1:], start=1):
        prev = doc[i - 1]
        if prev.text in ".!?" and token.text in QUOTES and i + 1 < len(doc):
            if prev.whitespace_ and not token.whitespace_:
                token.is_sent_start = True  # an opening quote: „Markt der Möglichkeiten“ starts a sentence
                doc[i + 1].is_sent_start = False
            else:
                token.is_sent_start = False  # a closing quote stays with its sentence
            continue
        if token.is_sent_start is not None:
            continue
        # spaCy keeps "2016." and "10." as one token, which the sentencizer never splits after.
        if re.fullmatch(r"\d{1,4}\.|\d[\d.:]*[.:]\d+\.", prev.text) and token.text[:1].isupper():
            # a year, date or clock time ("2016.", "18.02.2017.", "10:00.") ends the sentence
            if len(prev.text) >= 5 or token.lower_ in _SENTENCE_STARTERS:
                token.is_sent_start = True
                continue
        after_end = prev.text.endswith(".") or (prev.text in QUOTES and i >= 2 and doc[i - 2].text in ".!?")
        if not after_end:
            continue
        ordinal = (prev.text[:-1].isdigit() and len(prev.text) <= 3) or (
            prev.text == "." and i >= 2 and doc[i - 2].text.isdigit() and len(doc[i - 2]) <= 2
        )
        if token.text[:1].islower() or (ordinal and token.lower_ not in _SENTENCE_STARTERS):
            token.is_sent_start = False
    return doc


def _add_abbreviations(lang: Language) -> None:
    tokenizer: Any = lang.tokenizer  # a spaCy Tokenizer (typed as a plain callable)
    for abbr in ABBREVIATIONS:
        for form in {abbr, abbr.capitalize(), abbr[:1].upper() + abbr[1:]}:
            tokenizer.add_special_case(form, [{"ORTH": form}])


@functools.cache
def sentence_splitter() -> Language:
    """Tokenizer and rule-based sentencizer only: fast, the same whatever model is installed."""
    lang = spacy.blank("de")
    _add_abbreviations(lang)
    lang.add_pipe("kfd_sentence_guard")
    lang.add_pipe("sentencizer")
    return lang


@dataclass(frozen=True)
class PipelineInfo:
    name: str
    version: str


def available_pipeline() -> PipelineInfo:
    """The pipeline this machine would use, without loading it."""
    if spacy.util.is_package(TRAINED_PIPELINE):
        return PipelineInfo(TRAINED_PIPELINE, spacy.util.get_package_version(TRAINED_PIPELINE) or "")
    lookups = spacy.util.get_package_version("spacy-lookups-data") or "missing"
    return PipelineInfo(BLANK_PIPELINE, f"spacy {spacy.__version__}, spacy-lookups-data {lookups}")


@functools.cache
def load_pipeline(name: str | None = None) -> Language:
    """Load the German pipeline for lemmas, once per process. `name` defaults to the available one."""
    name = name or available_pipeline().name
    if name == TRAINED_PIPELINE:
        lang = spacy.load(TRAINED_PIPELINE, exclude=["ner", "parser"])
        _add_abbreviations(lang)
        return lang
    if name != BLANK_PIPELINE:
        raise ValueError(f"unknown spaCy pipeline {name!r}; known: {TRAINED_PIPELINE}, {BLANK_PIPELINE}")
    lang = spacy.blank("de")
    _add_abbreviations(lang)
    lang.add_pipe("lemmatizer", config={"mode": "lookup"})
    spacy_logger = logging.getLogger("spacy")
    level = spacy_logger.level
    spacy_logger.setLevel(logging.WARNING)  # initialize() logs two INFO lines on every start
    try:
        lang.initialize()  # loads the lookup table from the installed spacy-lookups-data package
    finally:
        spacy_logger.setLevel(level)
    return lang


def word_pipeline() -> Language:
    """The blank pipeline's tokenizer (`spacy.blank("de")` with the abbreviations) and nothing else: what
    the word-level features (`nlp.model.fastfeatures`) tokenise with. A new one on every call, since
    spaCy's tokenizer is not for threads."""
    lang = spacy.blank("de")
    _add_abbreviations(lang)
    return lang
