"""German numbers, amounts, dates, clock times and head counts as the reports write them."""

from __future__ import annotations

import datetime as dt

import pytest

from nlp.reading import values


def _d(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("130.152", 130152.0),  # Einwohnerzahl with a thousands dot
        ("4.160,00", 4160.0),
        ("2.500,00", 2500.0),
        ("3.480", 3480.0),
        ("5.950,00", 5950.0),
        ("350", 350.0),
        ("350,50", 350.5),
        ("1.200,-", 1200.0),  # "glatter Betrag" written with a dash
        ("12 500", 12500.0),
        ("12'500", 12500.0),
        ("0", 0.0),
    ],
)
def test_parse_number_reads_german_format_without_warning(text, expected):
    value, warnings = values.parse_number(text)
    assert value == expected
    assert warnings == []


@pytest.mark.parametrize(
    ("text", "expected", "warning_part"),
    [
        ("4,160,00", 4160.0, "malformed amount '4,160,00'"),  # the seed's typo
        ("4,160", 4160.0, "English notation"),
        ("1200.50", 1200.5, "decimal point"),
    ],
)
def test_parse_number_reads_malformed_number_with_warning(text, expected, warning_part):
    value, warnings = values.parse_number(text)
    assert value == expected
    assert len(warnings) == 1
    assert warning_part in warnings[0]


@pytest.mark.parametrize("text", ["abc", "1.2.3", "", "12,345,6"])
def test_parse_number_unreadable_gives_none_and_warning(text):
    value, warnings = values.parse_number(text)
    assert value is None
    assert warnings and "unreadable number" in warnings[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("130.152 (Stand: 30.09.2015)", 130152),
        ("ca. 12 500 Einwohner", 12500),
        ("8.700", 8700),
        ("26231", 26231),
        ("keine Angabe", None),
    ],
)
def test_parse_int_reads_first_whole_number(text, expected):
    value, _ = values.parse_int(text)
    assert value == expected


# --- money amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "approximate"),
    [
        ("4.160,00 €", 4160.0, False),
        ("ca. 2.500,00 €", 2500.0, True),
        ("3.480 €", 3480.0, False),
        ("5.950,00 EUR", 5950.0, False),
        ("350 Euro", 350.0, False),
        ("rund 800 Euro", 800.0, True),
        ("ca.500 €", 500.0, True),
        ("€ 1.200", 1200.0, False),
        ("EUR 99,90", 99.9, False),
        ("12,50€", 12.5, False),
        ("Moderation 1.800,- €", 1800.0, False),
        ("2 Tsd. €", 2000.0, False),
        ("1,5 Tsd. €", 1500.0, False),
    ],
)
def test_find_amounts_reads_one_amount(text, expected, approximate):
    amounts, warnings = values.find_amounts(text)
    assert [(a.value, a.approximate) for a in amounts] == [(expected, approximate)]
    assert warnings == []


def test_find_amounts_reads_malformed_amount_with_warning():
    amounts, warnings = values.find_amounts("Beratung und Moderation: 4,160,00 €")
    assert [a.value for a in amounts] == [4160.0]
    assert any("4,160,00" in w for w in warnings)


def test_find_amounts_range_counts_upper_end_as_approximate():
    amounts, warnings = values.find_amounts("Sachkosten 1.500-2.000 €")
    assert [(a.value, a.approximate) for a in amounts] == [(2000.0, True)]
    assert any("upper end" in w for w in warnings)


def test_find_amounts_reads_every_amount_of_a_line_with_positions():
    text = "Moderation 2.500 € und Verpflegung 300 €"
    amounts, _ = values.find_amounts(text)
    assert [a.value for a in amounts] == [2500.0, 300.0]
    assert [text[a.start : a.end] for a in amounts] == ["2.500 €", "300 €"]


