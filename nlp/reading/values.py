"""German numbers, money amounts, dates, times and head counts as they are written in the reports.

Every reader returns the value plus human-readable warnings for anything doubtful it still read,
and never guesses silently.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3, "marz": 3,
    "mär": 3, "mrz": 3, "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10,
    "november": 11, "nov": 11, "dezember": 12, "dez": 12,
}  # fmt: skip
_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DASH = r"\s*(?:-|–|—|bis)\s*"
_APPROX = re.compile(r"\b(?:ca|circa|zirka|rd|rund|etwa|ungefähr|ungef|geschätzt|knapp|ca)\b\.?|~", re.I)

# A money amount: digits with German (or malformed) separators, then a currency, or a currency first.
_NUMBER = r"\d{1,3}(?:[.,' ]\d{3})+(?:,\d{1,2}|,-+)?|\d+(?:[.,]\d{1,2}|,-+)?"
_CURRENCY = r"(?:€|EUR\b|Euro\b|Eur\b)"
AMOUNT = re.compile(
    rf"(?P<num>{_NUMBER})(?:\s*(?:{_DASH})\s*(?P<num2>{_NUMBER}))?\s*(?P<tsd>Tsd\.?|T)?\s*{_CURRENCY}"
    rf"|{_CURRENCY}\s*(?P<num3>{_NUMBER})",
    re.I,
)


@dataclass(frozen=True)
class Amount:
    value: float
    approximate: bool
    start: int
    end: int


def parse_number(text: str) -> tuple[float | None, list[str]]:
    """Read a German-formatted number: "130.152", "4.160,00", "350", "1.200,-"; "4,160,00" with a warning."""
    raw = text.strip().replace("\u00a0", " ")
    raw = re.sub(r",-+$", "", raw)
    warnings: list[str] = []
    if re.fullmatch(r"\d+", raw):
        return float(raw), warnings
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?", raw):  # 4.160,00 / 130.152
        return float(raw.replace(".", "").replace(",", ".")), warnings
    if re.fullmatch(r"\d{1,3}(?: \d{3})+(?:,\d{1,2})?", raw) or re.fullmatch(
        r"\d{1,3}(?:'\d{3})+(?:,\d{1,2})?", raw
    ):  # 12 500 / 12'500
        return float(re.sub(r"[ ']", "", raw).replace(",", ".")), warnings
    if re.fullmatch(r"\d+,\d{1,2}", raw):  # 350,50
        return float(raw.replace(",", ".")), warnings
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+,\d{2}", raw):  # 4,160,00: thousands comma typed for a dot
        value = float(raw[:-3].replace(",", "") + "." + raw[-2:])
        warnings.append(f"malformed amount {raw!r} read as {value:.2f}")
        return value, warnings
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", raw):  # 4,160 in English notation
        value = float(raw.replace(",", ""))
        warnings.append(f"amount {raw!r} in English notation read as {value:.2f}")
        return value, warnings
    if re.fullmatch(r"\d+\.\d{1,2}", raw):  # 1200.50: decimal point instead of comma
        value = float(raw)
        warnings.append(f"amount {raw!r} with a decimal point read as {value:.2f}")
        return value, warnings
    return None, [f"unreadable number {raw!r}"]


def find_amounts(text: str) -> tuple[list[Amount], list[str]]:
    """All euro amounts in a line. A range ("1.500-2.000 €") counts as its upper end, approximate."""
    amounts: list[Amount] = []
    warnings: list[str] = []
    for m in AMOUNT.finditer(text):
        raw = m.group("num2") or m.group("num") or m.group("num3")
        value, w = parse_number(raw)
        warnings += w
        if value is None:
            continue
        if m.group("tsd"):
            value *= 1000
        before = text[max(0, m.start() - 12) : m.start()]
        approximate = bool(_APPROX.search(before)) or m.group("num2") is not None
        if m.group("num2"):
            warnings.append(f"amount range {m.group(0).strip()!r} read as its upper end {value:.2f}")
        amounts.append(Amount(value, approximate, m.start(), m.end()))
    return amounts, warnings


def _make_date(day: int, month: int, year: int, raw: str) -> tuple[dt.date | None, list[str]]:
    if year < 100:
        year += 2000
    if not 1990 <= year <= 2035:
        return None, [f"unreadable date {raw!r} (year {year}) ignored"]
    try:
        return dt.date(year, month, day), []
    except ValueError:
        return None, [f"impossible date {raw!r} ignored"]


def _day_range(first: int, last: int, month: int, year: int, raw: str) -> tuple[list[dt.date], list[str]]:
    if not 1 <= first <= last <= 31 or last - first > 14:
        return [], [f"unreadable date range {raw!r} ignored"]
    days, warnings = [], []
    for day in range(first, last + 1):
        date, w = _make_date(day, month, year, raw)
        warnings += w
        if date:
            days.append(date)
    return days, warnings


_YEAR = r"(?P<year>\d{2,4})(?!\d)"
_DATE_PATTERNS = [
    # 12.10.-14.10.2016, 30.09. bis 02.10.2016
    (
        "span",
        re.compile(
            rf"(?<![\d.])(?P<d1>\d{{1,2}})\.(?P<m1>\d{{1,2}})\.?{_DASH}(?P<d2>\d{{1,2}})\.(?P<m2>\d{{1,2}})\.\s?{_YEAR}"
        ),
    ),
    # 12.-14.10.2016, 12. bis 14.10.16
    (
        "range",
        re.compile(
            rf"(?<![\d.])(?P<d1>\d{{1,2}})\.?{_DASH}(?P<d2>\d{{1,2}})\.\s?(?P<month>\d{{1,2}})\.\s?{_YEAR}"
        ),
    ),
    # 12.-14. Oktober 2016
    (
        "range",
        re.compile(rf"(?<![\d.])(?P<d1>\d{{1,2}})\.?{_DASH}(?P<d2>\d{{1,2}})\.\s*{_MONTH}\s*{_YEAR}", re.I),
    ),
    # 3., 10. und 17. März 2017  /  17. und 29. November 2016
    (
        "list",
        re.compile(
            rf"(?<![\d.])(?P<days>(?:\d{{1,2}}\.\s*(?:,|und|u\.|sowie|&|/)\s*)+\d{{1,2}})\.\s*{_MONTH}\s*{_YEAR}",
            re.I,
        ),
    ),
    # 17.11. und 29.11.2016
    (
        "dmlist",
        re.compile(
            rf"(?<![\d.])(?P<dms>(?:\d{{1,2}}\.\d{{1,2}}\.\s*(?:,|und|u\.|sowie|&|/)\s*)+)(?P<day>\d{{1,2}})\.(?P<month>\d{{1,2}})\.\s?{_YEAR}"
        ),
    ),
    # 1.1.2017 - 3.1.2017
    (
        "fullspan",
        re.compile(
            rf"(?<![\d.])(?P<d1>\d{{1,2}})\.(?P<m1>\d{{1,2}})\.(?P<y1>\d{{4}}){_DASH}(?P<d2>\d{{1,2}})\.(?P<m2>\d{{1,2}})\.\s?{_YEAR}"
        ),
    ),
    # 23. und 24.09.2016
    (
        "dlist",
        re.compile(
            rf"(?<![\d.])(?P<days>(?:\d{{1,2}}\.\s*(?:,|und|u\.|sowie|&|/)\s*)+)(?P<day>\d{{1,2}})\.(?P<month>\d{{1,2}})\.\s?{_YEAR}"
        ),
    ),
    # 18.02.2017, 18.2.17, 29.11.216 (typo, warned)
    ("single", re.compile(rf"(?<![\d.])(?P<day>\d{{1,2}})\.\s?(?P<month>\d{{1,2}})\.\s?{_YEAR}")),
    # 18. Februar 2017
    ("single", re.compile(rf"(?<![\d.])(?P<day>\d{{1,2}})\.\s*{_MONTH}\s*{_YEAR}", re.I)),
    # "im Oktober 2016 (12., 19. und 26. Oktober)": the year is the one the text names nearby
    (
        "noyear",
        re.compile(
            rf"(?<![\d.])(?P<days>(?:\d{{1,2}}\.\s*(?:,|und|u\.|sowie|&|/|-|–|bis)\s*)*\d{{1,2}})\.\s*{_MONTH}(?!\s*\d)",
            re.I,
        ),
    ),
]
_ANY_YEAR = re.compile(r"(?<!\d)(?:199\d|20[0-3]\d)(?!\d)")


def _nearby_year(text: str, position: int) -> int | None:
    before = [int(m.group(0)) for m in _ANY_YEAR.finditer(text, 0, position)]
    if before:
        return before[-1]
    after = _ANY_YEAR.search(text, position)
    return int(after.group(0)) if after else None


def _month(value: str) -> int:
    return int(value) if value.isdigit() else MONTHS[value.lower().rstrip(".")]


_DIGITS = re.compile(r"\d+")


def _matches_at_numbers(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    r"""`pattern.finditer(text)` for a pattern whose every match starts with a digit that follows no digit
    (its leading negative lookbehind, `(?<![\d.])` or `(?<![\d.,])`): tried only where a run of digits
    starts, not at every character (re has no quick scan for a pattern that starts with a lookbehind;
    `match` at a position sees the text before it, so the lookbehind still decides)."""
    end = 0
    for run in _DIGITS.finditer(text):
        if run.start() >= end and (m := pattern.match(text, run.start())) is not None:
            yield m
            end = m.end()


def find_dates(text: str) -> tuple[list[dt.date], list[str]]:
    """Every calendar day a text names: single dates, day ranges and lists, in order of appearance."""
    found: list[tuple[int, dt.date]] = []
    warnings: list[str] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in _matches_at_numbers(pattern, text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            raw = m.group(0).strip()
            g = m.groupdict()
            if not 1 <= _month(g.get("month") or g.get("m2") or "1") <= 12:
                continue  # not a date (e.g. "1.500.2016" in a table)
            year = int(g["year"]) if g.get("year") else _nearby_year(text, m.start())
            if year is None:
                continue
            days: list[dt.date] = []
            if kind == "single":
                date, w = _make_date(int(g["day"]), _month(g["month"]), year, raw)
                days, warnings = ([date] if date else []), warnings + w
            elif kind == "range":
                days, w = _day_range(int(g["d1"]), int(g["d2"]), _month(g["month"]), year, raw)
                warnings += w
            elif kind == "noyear" and re.search(r"-|–|bis", g["days"]):
                ends = re.findall(r"\d{1,2}", g["days"])
                days, w = _day_range(int(ends[0]), int(ends[-1]), _month(g["month"]), year, raw)
                warnings += w
            elif kind in ("list", "noyear"):
                for day in re.findall(r"\d{1,2}", g["days"]):
                    date, w = _make_date(int(day), _month(g["month"]), year, raw)
                    warnings += w
                    days += [date] if date else []
            elif kind == "dmlist":
                for day, month in re.findall(r"(\d{1,2})\.(\d{1,2})\.", g["dms"]):
                    date, w = _make_date(int(day), int(month), year, raw)
                    warnings += w
                    days += [date] if date else []
                date, w = _make_date(int(g["day"]), int(g["month"]), year, raw)
                warnings += w
                days += [date] if date else []
            elif kind == "dlist":
                for day in [*re.findall(r"\d{1,2}", g["days"]), g["day"]]:
                    date, w = _make_date(int(day), int(g["month"]), year, raw)
                    warnings += w
                    days += [date] if date else []
            elif kind in ("span", "fullspan"):
                start, w1 = _make_date(int(g["d1"]), int(g["m1"]), year, raw)
                end, w2 = _make_date(int(g["d2"]), int(g["m2"]), year, raw)
                warnings += w1 + w2
                if start and end and 0 <= (end - start).days <= 14:
                    days = [start + dt.timedelta(d) for d in range((end - start).days + 1)]
                elif start and end:
                    warnings.append(f"unreadable date range {raw!r} ignored")
            taken.append((m.start(), m.end()))
            found += [(m.start(), day) for day in days]
    found.sort(key=lambda item: item[0])
    return [day for _, day in found], warnings


_TIME_RANGE = re.compile(
    r"(?<![\d.])(?P<h1>2[0-3]|[01]?\d)(?!\d)(?:[:.](?P<m1>[0-5]\d))?\s*(?:Uhr|h)?"
    r"\s*(?:-|–|—|bis)\s*(?:(?:ca|circa|etwa|gegen)\.?\s*)?(?P<h2>2[0-3]|[01]?\d)(?!\d)(?:[:.](?P<m2>[0-5]\d))?\s*(?P<uhr>Uhr|h\b)?",
    re.I,
)


def find_time_range(text: str) -> str | None:
    """The first clock-time range ("10:00 Uhr – 16:00 Uhr", "18-21 Uhr") as "10:00–16:00"."""
    for m in _matches_at_numbers(_TIME_RANGE, text):
        has_minutes = m.group("m1") is not None or m.group("m2") is not None
        if not (has_minutes or m.group("uhr")):
            continue  # "6-800" or "12-14" without "Uhr" is not a time
        if m.group("m1") is not None and m.group(0)[len(m.group("h1"))] == ".":
            tail = text[m.end() : m.end() + 3]
            if not m.group("uhr") and re.match(r"\s?\d", tail):
                continue  # a date like 18.02.-19.02.2017
        h1, h2 = int(m.group("h1")), int(m.group("h2"))
        if h2 < h1:
            continue
        return f"{h1:02d}:{m.group('m1') or '00'}–{h2:02d}:{m.group('m2') or '00'}"
    return None


_PEOPLE = (
    r"(?:Personen|Pers\.|Teilnehmer\w*|Teilnehmende\w*|TN\b|Bürger\w*|Besucher\w*|Gäste\w*|Menschen|"
    r"Leute|Ehrenamtlich\w*|Hauptamtlich\w*|Flüchtling\w*|Geflüchtet\w*|geflüchtet\w*|Asyl\w*|"
    r"Vertreter\w*|Akteur\w*|Jugendlich\w*|Frauen|Männer|Interessierte\w*|Engagierte\w*|Helfer\w*|"
    r"Anwesende\w*|Mitwirkende\w*|Gemeinderät\w*|Einwohner\w*)"
)
_COUNT = re.compile(
    r"(?<![\d.,])(?P<lo>\d{1,3}(?:\.\d{3})+|\d{1,4})(?:\s*(?:-|–|bis)\s*(?P<hi>\d{1,3}(?:\.\d{3})+|\d{1,4}))?(?![\d.,]\d)"
    r"(?=\s*(?:\+\s*)?(?:(?:\w+\s+){0,2}" + _PEOPLE + r"|(?:tatsächlich\s+|insgesamt\s+)?"
    r"(?:angemeldet|anwesend|da\b|dabei|gekommen|erschienen|Anmeldungen|Zusagen)))",
)
_COUNT_PREFIXED = re.compile(
    r"(?:insg\.?|insgesamt|gesamt|Anzahl|Teilnehmerzahl|TN-Zahl|Summe|ca\.|rund|etwa|über|knapp)\s*:?"
    r"\s*(?:ca\.?|rund|etwa|über|knapp)?"
    r"\s*(?P<lo>\d{1,3}(?:\.\d{3})+|\d{1,4})(?:\s*(?:-|–|bis)\s*(?P<hi>\d{1,3}(?:\.\d{3})+|\d{1,4}))?(?![\d.,]\d)",
    re.I,
)
_REFUGEE_WORD = (
    r"(?:Flüchtling\w*|Geflüchtet\w*|geflüchtet\w*|Asylbewerber\w*|Asylsuchend\w*|Schutzsuchend\w*)"
)
_REFUGEE_COUNT = re.compile(
    r"(?<![\d.,])(?P<lo>\d{1,4})(?:[ \t]*(?:-|–|bis)[ \t]*(?P<hi>\d{1,4}))?(?![\d.,]\d)[ \t]*(?:[a-zäöü]\w*[ \t]+)?"
    + _REFUGEE_WORD
    + r"|"
    + _REFUGEE_WORD
    + r"(?:\s*:|\s*\(|[ \t]+(?:insgesamt|insg\.|gesamt|ca\.|etwa|rund)?)[ \t]*(?:ca\.?\s*|rund\s*|etwa\s*)?"
    + r"(?P<lo2>\d{1,4})(?![\d.,]\d)(?![ \t]*(?:Uhr|€|Euro|%|Jahr\w*|Monat\w*|Woche\w*|Tag\w*|Abend\w*))"
)


def _upper(lo: str, hi: str | None) -> int:
    """ "6-800" means 600 to 800: the lower end is abbreviated to its leading digits."""
    return int((hi if hi is not None else lo).replace(".", ""))


def find_counts(text: str) -> list[int]:
    """Head counts stated in a text: "Insg. 180 Personen", "ca. 6-800 Personen", "45 TN"."""
    by_position = {
        m.start("lo"): _upper(m.group("lo"), m.group("hi")) for m in _matches_at_numbers(_COUNT, text)
    }
    for m in _COUNT_PREFIXED.finditer(text):
        by_position.setdefault(m.start("lo"), _upper(m.group("lo"), m.group("hi")))
    return [c for _, c in sorted(by_position.items()) if c > 0 and not 1990 <= c <= 2035]


_NO_REFUGEES = re.compile(r"\bkeine\s+(?:\w+\s+)?" + _REFUGEE_WORD, re.I)


def find_refugee_counts(text: str) -> list[int]:
    """Counts of refugees: "Teilnahme von 30 Flüchtlingen", "davon 12 Geflüchtete", "Geflüchtete (8)",
    "keine Geflüchteten" (0). Years are not counts ("Flüchtlinge 2016")."""
    counts = [
        _upper(m.group("lo"), m.group("hi")) if m.group("lo") else int(m.group("lo2"))
        for m in _REFUGEE_COUNT.finditer(text)
    ]
    return [0] * len(_NO_REFUGEES.findall(text)) + [c for c in counts if not 1990 <= c <= 2035]


def parse_int(text: str) -> tuple[int | None, list[str]]:
    """The first whole number in a field value ("130.152 (Stand ...)", "ca. 12 500 Einwohner")."""
    m = re.search(r"\d{1,3}(?:[.' ]\d{3})+(?!\d|,\d)|\d+(?![\d.,]\d)", text)
    if not m:
        return None, []
    value, warnings = parse_number(m.group(0))
    return (int(value) if value is not None else None), warnings
