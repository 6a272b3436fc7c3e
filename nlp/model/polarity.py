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
_MIXED_PHRASES = re.compile(
    r"\b(?:zum teil|luft nach oben|nur zum teil|nur bedingt|nur teilweise|mit abstrichen|"
    r"nicht immer|nicht alle|nicht ganz|nicht durchgehend|mehr oder weniger|einerseits)\b"
)
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


def _tokens(text: str) -> list[str]:
    text = text.replace("alles andere als", "nicht").replace("n't", " not").replace("nicht nur", "nichtnur")
    if "blieb" in text or "bleib" in text:
        text = _STAYED_AWAY.sub(r"\1\2nicht", text)
    if "gelassen" in text:
        text = _LEFT_ALONE.sub("alleingelassen", text)
    return _TOKEN.findall(text)


def _clause(words: list[str], judged: bool = False) -> tuple[int, int, int, int, int, int, int]:
    """(positive, negative, litotes, negated positive, bare negations, too, sign) of one clause. `judged`:
    the statement stands in a section that judges, where a counterfactual says what was missing."""
    polarity = list(map(word_polarity, words))
    if not _CONCEDING.isdisjoint(words):
        # "trotz intensiver Werbung kamen nur wenige": the conceded words after "trotz" judge nothing
        for i, w in enumerate(words):
            if w in _CONCEDING:
                polarity[i + 1 : i + 4] = [0] * len(polarity[i + 1 : i + 4])
    for i in range(len(words) - 1):
        if polarity[i] and _NUMBER.match(words[i + 1]):
            polarity[i] = 0
        elif words[i] == "bad" and not (i and words[i - 1] in _BAD_AFTER):
            polarity[i] = 0  # "Bad Saulgau", "in Bad Wildbad": a place, not the English word
    too = 0
    if not _TOO_WORDS.isdisjoint(words):
        for i, w in enumerate(words[:-1]):
            if w in _TOO_WORDS and (words[i + 1] in _TOO or i and words[i - 1] in _TOO_INTENSIFIERS):
                polarity[i + 1] = -1
                too += 1
    negators = [
        i
        for i, w in enumerate(words)
        if w in NEGATORS and not (i + 1 < len(words) and words[i + 1] in _NOT_NEGATING)
    ]
    if not negators and not any(polarity):
        return 0, 0, 0, 0, 0, too, 0
    flipped = [False] * len(words)
    if judged and not _COUNTERFACTUAL.isdisjoint(words):
        # "Eine Pause wäre hilfreich gewesen", "hätte vieles erleichtert": in a verdict the praise of what
        # would have been says it was missing (a negator in the clause turns it back: "ohne Sie hätten wir
        # das nicht geschafft" is praise)
        flipped = [bool(p > 0) for p in polarity]
    if not _DECREASE.isdisjoint(words):
        for j, (w, p) in enumerate(zip(words, polarity, strict=True)):
            flipped[j] = bool(p) and w not in _DECREASE  # the judged words of the clause are what decreases
    caused = [False] * len(words)
    if not _CAUSAL.isdisjoint(words):
        for i, w in enumerate(words):
            if w in _CAUSAL:
                caused[i : i + 4] = [True] * len(caused[i : i + 4])
    bare = 0
    for i in negators:
        after = [j for j in range(i + 1, len(words)) if polarity[j]]
        scope = after or [j for j in range(i) if polarity[j] and not caused[j]]
        for j in scope:
            flipped[j] = not flipped[j]
        bare += not scope
    pos = neg = litotes = negated_pos = score = 0
    for p, f in zip(polarity, flipped, strict=True):
        if not p:
            continue
        if f:
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


def _joined_negations(clauses: list[tuple[str | None, list[str]]]) -> list[tuple[str | None, list[str]]]:
    """A clause after "und"/"oder" that ends in its negator and judges nothing itself ("Zu Konflikten
    zwischen Anwohnern | und Helfern kam es nicht") negates the clause before it: the two are one clause,
    as a sentence-final "nicht" negates the whole sentence. Only when the clause before has no negator."""
    joined: list[tuple[str | None, list[str]]] = []
    for opener, words in clauses:
        if (
            joined
            and opener in _JOINING
            and words
            and words[-1] in NEGATORS
            and not any(map(word_polarity, words))
            and NEGATORS.isdisjoint(joined[-1][1])
            and any(map(word_polarity, joined[-1][1]))
        ):
            previous_opener, previous = joined[-1]
            joined[-1] = (previous_opener, [*previous, *words])
        else:
            joined.append((opener, words))
    return joined


def raw_values(text: str, section: str | None) -> tuple[int | bool, ...]:
    """The features of one statement as small integers (`scaled` makes the feature values of them)."""
    tokens = _tokens(text)
    if (
        _MARKERS.isdisjoint(tokens)
        and (
            _TOO_WORDS.isdisjoint(tokens) or _TOO.isdisjoint(tokens) and _TOO_INTENSIFIERS.isdisjoint(tokens)
        )
        and not any(map(word_polarity, tokens))
    ):
        return _NOTHING  # nothing judged, negated, too much, mixed or wished: every feature is 0
    # Clauses: (opener, words); a clause conjunction starts a new clause and is remembered as its opener.
    clauses: list[tuple[str | None, list[str]]] = [(None, [])]
    words = clauses[-1][1]
    for token in tokens:
        if token in _BOUNDARIES:
            if token in _PUNCTUATION_ENDS:
                if words:
                    words = []
                    clauses.append((None, words))
            elif words:
                words = []
                clauses.append((token, words))
            else:
                clauses[-1] = (token, words)
        else:
            words.append(token)
    clauses = _joined_negations(clauses)
    judged = (section or "") in _JUDGED_SECTIONS
    pos = neg = litotes = negated_pos = bare = too = 0
    clause_polarity: list[tuple[str | None, int]] = []
    for opener, words in clauses:
        if not words:
            continue
        p, q, lit, negp, b, t, sign = _clause(words, judged)
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
    present = set(tokens)  # the marker sets hold words only, so punctuation never matches
    concessive = not _CONCESSIVE.isdisjoint(present)
    mixed = len(_MIXED_PHRASES.findall(text))
    if not _MIXED_WORDS.isdisjoint(present):
        mixed += sum(w in _MIXED_WORDS for w in tokens)
    wish = not _SUBJUNCTIVE.isdisjoint(present)
    wish_more = wish and not _MORE.isdisjoint(present)
    # a judged word, not a bare "nicht" ("Eher nicht." under Kosten answers the form and judges nothing)
    short = bool(pos or neg) and sum(t not in _PUNCTUATION_ENDS for t in tokens) <= SHORT_WORDS
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
    return (
        min(pos, 3),
        min(neg, 3),
        min(litotes, 2),
        min(negated_pos, 2),
        min(bare, 2),
        min(too, 2),
        min(signs.count(1), 3),
        min(signs.count(-1), 3),
        both,
        turn or (concessive and both),
        before_nothing_neg,
        before_nothing_pos,
        min(max(net, 0), 3),
        min(max(-net, 0), 3),
        min(mixed, 2),
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
