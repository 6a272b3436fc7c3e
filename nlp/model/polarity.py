"""Judgement polarity of a statement with valence shifters, clause by clause (sentiment features only).

A small hand-written domain lexicon (German, and a few English words: some reports are written in
English) gives words a polarity; a negator ("nicht", "keine", "keineswegs", "alles andere als", ...)
flips the polarity of the lexicon words in its scope, which runs to the end of its clause (punctuation
or a clause conjunction such as "aber", "weil", "dass"). A negator at the end of its clause with
nothing judged after it ("das lohnte sich nicht") scopes backwards over the clause. So "nicht übel",
"keine Beschwerden" and "keinerlei Probleme" count as positive, "keineswegs gelohnt" as negative.

The statement is also split into clauses at contrast markers ("aber", "jedoch", "allerdings", ...) and
punctuation; a positive and a negative clause in one statement, or a turn of polarity at a contrast
marker, is what `gemischt` looks like. Konjunktiv II and wish words mark wishes ("mehr Zeit wäre
schön"), which say that something was missing in a verdict and are neutral recommendations elsewhere,
so the wish is crossed with the section.

Everything here is a pure function of the statement's lower-cased text (whitespace normalised, as
`features.prepare` stores it) and its section, so the scikit-learn path and the word-level fast path
compute the same values by calling `polarity_values` once per statement.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Iterable, Sequence

import numpy as np

_ADJ_ENDINGS = ("", "e", "en", "er", "es", "em")


def _adjectives(words: str) -> set[str]:
    """Inflected forms of adjectives and participles ("gelungen" → gelungene, gelungenen, ...)."""
    return {w + e for w in words.split() for e in _ADJ_ENDINGS}


# Exact word forms (lower case).
_POSITIVE_WORDS = _adjectives(
    "gut besser best gelungen erfolgreich positiv zufrieden hervorragend super toll gewinnbringend "
    "bereichernd wertvoll hilfreich sinnvoll lohnend bewährt konstruktiv angenehm erfreulich "
    "begeistert lebendig gelobt produktiv überzeugend optimal ideal spannend interessant fruchtbar "
    "wertschätzend dankbar schön prima motiviert motivierend respektvoll fair souverän kompetent "
    "professionell reibungslos problemlos ausgezeichnet exzellent gelöst "
    "hochwertig informativ anregend inspirierend engagiert zielführend ergiebig effektiv effizient "
    "nützlich stark aufschlussreich harmonisch locker entspannt herzlich freundlich wohltuend "
    "gestärkt erfüllt zahlreich rege intensiv lebhaft klar gewinnend sachlich ruhig unkompliziert "
    "erstaunlich lohnenswert angemessen verständlich gewinnbringend "
    # enough and on time: "Die Zeit reichte völlig", "ausreichend Plätze", "pünktlich begonnen"
    "ausreichend genügend pünktlich rechtzeitig zügig "
    # praise words the corpus uses without any of the above ("übertroffen", "goldrichtig")
    "beeindruckend beeindruckt bemerkenswert vorbildlich goldrichtig geduldig einfühlsam stolz "
    "bewegend berührend berührt gerührt wunderbar wunderschön gerechtfertigt vertretbar erleichtert "
    "beruhigt gewürdigt übertroffen"
) | set(
    "gelohnt lohnt lohnte lohnten gelang gelingt gelingen gelangen funktioniert funktionierte "
    "funktionierten geklappt klappte klappten klappt bewährte bewährten bewährt überzeugte überzeugten "
    "überzeugt freuten freute freuen gefreut gefiel gefielen gefallen begeisterung erfolg erfolge "
    "zufriedenheit mehrwert gewinn bereicherung lob gelobt dank danke gern gerne klasse "
    "bestens prima gelacht bedankt gedankt gepasst passte ausgezahlt geschafft verbessert ausgeräumt "
    "geschätzt reicht reichte reichten reichen gereicht genügt genügte genügten genügen "
    "lobte lobten würdigte würdigten dankte dankten freude spaß applaus respekt wertschätzung "
    "renner türöffner "
    # English
    "good great excellent helpful successful success positive useful valuable well enjoyed enjoyable "
    "appreciated productive constructive worthwhile pleased satisfied happy interesting lively "
    "inspiring fruitful smooth smoothly worked works benefit beneficial fantastic wonderful nice "
    "impressive engaging informative effective glad praised praise enough sufficient punctual".split()
)
_NEGATIVE_WORDS = _adjectives(
    "schlecht übel mangelhaft schwierig problematisch enttäuschend enttäuscht kritisch gering niedrig "
    "ärgerlich gescheitert unzufrieden überfordert zäh mühsam störend gestört aggressiv feindselig unruhig "
    "unklar unverständlich vage oberflächlich unbefriedigend ernüchternd frustriert frustrierend schwach "
    "dünn teuer aufwendig aufwändig bürokratisch negativ verbesserungswürdig ausbaufähig bedauerlich "
    "langatmig langweilig chaotisch mies schwach unzureichend ungenügend dürftig mager holprig "
    "unstrukturiert unorganisiert angespannt schleppend zurückhaltend unübersichtlich "
    "überladen überfüllt fehlend mangelnd unbefriedigt unglücklich ungünstig unpassend "
    "misslungen verloren versandet einseitig gehemmt träge müde erschöpft gereizt unverhältnismäßig "
    # short of time or room: "knapp" (but not before a number, see `_clause`), "gehetzt", "beengt"
    "knapp gehetzt hektisch stressig beengt verspätet unpünktlich überlastet schwer "
    # complaint words the corpus uses without any of the above ("mäßig besucht", "überfrachtet")
    "mäßig grenzwertig überfrachtet verzögert verfehlt abgebrochen geschrumpft eingeschlafen stumm "
    "alleingelassen"
) | set(
    "leider schade fehlte fehlten fehlt fehlen gefehlt mangelte mangelt scheiterte scheiterten "
    "gescheitert scheitern versäumt vermisst vermissten vermisste bedauern bedauert kritisiert "
    "enttäuschung ernüchterung frust überforderung kritik nachteil nachteile nachteilen "
    "misslang misslungen hakte hakt stockte stockten litt litten leidet mangels wenig wenige wenigen "
    "bemängelt bemängelte bemängelten beklagt beklagte beklagten klagte klagten kritisierte "
    "kritisierten versäumnis versäumnisse wermutstropfen ewig befürchtet befürchtete befürchteten "
    # English
    "bad poor problem problems difficult difficulty difficulties lacking lack lacked missing missed "
    "unfortunately disappointing disappointed failed failure complaint complaints chaotic boring weak "
    "tedious criticism criticised criticized insufficient frustrating frustrated hard tense "
    "unclear confusing rushed cramped late".split()
)
# Noun heads (and compounds ending in them: "Sprachprobleme", "Zeitmangel").
_NEGATIVE_HEADS = (
    "problem probleme problemen problems schwierigkeit schwierigkeiten mangel mängel mängeln hürde "
    "hürden hindernis hindernisse hindernissen beschwerde beschwerden belastung belastungen "
    "herausforderung herausforderungen konflikt konflikte konflikten streit ärger enttäuschung "
    "kritikpunkt kritikpunkte defizit defizite defiziten engpass engpässe störung störungen "
    "schwachstelle schwachstellen schwäche schwächen missverständnis missverständnisse frust "
    "unmut widerstand widerstände barriere barrieren fehler unruhe zeitdruck verzögerung verzögerungen "
    # fears: "Die Befürchtungen haben sich nicht bestätigt" is the absence of something bad
    "befürchtung befürchtungen"
).split()
_POSITIVE_HEADS = (
    "erfolg erfolge highlight höhepunkt höhepunkte zufriedenheit begeisterung bereicherung "
    "mehrwert gewinn lob zuspruch"
).split()
# "-los" words are positive when their stem is a problem ("problemlos", "reibungslos").
_POSITIVE_WORDS |= _adjectives("problemlos reibungslos mühelos störungsfrei konfliktfrei")

NEGATORS = frozenset(
    "nicht kein keine keinen keinem keiner keines keinerlei keineswegs keinesfalls nie niemals nirgends "
    "nirgendwo niemand niemanden nichts kaum ohne weder "
    # "ausbleiben" negates what stays away, like a final "nicht": "der erhoffte Zulauf ist ausgeblieben"
    "ausgeblieben ausblieb ausblieben ausbleibt ausbleiben "
    # English
    "not no never nobody nothing without hardly neither nor none".split()
)
# Words after "nicht" that make it no negation of a judgement ("nicht nur ..., sondern auch").
_NOT_NEGATING = frozenset("nur zuletzt umsonst selten".split())
# Words that end a negation scope: clause conjunctions (contrast ones also start a contrast clause).
CONTRAST_MARKERS = frozenset(
    "aber jedoch allerdings sondern trotzdem dennoch wobei obwohl obgleich gleichwohl doch "
    "nichtsdestotrotz andererseits hingegen indes leider "
    # English
    "but however although though yet nevertheless whereas unfortunately".split()
)
CLAUSE_ENDS = CONTRAST_MARKERS | frozenset(
    "weil da dass daß damit sodass wenn als und sowie oder denn zumal während because and or since "
    "that when while".split()
)
_PUNCTUATION_ENDS = frozenset(',.;:!?()[]–—"„“”«»')
# "zu" + one of these is a complaint ("zu kurz", "zu wenig Zeit").
_TOO = frozenset(
    "wenig wenige wenigen kurz knapp lang lange viel viele vielen spät früh gering hoch groß klein voll "
    "eng laut schnell theoretisch allgemein abstrakt oberflächlich einseitig starr kurzfristig teuer "
    "aufwendig aufwändig gross schwer schwierig komplex kompliziert langatmig unkonkret "
    # English
    "short long little few many much late early small big large theoretical abstract".split()
)
_TOO_WORDS = frozenset({"zu", "too"})
# A decrease turns the judgement of what decreases around: fewer complaints are good news, waning
# interest bad news ("die Beschwerden sind zurückgegangen", "Vorbehalte wurden abgebaut"). Only forms
# that say nothing else: a bare "zurück" or "nach" is mostly a preposition or particle of another verb.
_DECREASE = frozenset(
    "zurückgegangen zurückgehen zurückging zurückgingen rückläufig rückgang gesunken abgenommen "
    "verringert verringerte verringerten abgebaut nachgelassen abgeflaut entschärft "
    "beseitigt verschwunden gemildert "
    # English
    "decreased declined diminished reduced dropped eased".split()
)
# "viel zu ehrgeizig", "etwas zu straff": after one of these, "zu" + any word is a complaint.
_TOO_INTENSIFIERS = frozenset("viel etwas deutlich recht sehr weit einfach far way".split())
# A number after a judgement word makes it a quantity ("knapp 3.000 €", "gut 40 Personen"), no judgement.
_NUMBER = re.compile(r"\d")
# Partial success and mixed verdicts ("teils, teils", "nur zum Teil", "mit Luft nach oben").
_MIXED_WORDS = frozenset(
    "teils teilweise durchwachsen gemischt bedingt ausbaufähig verbesserungswürdig ambivalent "
    "eingeschränkt mixed partly partially".split()
)
_MIXED_PHRASE_TEXTS = (
    "zum teil",
    "luft nach oben",
    "nur zum teil",
    "nur bedingt",
    "nur teilweise",
    "mit abstrichen",
    "nicht immer",
    "nicht alle",
    "nicht ganz",
    "nicht durchgehend",
    "mehr oder weniger",
    "einerseits",
)
_MIXED_PHRASES = re.compile(r"\b(?:" + "|".join(map(re.escape, _MIXED_PHRASE_TEXTS)) + r")\b")
_CONCEDING = frozenset({"trotz", "despite"})
# Konjunktiv II of the past and present counterfactual ("wäre hilfreich gewesen", "hätte vieles erleichtert").
_COUNTERFACTUAL = frozenset("hätte hätten wäre wären would".split())
# A cause is not what a negator at the end of the clause denies: in "wurde mangels Raum nicht verwirklicht"
# and "ist wegen Verzögerungen nicht zustande gekommen" the lack and the delay stay bad news.
_CAUSAL = frozenset("wegen mangels aufgrund infolge angesichts because due".split())
_CONCESSIVE = frozenset("zwar einerseits obwohl obgleich although though".split())
# Konjunktiv II and wish words.
_SUBJUNCTIVE = frozenset(
    "hätte hätten wäre wären würde würden könnte könnten sollte sollten müsste müssten dürfte "
    "wünschenswert gewünscht wünschen wünschte wünschten wünscht wunsch wünsche should would could "
    "wish wished".split()
)
_MORE = frozenset(
    "mehr stärker früher besser länger größer intensiver ausführlicher konkreter häufiger öfter more "
    "better".split()
)
_JUDGED_SECTIONS = frozenset({"bewertung", "kosten"})
# English words after which "bad" followed by another word is the English judgement ("a bad start", "was
# bad at"); elsewhere a "bad" with a word after it starts a place name ("Bad Saulgau", "aus Bad Urach").
_BAD_AFTER = frozenset("a is was were are be been being not too very so really pretty quite rather".split())
# Conjunctions that join words as often as clauses ("zwischen Anwohnern und Helfern").
_JOINING = frozenset("und oder sowie and or".split())
# Words, and the punctuation that ends a clause (other punctuation is skipped).
_TOKEN = re.compile("[\\w']+|[" + re.escape("".join(sorted(_PUNCTUATION_ENDS))) + "]")
_BOUNDARIES = _PUNCTUATION_ENDS | CLAUSE_ENDS
# Words without which a statement has no polarity feature but a polarity word (`word_polarity`); the
# words of `_MIXED_PHRASES` among them.
_MARKERS = NEGATORS | _MIXED_WORDS | _SUBJUNCTIVE | {"teil", "luft", "abstrichen", "weniger", "einerseits"}

FEATURE_NAMES = (
    "polarity: positive",
    "polarity: negative",
    "polarity: litotes (negated negative)",
    "polarity: negated positive",
    "polarity: bare negation",
    "polarity: too (zu + adjective)",
    "polarity: positive clauses",
    "polarity: negative clauses",
    "polarity: positive and negative clause",
    "polarity: turn at a contrast marker",
    "polarity: negative after contrast, nothing judged before",
    "polarity: positive after contrast, nothing judged before",
    "polarity: net positive",
    "polarity: net negative",
    "polarity: partial or mixed",
    "polarity: wish",
    "polarity: wish for more",
    "polarity: wish in a verdict",
    "polarity: wish elsewhere",
    "verdict: positive",
    "verdict: negative",
    "verdict: mixed",
    # In a statement of a few words ("nicht gut", "Top!") the verdict is most of what there is to go by;
    # word features of so short a text are few and pulled by other short answers ("Eher nicht.").
    "verdict of a short statement: positive",
    "verdict of a short statement: negative",
)
N_FEATURES = len(FEATURE_NAMES)


@functools.lru_cache(maxsize=100_000)
def word_polarity(word: str) -> int:
    """+1, -1 or 0 for one lower-case word form."""
    if word in _POSITIVE_WORDS:
        return 1
    if word in _NEGATIVE_WORDS:
        return -1
    if word.startswith("un") and word[2:] in _POSITIVE_WORDS:
        return -1  # "unsachlich", "unfreundlich", "unprofessionell", "unhelpful"
    if len(word) > 3:
        if word.endswith(tuple(_NEGATIVE_HEADS)):
            return -1
        if word.endswith(tuple(_POSITIVE_HEADS)):
            return 1
    return 0


# The separable "blieb(en) ... aus" at the end of its clause is a negator as "ausgeblieben" is
# (`NEGATORS`): "Die befürchteten Proteste blieben aus".
_STAYED_AWAY = re.compile(r"\b(bleibt|bleiben|blieb|blieben)\b([^,.;:!?]*?)\baus\b(?=\s*(?:[,.;:!?)]|$))")
_LEFT_ALONE = re.compile(r"\balleine? gelassen\b")


# What the rules ask of a word, as bits of one int (`_FLAGS`), so that a statement's words are looked up
# once and "does the statement have a word of this kind" is one `&` on the union of their bits: the clause
# rules only look for the words the statement has.
_POSITIVE, _NEGATIVE, _MARKER, _TOO_WORD, _TOO_WORDS_AFTER, _TOO_INTENSIFIER = 1, 2, 4, 8, 16, 32
_BOUNDARY, _PUNCTUATION, _NEGATOR, _CONCEDING_WORD, _COUNTERFACTUAL_WORD = 64, 128, 256, 512, 1024
_DECREASE_WORD, _CAUSAL_WORD, _CONCESSIVE_WORD, _MIXED_WORD = 2048, 4096, 8192, 16384
_SUBJUNCTIVE_WORD, _MORE_WORD = 32768, 65536
_JUDGING = _POSITIVE | _NEGATIVE | _MARKER
# The bits of every word a rule names (a word's polarity is added when it is first looked up).
_NAMED_BITS: dict[str, int] = {}
for _words, _flag in (
    (_MARKERS, _MARKER),
    (_TOO_WORDS, _TOO_WORD),
    (_TOO, _TOO_WORDS_AFTER),
    (_TOO_INTENSIFIERS, _TOO_INTENSIFIER),
    (_BOUNDARIES, _BOUNDARY),
    (_PUNCTUATION_ENDS, _PUNCTUATION),
    (NEGATORS, _NEGATOR),
    (_CONCEDING, _CONCEDING_WORD),
    (_COUNTERFACTUAL, _COUNTERFACTUAL_WORD),
    (_DECREASE, _DECREASE_WORD),
    (_CAUSAL, _CAUSAL_WORD),
    (_CONCESSIVE, _CONCESSIVE_WORD),
    (_MIXED_WORDS, _MIXED_WORD),
    (_SUBJUNCTIVE, _SUBJUNCTIVE_WORD),
    (_MORE, _MORE_WORD),
):
    for _word in _words:
        _NAMED_BITS[_word] = _NAMED_BITS.get(_word, 0) | _flag
del _words, _flag, _word
# Words looked up at most (then the lookups start afresh): bounds memory under a stream of new words.
MAX_CACHED_WORDS = 100_000


class _Flags(dict[str, int]):
    """Token → its bits, each computed on first lookup. A token that gives a statement no feature by itself
    (no polarity, no marker, not "zu" or "too") also goes into `_QUIET`: a statement of such tokens only has
    all-zero features, which one set operation finds."""

    def __missing__(self, word: str) -> int:
        if len(self) >= MAX_CACHED_WORDS:
            self.clear()
            _QUIET.clear()
        polarity = word_polarity(word)
        flags = _NAMED_BITS.get(word, 0) | (_POSITIVE if polarity > 0 else _NEGATIVE if polarity < 0 else 0)
        self[word] = flags
        if not flags & (_JUDGING | _TOO_WORD):
            _QUIET.add(word)
        return flags


_QUIET: set[str] = set()
_FLAGS = _Flags()
# A word's `word_polarity` from its flags' two lowest bits (`_POSITIVE`, `_NEGATIVE`).
_SIGN = (0, 1, -1, 0)


def _may_mix(text: str) -> bool:
    """Whether `_MIXED_PHRASES` can match: one of its phrases is in the text (the pattern then checks
    that it stands between word boundaries)."""
    return any(phrase in text for phrase in _MIXED_PHRASE_TEXTS)


def _rewritten(text: str) -> str:
    """The text with the phrases that negate rewritten into one word each ("alles andere als" → "nicht")."""
    text = text.replace("alles andere als", "nicht").replace("n't", " not").replace("nicht nur", "nichtnur")
    if "blieb" in text or "bleib" in text:
        text = _STAYED_AWAY.sub(r"\1\2nicht", text)
    if "gelassen" in text:
        text = _LEFT_ALONE.sub("alleingelassen", text)
    return text


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_rewritten(text))


def _clause(
    words: list[str], polarity: list[int], present: int = -1, judged: bool = False
) -> tuple[int, int, int, int, int, int, int]:
    """(positive, negative, litotes, negated positive, bare negations, too, sign) of one clause, from its
    words and their `word_polarity` (a list of its own, changed here). `present`: the flags of the
    statement's words (only the rules for words it has are tried); `judged`: the statement stands in a
    section that judges, where a counterfactual says what was missing."""
    n = len(words)
    if present & _CONCEDING_WORD and not _CONCEDING.isdisjoint(words):
        # "trotz intensiver Werbung kamen nur wenige": the conceded words after "trotz" judge nothing
        for i, w in enumerate(words):
            if w in _CONCEDING:
                polarity[i + 1 : i + 4] = [0] * len(polarity[i + 1 : i + 4])
    for i in itertools.compress(range(n - 1), polarity):
        if _NUMBER.match(words[i + 1]) or words[i] == "bad" and not (i and words[i - 1] in _BAD_AFTER):
            # a quantity ("knapp 3.000 €"); "Bad Saulgau", "in Bad Wildbad": a place, not the English word
            polarity[i] = 0
    too = 0
    if present & _TOO_WORD and not _TOO_WORDS.isdisjoint(words):
        for i, w in enumerate(words[:-1]):
            if w in _TOO_WORDS and (words[i + 1] in _TOO or i and words[i - 1] in _TOO_INTENSIFIERS):
                polarity[i + 1] = -1
                too += 1
    negators = (
        [
            i
            for i, w in enumerate(words)
            if w in NEGATORS and not (i + 1 < n and words[i + 1] in _NOT_NEGATING)
        ]
        if present & _NEGATOR and not NEGATORS.isdisjoint(words)
        else []
    )
    judging = list(itertools.compress(range(n), polarity))
    if not negators and not judging:
        return 0, 0, 0, 0, 0, too, 0
    flipped: list[bool] | None = None
    if judged and present & _COUNTERFACTUAL_WORD and not _COUNTERFACTUAL.isdisjoint(words):
        # "Eine Pause wäre hilfreich gewesen", "hätte vieles erleichtert": in a verdict the praise of what
        # would have been says it was missing (a negator in the clause turns it back: "ohne Sie hätten wir
        # das nicht geschafft" is praise)
        flipped = [bool(p > 0) for p in polarity]
    if present & _DECREASE_WORD and not _DECREASE.isdisjoint(words):
        # the judged words of the clause are what decreases
        flipped = [bool(p) and w not in _DECREASE for w, p in zip(words, polarity, strict=True)]
    caused = set()
    if present & _CAUSAL_WORD and not _CAUSAL.isdisjoint(words):
        caused = {j for i, w in enumerate(words) if w in _CAUSAL for j in range(i, i + 4)}
    bare = 0
    for i in negators:
        scope = [j for j in judging if j > i] or [j for j in judging if j < i and j not in caused]
        if scope:
            if flipped is None:
                flipped = [False] * n
            for j in scope:
                flipped[j] = not flipped[j]
        bare += not scope
    if flipped is None:
        pos, neg = polarity.count(1), polarity.count(-1)
        litotes = negated_pos = 0
        score = pos - neg
    else:
        pos = neg = litotes = negated_pos = score = 0
        for j in judging:
            p = polarity[j]
            if flipped[j]:
                litotes += p < 0
                negated_pos += p > 0
                p = -p
            pos += p > 0
            neg += p < 0
            score += p
    if bare and not score:
        score = -1
    return pos, neg, litotes, negated_pos, bare, too, (score > 0) - (score < 0)


def polarity_values(text: str, section: str | None = None) -> np.ndarray:
    """The polarity features of one statement (lower-cased, whitespace-normalised text)."""
    return scaled([raw_values(text, section)])[0]


def scaled(rows: Sequence[Sequence[int | bool]]) -> np.ndarray:
    """The feature matrix from rows of `raw_values`."""
    return np.array(rows, dtype=float).reshape(-1, N_FEATURES) / 3.0


_NOTHING = (0,) * N_FEATURES
# A statement of at most this many words is short (`FEATURE_NAMES`).
SHORT_WORDS = 3


def _joined_negations(
    clauses: list[tuple[str | None, list[str], list[int]]], present: int
) -> list[tuple[str | None, list[str], list[int]]]:
    """A clause after "und"/"oder" that ends in its negator and judges nothing itself ("Zu Konflikten
    zwischen Anwohnern | und Helfern kam es nicht") negates the clause before it: the two are one clause,
    as a sentence-final "nicht" negates the whole sentence. Only when the clause before has no negator.
    Clauses as (opener, words, their `word_polarity`); `present`: the flags of the statement's words."""
    if not present & _NEGATOR:
        return clauses
    joined: list[tuple[str | None, list[str], list[int]]] = []
    for opener, words, polarity in clauses:
        if (
            joined
            and opener in _JOINING
            and words
            and words[-1] in NEGATORS
            and not any(polarity)
            and NEGATORS.isdisjoint(joined[-1][1])
            and any(joined[-1][2])
        ):
            previous_opener, previous, previous_polarity = joined[-1]
            joined[-1] = (previous_opener, [*previous, *words], [*previous_polarity, *polarity])
        else:
            joined.append((opener, words, polarity))
    return joined


def raw_values(text: str, section: str | None) -> tuple[int | bool, ...]:
    """The features of one statement as small integers (`scaled` makes the feature values of them)."""
    tokens = _tokens(text)
    if _QUIET.issuperset(tokens):
        return _NOTHING  # nothing judged, negated, too much, mixed or wished: every feature is 0
    flags = list(map(_FLAGS.__getitem__, tokens))
    present = functools.reduce(operator.or_, flags, 0)
    if not present & _JUDGING and not (
        present & _TOO_WORD and present & (_TOO_WORDS_AFTER | _TOO_INTENSIFIER)
    ):
        return _NOTHING
    polarity = [_SIGN[f & 3] for f in flags]
    # Clauses: (opener, words, polarity); a clause conjunction starts a new clause and is remembered as its
    # opener; punctuation ends a clause.
    clauses: list[tuple[str | None, list[str], list[int]]] = []
    opener: str | None = None
    start = punctuation = 0
    if present & _BOUNDARY:
        for end in itertools.compress(
            itertools.count(), map(operator.and_, flags, itertools.repeat(_BOUNDARY))
        ):
            if end > start:
                clauses.append((opener, tokens[start:end], polarity[start:end]))
                opener = None
            if flags[end] & _PUNCTUATION:
                punctuation += 1
            else:
                opener = tokens[end]
            start = end + 1
    if start < len(tokens):
        clauses.append((opener, tokens[start:], polarity[start:]))
    clauses = _joined_negations(clauses, present)
    judged = (section or "") in _JUDGED_SECTIONS
    pos = neg = litotes = negated_pos = bare = too = 0
    clause_polarity: list[tuple[str | None, int]] = []
    for opener, words, word_polarities in clauses:
        p, q, lit, negp, b, t, sign = _clause(words, word_polarities, present, judged)
        pos += p
        neg += q
        litotes += lit
        negated_pos += negp
        bare += b
        too += t
        clause_polarity.append((opener, sign))
    signs = [s for _, s in clause_polarity]
    turn = before_nothing_neg = before_nothing_pos = 0
    for k, (opener, sign) in enumerate(clause_polarity):
        if k == 0 or opener not in CONTRAST_MARKERS or not sign:
            continue
        earlier = [s for s in signs[:k] if s]
        if earlier and earlier[-1] == -sign:
            turn = 1
        elif not earlier:
            before_nothing_neg |= sign < 0
            before_nothing_pos |= sign > 0
    concessive = bool(present & _CONCESSIVE_WORD)
    mixed = len(_MIXED_PHRASES.findall(text)) if _may_mix(text) else 0
    if present & _MIXED_WORD:
        mixed += sum(w in _MIXED_WORDS for w in tokens)
    wish = bool(present & _SUBJUNCTIVE_WORD)
    wish_more = wish and bool(present & _MORE_WORD)
    # a judged word, not a bare "nicht" ("Eher nicht." under Kosten answers the form and judges nothing)
    short = bool(pos or neg) and len(tokens) - punctuation <= SHORT_WORDS
    net = pos - neg
    both = 1 in signs and -1 in signs
    # One verdict from the rules: a turn or a concession with both polarities is mixed; after a contrast
    # marker with nothing judged before, the clause after it decides; otherwise the balance does.
    if turn or (concessive and both) or mixed:
        verdict = 0
    elif before_nothing_neg or before_nothing_pos:
        verdict = -1 if before_nothing_neg else 1
    elif both:
        verdict = 0
    else:
        judged_signs = [s for s in signs if s]
        verdict = (net > 0) - (net < 0) if net else (judged_signs[-1] if judged_signs else 2)
    positive_clauses, negative_clauses = signs.count(1), signs.count(-1)
    # the counts capped (`x if x < 3 else 3` is `min(x, 3)` without a call)
    return (
        pos if pos < 3 else 3,
        neg if neg < 3 else 3,
        litotes if litotes < 2 else 2,
        negated_pos if negated_pos < 2 else 2,
        bare if bare < 2 else 2,
        too if too < 2 else 2,
        positive_clauses if positive_clauses < 3 else 3,
        negative_clauses if negative_clauses < 3 else 3,
        both,
        turn or (concessive and both),
        before_nothing_neg,
        before_nothing_pos,
        (net if net < 3 else 3) if net > 0 else 0,
        (-net if net > -3 else 3) if net < 0 else 0,
        mixed if mixed < 2 else 2,
        wish,
        wish_more,
        wish and judged,
        wish and not judged,
        3 * (verdict == 1),
        3 * (verdict == -1),
        3 * (verdict == 0),
        3 * (verdict == 1 and short),
        3 * (verdict == -1 and short),
    )


def polarity_matrix(texts: Iterable[str], sections: Iterable[str | None]) -> np.ndarray:
    """Rows of `polarity_values`; `texts` as `features.prepare` stores them (lower case, normalised)."""
    return scaled([raw_values(t, s) for t, s in zip(texts, sections, strict=True)])
