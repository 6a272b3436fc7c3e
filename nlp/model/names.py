"""Names masked before features: a town, a Landkreis or a person named in a statement must not change its
labels (the behaviour suite's invariance pairs), and a model must not learn that "Nagold" means a theme
because some training statements from Nagold had it.

`mask_names` replaces them in the text the features see (never in what is stored or shown):
- places by `PLACE`: the 1,828 places of `places.txt` (Baden-Württemberg's places of 1,000+ inhabitants
  and Germany's of 15,000+, from GeoNames) and the Kreise (`nlp.reading.regions.kreise`), also as the first
  part of a hyphenated word ("Stuttgart-Vaihingen"); names that are also common words ("Essen", "Halle")
  are not in the list;
- persons by `PERSON`: the capitalised words after "Herr"/"Frau" (not "eine junge Frau Deutsch…") or after
  a title or office ("Bürgermeister", "Landrätin", "Pfarrer", "Dr.") when they are a name: an academic
  title follows, two capitalised words follow ("Bürgermeister Klaus Wendlinger"), or one that the German
  dictionary (simplemma's) does not know ("Bürgermeister Wendlinger"). After an office a lone known word
  stays ("… dass die Moderatorin Konflikte auffing"), and so does a surname that is also a word
  ("Bürgermeister Müller").
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from nlp.model.lemmas import known
from nlp.reading.regions import kreise

PLACE = "Ooo"
PERSON = "Nnn"

# Words after which capitalised words are a person's name.
ADDRESS = frozenset({"Herr", "Herrn", "Frau"})
# Offices named whole; `OFFICE_ENDINGS` covers the rest ("Bürgermeisterin", "Landrätin", "Schulleiterin").
OFFICES = frozenset(
    """Bürgermeister Oberbürgermeister OB Landrat Pfarrer Pfarrerin Pastor Pastorin Dekan Dekanin Diakon
    Diakonin Staatssekretär Staatssekretärin Minister Ministerin Staatsminister Staatsministerin
    Beigeordneter Beigeordnete Ortsvorsteherin Integrationsbeauftragte Flüchtlingsbeauftragte Moderator
    Moderatorin Rektor Rektorin Kollege Kollegin Abgeordneter Abgeordnete MdL MdB""".split()
)
# Offices by their ending ("Jugendreferent", "Integrationsmanagerin"), in forms that are singular only:
# "die Sozialarbeiter Familien …" may be a plural before two nouns, "die Sozialarbeiterin" is one person.
OFFICE_ENDINGS = (
    "referent", "referentin", "koordinatorin", "managerin", "leiterin", "beraterin", "arbeiterin",
    "direktor", "direktorin", "präsident", "präsidentin", "vorsitzender", "rätin", "meisterin",
    "sprecherin", "beauftragter",
)  # fmt: skip
# Before a place, these become part of it: "im Landkreis Biberach" and "im Zollernalbkreis" read alike.
KREIS = frozenset({"Landkreis", "Landkreises", "Kreis", "Kreises", "Stadtkreis", "Stadtkreises"})
ACADEMIC = frozenset({"Dr.", "Prof.", "Dr", "Prof"})
# Before "Frau"/"Herr", these make it the noun ("eine junge Frau"), not a form of address.
DETERMINERS = frozenset(
    """der die das den dem des ein eine einer einem eines jede jeder jedem jeden keine keiner diese dieser
    diesem diesen jene unsere unserer manche manch welche welcher""".split()
)
PARTICLES = frozenset({"van", "de", "al", "el", "ben", "bin"})

# A word with its trailing full stop ("Dr.", a name ending a sentence), or any other run of non-spaces.
_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*\.?|\S")
_CAPITALISED = re.compile(r"\b[A-ZÄÖÜ][\w'’]*")


@functools.cache
def places() -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """(one-word places, two-word places as word pairs such as ("Bad", "Urach"))."""
    one: set[str] = set()
    two: set[tuple[str, str]] = set()
    lines = resources.files("nlp.model").joinpath("places.txt").read_text(encoding="utf-8").splitlines()
    names = [line for line in lines if line and not line.startswith("#")]
    names += [name for kreis in kreise() for name in (kreis.name, *kreis.aliases)]
    for name in names:
        words = name.split("/")[0].split()  # "Freiburg/Breisgau": the words a text has
        if len(words) == 1:
            one.add(words[0])
        elif len(words) == 2:
            two.add((words[0], words[1]))
    return frozenset(one), frozenset(two)


def _is_place(word: str, one: frozenset[str]) -> bool:
    if word in one:
        return True
    head, dash, _ = word.partition("-")
    return bool(dash) and head in one


def _place_length(words: list[str], i: int, one: frozenset[str], two: frozenset[tuple[str, str]]) -> int:
    """How many words from `i` make a place (0: none): two for "Bad Urach", one for "Nagold" or
    "Stuttgart-Vaihingen"."""
    if i >= len(words):
        return 0
    word = words[i].rstrip(".")
    if i + 1 < len(words) and (word, words[i + 1].rstrip(".")) in two:
        return 2
    return 1 if _is_place(word, one) else 0


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper() or word in ACADEMIC


def _name_length(words: list[str], start: int, after_office: bool) -> int:
    """How many words from `start` make a person's name (0: none)."""
    n = 0
    academic = False
    while start + n < len(words) and n < 5:
        word = words[start + n]
        if word in ACADEMIC:
            academic = True
        elif word in PARTICLES and n and start + n + 1 < len(words) and _capitalised(words[start + n + 1]):
            pass  # "Amal el Masri": the particle belongs to the name
        elif not _capitalised(word) or _is_office(word):
            break
        elif word.endswith("."):  # the name ends the sentence
            n += 1
            break
        n += 1
    # After an office, one word the dictionary knows is no name ("… dass die Moderatorin Konflikte auffing").
    if n == 1 and after_office and not academic and known(words[start].rstrip(".")):
        return 0
    return n