@pytest.mark.parametrize(
    "text", ["30 Personen", "am 18.02.2017", "keine Kosten", "Raum Nr. 12", "100 Euros", ""]
)
def test_find_amounts_ignores_text_without_currency(text):
    amounts, _ = values.find_amounts(text)
    assert amounts == []


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # single days
        ("18.02.2017", ["2017-02-18"]),
        ("18.2.17", ["2017-02-18"]),
        ("Sa, 18.02.2017, 10 Uhr", ["2017-02-18"]),
        ("am 18. Februar 2017", ["2017-02-18"]),
        ("12. Okt. 2016", ["2016-10-12"]),
        ("Stand: 30.09.2015", ["2015-09-30"]),
        ("Stand 31.12.2015", ["2015-12-31"]),
        ("29.02.2016", ["2016-02-29"]),  # leap day
        # ranges: every day of the range
        ("12.-14. Oktober 2016", ["2016-10-12", "2016-10-13", "2016-10-14"]),
        ("12.-14. Okt. 2016", ["2016-10-12", "2016-10-13", "2016-10-14"]),
        ("12. - 14.10.2016", ["2016-10-12", "2016-10-13", "2016-10-14"]),
        ("12.10.-14.10.2016", ["2016-10-12", "2016-10-13", "2016-10-14"]),
        ("30.09. bis 02.10.2016", ["2016-09-30", "2016-10-01", "2016-10-02"]),
        ("vom 23.09. bis 24.09.2016", ["2016-09-23", "2016-09-24"]),
        # lists: every day named
        ("17.11.2016 und 29.11.2016", ["2016-11-17", "2016-11-29"]),
        ("17.11. und 29.11.2016", ["2016-11-17", "2016-11-29"]),
        ("am 12.10.2016 sowie am 19.10.2016", ["2016-10-12", "2016-10-19"]),
        ("3., 10. und 17. März 2017", ["2017-03-03", "2017-03-10", "2017-03-17"]),
        ("am 7. Mai 2016 und am 14. Mai 2016", ["2016-05-07", "2016-05-14"]),
        # days without a year take the year the text names
        ("im Oktober 2016 (12., 19. und 26. Oktober)", ["2016-10-12", "2016-10-19", "2016-10-26"]),
    ],
)
def test_find_dates_reads_every_event_day(text, expected):
    dates, warnings = values.find_dates(text)
    assert dates == [_d(iso) for iso in expected]
    assert warnings == []


@pytest.mark.parametrize(
    ("text", "warning_part"),
    [
        ("29.11.216", "unreadable date '29.11.216'"),  # year typo: warn, don't guess 2016
        ("18.02.1889", "year 1889"),
        ("31.02.2017", "impossible date '31.02.2017'"),
        ("29.02.2017", "impossible date"),
        ("32.01.2017", "impossible date"),
        ("14.-12. Oktober 2016", "unreadable date range"),  # backwards
        ("12.-30. Oktober 2016", "unreadable date range"),  # too long for a dialogue
    ],
)
def test_find_dates_warns_on_typo_or_impossible_date(text, warning_part):
    dates, warnings = values.find_dates(text)
    assert dates == []
    assert any(warning_part in w for w in warnings), warnings


@pytest.mark.parametrize("text", ["1.500.2016", "18.13.2017", "Okt. 2016", "im Herbst", "Nr. 12.5"])
def test_find_dates_ignores_non_dates(text):
    dates, _ = values.find_dates(text)
    assert dates == []


def test_find_dates_keeps_order_of_appearance():
    dates, _ = values.find_dates("Vortreffen am 3. Oktober 2016, Hauptveranstaltung am 01.09.2016")
    assert dates == [_d("2016-10-03"), _d("2016-09-01")]


def test_find_dates_reads_day_list_with_numeric_month():
    dates, _ = values.find_dates("am 23. und 24.09.2016")
    assert dates == [_d("2016-09-23"), _d("2016-09-24")]


def test_find_dates_reads_range_of_two_full_dates():
    dates, _ = values.find_dates("1.1.2017 - 3.1.2017")
    assert dates == [_d("2017-01-01"), _d("2017-01-02"), _d("2017-01-03")]