@functools.cache
def _triggers() -> frozenset[str]:
    """The capitalised words a place or a form of address starts with; with the offices (`_is_office`),
    the words without one of which a text has nothing to mask."""
    one, two = places()
    heads = {name.partition("-")[0] for name in one}  # "Castrop" of "Castrop-Rauxel"
    return one | heads | ADDRESS | {first for first, _ in two}


def _is_office(word: str) -> bool:
    return word in OFFICES or word.lower().endswith(OFFICE_ENDINGS)


class _ChunkFlags(dict[str, bool]):
    """Whether a whitespace-separated chunk holds a word a name may start at (a place, "Herr"/"Frau", an
    office), computed once per chunk: most statements have none, and looking their chunks up costs a
    fraction of reading their words. Emptied when it grows past `LIMIT` chunks."""

    LIMIT = 500_000

    def __missing__(self, chunk: str) -> bool:
        if len(self) >= self.LIMIT:
            self.clear()
        triggers = _triggers()
        flag = any(w in triggers or _is_office(w) for w in _CAPITALISED.findall(chunk))
        self[chunk] = flag
        return flag


_chunk_flags = _ChunkFlags()


def mask_names(text: str) -> str:
    """`text` with places and persons' names replaced by `PLACE` and `PERSON` (see the module); the rest
    of the text, spacing and punctuation included, is left as it is."""
    if not any(map(_chunk_flags.__getitem__, text.split())):
        return text
    one, two = places()
    matches = list(_WORD.finditer(text))
    words = [m.group() for m in matches]
    spans: list[tuple[int, int, str]] = []  # (first word, end word, replacement)
    i = 0
    while i < len(words):
        word = words[i]
        bare = word.rstrip(".")
        if word[:1].isupper():
            n = _place_length(words, i, one, two)
            if not n and word in KREIS:  # "Landkreis Biberach" reads as "Zollernalbkreis"
                n = _place_length(words, i + 1, one, two)
                n = n + 1 if n else 0
            if n:
                spans.append((i, i + n, PLACE))
                i += n
                continue
            address = bare in ADDRESS and not (
                i and words[i - 1].lower() in DETERMINERS or i > 1 and words[i - 2].lower() in DETERMINERS
            )
            if address or _is_office(bare):
                n = _name_length(words, i + 1, after_office=not address)
                if n:
                    spans.append((i + 1, i + 1 + n, PERSON))
                    i += n + 1
                    continue
        i += 1
    if not spans:
        return text
    out: list[str] = []
    at = 0
    for first, end, replacement in spans:
        out.append(text[at : matches[first].start()])
        out.append(replacement)
        last = matches[end - 1]
        at = last.end() - 1 if last.group().endswith(".") and last.group() not in ACADEMIC else last.end()
    out.append(text[at:])
    return "".join(out)