# --- clock times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00 Uhr – 16:00 Uhr", "10:00–16:00"),
        ("Durchführung am 18.02.2017, 10:00 Uhr – 16:00 Uhr", "10:00–16:00"),
        ("10.00 - 16.00", "10:00–16:00"),
        ("14-17 Uhr", "14:00–17:00"),
        ("von 9 bis 13 Uhr", "09:00–13:00"),
        ("9:30 Uhr bis 13:00 Uhr", "09:30–13:00"),
        ("10 Uhr - 16 Uhr", "10:00–16:00"),
        ("9h-12h", "09:00–12:00"),
        ("8:00 - 12:00 und 13:00 - 17:00", "08:00–12:00"),  # the first range
    ],
)
def test_find_time_range_reads_clock_times(text, expected):
    assert values.find_time_range(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ca. 6-800 Personen",  # a count, not a time
        "12-14",  # no "Uhr", no minutes
        "18.02.-19.02.2017",  # a date span
        "16:00-10:00",  # ends before it starts
        "24:00-25:00 Uhr",
        "keine Uhrzeit",
    ],
)
def test_find_time_range_ignores_non_times(text):
    assert values.find_time_range(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18-21 Uhr", "18:00–21:00"),  # the docstring's own example
        ("18:30 bis 21:30 Uhr", "18:30–21:30"),
        ("19:00 – 21:30 Uhr", "19:00–21:30"),
        ("19:00 bis ca. 21:30 Uhr", "19:00–21:30"),
        ("18 Uhr bis gegen 21 Uhr", "18:00–21:00"),
        ("17.30–20.00 Uhr", "17:30–20:00"),
    ],
)
def test_find_time_range_reads_evening_end_hours(text, expected):
    assert values.find_time_range(text) == expected


# --- head counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected_max"),
    [
        ("Insg. 180 Personen, kreisweiter Charakter.", 180),
        ("ca. 6-800 Personen", 800),  # "6-800" means 600 to 800
        ("ca. 60-80 Personen", 80),
        ("45 TN", 45),
        ("Insgesamt 95 Teilnehmende, davon 20 Geflüchtete.", 95),
        ("rund 120 Bürgerinnen und Bürger", 120),
        ("über 200 Gäste", 200),
        ("Teilnehmerzahl: 75", 75),
        ("Anzahl: 60", 60),
        ("an 3 Abenden mit je 40 Personen", 40),
    ],
)
def test_find_counts_reads_head_counts(text, expected_max):
    counts = values.find_counts(text)
    assert counts
    assert max(counts) == expected_max


@pytest.mark.parametrize("text", ["2016 Personen", "0 Personen", "im Jahr 2016", "Raum 12", "Gruppen"])
def test_find_counts_ignores_years_zero_and_bare_numbers(text):
    assert values.find_counts(text) == []


def test_find_counts_reads_count_with_thousands_dot():
    assert values.find_counts("Insgesamt ca. 1.200 Personen") == [1200]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Teilnahme von 30 Flüchtlingen als Zielgruppe", [30]),
        ("davon 12 Geflüchtete", [12]),
        ("etwa 20 Asylbewerber", [20]),
        ("180 Personen", []),
        ("Geflüchtete (8)", [8]),
        ("Geflüchtete (14, davon 4 Frauen)", [14]),
        ("Geflüchtete insgesamt etwa 35", [35]),
        ("Flüchtlinge 2016 in der Gemeinde", []),
        ("Geflüchtete 3 Jahre lang begleitet", []),
    ],
)
def test_find_refugee_counts_reads_refugee_numbers(text, expected):
    assert values.find_refugee_counts(text) == expected


# Texts dense in what the date, time and count patterns read: numbers, dots, commas, dashes, months,
# "Uhr", people, and a digit of another script (re's \d is Unicode's).
_PIECES = ["1", "12", "2016", "17", ".", ",", " ", "-", "–", " bis ", " und ", "Uhr", "Oktober", "März",
           "Personen", "TN", "ca. ", "x", "\n", "٣", ":"]  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_matches_at_numbers_finds_what_finditer_finds(seed):
    import random

    rng = random.Random(seed)
    texts = ["".join(rng.choices(_PIECES, k=rng.randint(0, 60))) for _ in range(1500)]
    texts += [
        "18.02.2017",
        "am 3., 10. und 17. März 2017",
        "10:00-16:00 Uhr",
        "1.2.3.4.2016 45 TN, 6-800 Personen",
    ]
    patterns = [p for _, p in values._DATE_PATTERNS] + [values._TIME_RANGE, values._COUNT]
    found = 0
    for text in texts:
        for pattern in patterns:
            expected = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
            assert [(m.span(), m.groupdict()) for m in values._matches_at_numbers(pattern, text)] == expected
            found += len(expected)
    assert found > 500  # the texts do hold dates, times and counts
