"""A Steckbrief report as a typed record, and `parse_report` that builds it from a file or text."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.errors import ReportParseError
from nlp.reading import values
from nlp.reading.form import (
    SECTION_IDS,
    SECTIONS,
    STATEMENT_SECTIONS,
    match_field,
    match_heading,
    strip_prompt,
)
from nlp.reading.ingest import read_text
from nlp.reading.regions import REGIERUNGSBEZIRKE, find_bezirk, find_kreis
from nlp.reading.statements import Statement, bullet_items, split_statements


@dataclass(frozen=True)
class Kommune:
    name: str | None
    website: str | None
    einwohner: int | None
    einwohner_stand: str | None  # ISO date
    landkreis: str | None
    regierungsbezirk: str | None  # one of REGIERUNGSBEZIRKE


@dataclass(frozen=True)
class Kontakt:
    name: str | None
    adresse: str | None
    telefon: str | None
    email: str | None


@dataclass(frozen=True)
class Veranstaltung:
    termine: tuple[str, ...]  # ISO dates of every event day
    uhrzeit: str | None
    teilnehmende: int | None
    gefluechtete: int | None


@dataclass(frozen=True)
class Kostenposten:
    bezeichnung: str
    betrag_eur: float
    ungefaehr: bool


@dataclass(frozen=True)
class Kosten:
    posten: tuple[Kostenposten, ...]
    gesamt_eur: float | None
    urteil: str | None


@dataclass(frozen=True)
class Report:
    kommune: Kommune
    kontakt: Kontakt
    veranstaltung: Veranstaltung
    themenfelder: tuple[str, ...]
    akteure: tuple[str, ...]
    kosten: Kosten
    sections: dict[str, str]
    statements: tuple[Statement, ...]
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data with exactly the documented keys: `dataclasses.asdict(self)`, written out
        (asdict deep-copies every value through a generic recursion; these values are immutable)."""
        kosten = self.kosten
        return {
            "kommune": dict(vars(self.kommune)),
            "kontakt": dict(vars(self.kontakt)),
            "veranstaltung": dict(vars(self.veranstaltung)),
            "themenfelder": self.themenfelder,
            "akteure": self.akteure,
            "kosten": {
                "posten": tuple(dict(vars(p)) for p in kosten.posten),
                "gesamt_eur": kosten.gesamt_eur,
                "urteil": kosten.urteil,
            },
            "sections": dict(self.sections),
            "statements": tuple(dict(vars(s)) for s in self.statements),
            "warnings": self.warnings,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        kosten = data["kosten"]
        return cls(
            kommune=Kommune(**data["kommune"]),
            kontakt=Kontakt(**data["kontakt"]),
            veranstaltung=Veranstaltung(
                **{**data["veranstaltung"], "termine": tuple(data["veranstaltung"]["termine"])}
            ),
            themenfelder=tuple(data["themenfelder"]),
            akteure=tuple(data["akteure"]),
            kosten=Kosten(
                tuple(Kostenposten(**p) for p in kosten["posten"]),
                kosten["gesamt_eur"],
                kosten["urteil"],
            ),
            sections=dict(data["sections"]),
            statements=tuple(Statement(**s) for s in data["statements"]),
            warnings=tuple(data["warnings"]),
        )


def parse_report(source: str | bytes | Path, filename: str | None = None) -> Report:
    """Parse a report from a path, raw bytes (`filename` names the format) or already decoded text."""
    text = read_text(source, filename)
    return parse_text(text, filename or (source.name if isinstance(source, Path) else "text"))


def parse_text(text: str, name: str = "text") -> Report:
    lines, title = _drop_title(text.split("\n"))
    sections = _split_sections(lines)
    if not sections:
        raise ReportParseError(f"{name}: no section of the Steckbrief form found (is this a KFD report?)")
    warnings: list[str] = [
        f"section not found: {section.headings[0]}" for section in SECTIONS if section.id not in sections
    ]
    fields = _kommune_fields(sections.get("kommune", ""))
    kommune = _kommune(fields, title, warnings)
    kontakt = _kontakt(fields, warnings)
    kosten = _kosten(sections.get("kosten", ""), warnings)
    veranstaltung = _veranstaltung(sections, warnings)
    statements = []
    for section_id, section_text in sections.items():
        if section_id not in STATEMENT_SECTIONS:
            continue
        if section_id == "kosten":
            section_text = kosten.urteil or ""
        try:
            statements += split_statements(section_id, section_text)
        except ReportParseError as e:
            raise ReportParseError(f"{name}: {e}") from None
    return Report(
        kommune=kommune,
        kontakt=kontakt,
        veranstaltung=veranstaltung,
        themenfelder=tuple(bullet_items(sections.get("themenfelder", ""))),
        akteure=tuple(item for item in bullet_items(sections.get("akteure", "")) if not _is_count_line(item)),
        kosten=kosten,
        sections=sections,
        statements=tuple(statements),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _drop_title(lines: list[str]) -> tuple[list[str], str | None]:
    """A leading "Steckbrief <Ort>" line is a title, not content; its Ort is a fallback name."""
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        m = re.match(r"\s*Steckbrief\b[\s:–-]*(.*)$", line, re.I)
        if m:
            title = re.sub(
                r"^(?:der|des|für)\s+|^(?:Kommunaler\s+)?Flüchtlingsdialog\s*",
                "",
                m.group(1).strip(),
                flags=re.I,
            )
            return lines[:i] + lines[i + 1 :], title.strip(" -–:") or None
        break
    return lines, None


def _split_sections(lines: list[str]) -> dict[str, str]:
    """Cut the text at the form's headings; question prompts are dropped, unknown text before the
    first heading belongs to the Kommune block."""
    found: dict[str, list[str]] = {}
    current = "kommune"
    preamble: list[str] = []
    for i, line in enumerate(lines):
        if not line.strip():
            content = ""  # a blank line: no heading, no prompt
        else:
            heading = match_heading(line)
            if heading and heading[1]:
                heading = (
                    heading[0],
                    strip_prompt(heading[1]),
                )  # "Veranstaltungskonzept: Bitte beschreiben ..."
            if heading and _accept_heading(heading, current, found, lines, i + 1):
                current, rest = heading
                found.setdefault(current, [])
                if rest:
                    found[current].append(rest)
                continue
            content = strip_prompt(line)
            if not content.strip():
                continue  # a question prompt
        target = found.setdefault(current, []) if current != "kommune" or "kommune" in found else preamble
        target.append(content)
    if not any(key in found for key in SECTION_IDS):
        return {}
    if preamble and any(line.strip() for line in preamble):
        found["kommune"] = preamble + found.get("kommune", [])
    ordered = {key: _tidy("\n".join(found[key])) for key in SECTION_IDS if key in found}
    return {key: value for key, value in ordered.items() if value or key in found}


def _accept_heading(
    heading: tuple[str, str], current: str, found: dict, lines: list[str], after: int
) -> bool:
    """Whether a line that looks like a heading starts a section here.

    Cost items often repeat heading words ("Beratung und Moderation: 4.160 €" under Kosten), so a
    heading with text on its line must move forward in form order, and one that moves backward must
    not be followed by an amount. A repeated heading of an earlier section is content.
    """
    section_id, rest = heading
    is_new = section_id not in found
    forward = SECTION_IDS.index(section_id) > SECTION_IDS.index(current)
    if rest:
        return is_new and forward and not _has_amount(rest)
    if section_id == current:
        return True
    if not is_new:
        return False
    if forward:
        return True
    next_line = next((line for line in itertools.islice(lines, after, None) if line.strip()), "")
    return not _has_amount(next_line)


def _has_amount(text: str) -> bool:
    amounts, _ = values.find_amounts(text)
    return bool(amounts)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _kommune_fields(text: str) -> dict[str, str]:
    """Values of the Kommune block: a label line then its value lines, or "Label: value"."""
    fields: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.split("\n"):
        match = match_field(line)
        if match and match[0] not in fields:
            current, rest = match
            fields[current] = [rest] if rest else []
            continue
        if current and line.strip():
            fields[current].append(line.strip())
    return {key: "\n".join(v).strip() for key, v in fields.items() if "\n".join(v).strip()}


_URL = re.compile(r"(?:https?://|www\.)[^\s,;)>]+", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I)


def _kommune(fields: dict[str, str], title: str | None, warnings: list[str]) -> Kommune:
    name_value = fields.get("name", "")
    url = _URL.search(name_value)
    website = url.group(0).rstrip(".") if url else None
    name = _URL.sub("", name_value)
    name = re.sub(r"\s*(?:->|→|=>|>|–|-|\(|:)\s*$", "", name.split("\n")[0]).strip(" ,;-–")
    if name.endswith(")") and name.count("(") < name.count(")"):
        name = name[:-1].rstrip()
    kommune_name = name or title or None
    if kommune_name is None:
        warnings.append("no name of the Stadt or Gemeinde found")

    einwohner = stand = None
    raw = fields.get("einwohner")
    if raw:
        raw_without_stand = re.sub(r"\(?\s*Stand\b.*$", "", raw, flags=re.I | re.S)
        einwohner, w = values.parse_int(raw_without_stand)
        warnings += w
        if einwohner is None:
            warnings.append(f"Einwohnerzahl {raw!r} has no number")
        m = re.search(r"Stand\b[^\d]*(.*)", raw, re.I | re.S)
        stand_text = m.group(1) if m else raw_without_stand.replace(str(einwohner or ""), "", 0)
        if m or "(" in raw:
            dates, w = values.find_dates(m.group(1) if m else raw)
            warnings += w
            stand = dates[0].isoformat() if dates else None
            if m and not dates:
                warnings.append(f"Stand of the Einwohnerzahl {stand_text.strip()!r} has no full date")
    else:
        warnings.append("missing Einwohnerzahl")

    landkreis, bezirk = _region(fields, kommune_name, warnings)
    return Kommune(kommune_name, website, einwohner, stand, landkreis, bezirk)


def _region(
    fields: dict[str, str], kommune: str | None, warnings: list[str]
) -> tuple[str | None, str | None]:
    """(Landkreis, Regierungsbezirk): the Kreis in its one spelling, the Bezirk filled in from it when
    missing; a Bezirk that contradicts the Kreis gives way to the Kreis's, with a warning."""
    raw_kreis = fields.get("landkreis")
    match = find_kreis(raw_kreis, kommune)
    kreis = match.kreis
    landkreis = kreis.label if kreis else match.text
    if kreis and match.guessed:
        warnings.append(f"Landkreis {match.text!r} read as {kreis.label!r}")
    elif raw_kreis and kreis is None:
        warnings.append(
            f"unknown Landkreis {match.text!r} (not one of the 44 Stadt- and Landkreise of Baden-Württemberg)"
        )

    bezirk = None
    raw_bezirk = fields.get("regierungsbezirk")
    if raw_bezirk:
        bezirk = find_bezirk(raw_bezirk)
        if bezirk is None:
            warnings.append(
                f"unknown Regierungsbezirk {raw_bezirk!r} (valid: {', '.join(REGIERUNGSBEZIRKE)})"
            )
    if kreis is None:
        if not raw_bezirk:
            warnings.append("missing Regierungsbezirk")
        return landkreis, bezirk
    if bezirk is None:
        if not raw_bezirk:
            warnings.append(
                f"missing Regierungsbezirk: {kreis.regierungsbezirk}, from the Kreis {kreis.label}"
            )
    elif bezirk != kreis.regierungsbezirk:
        warnings.append(
            f"Regierungsbezirk {bezirk!r} contradicts the Kreis {kreis.label!r}, which lies in "
            f"Regierungsbezirk {kreis.regierungsbezirk!r}; {kreis.regierungsbezirk!r} is used"
        )
    return landkreis, kreis.regierungsbezirk


_TITLE = r"^(?:Frau|Herr|Hr\.|Fr\.|BM|OB|Bürgermeister(?:in)?|Oberbürgermeister(?:in)?)\s+"  # "Dr." stays: part of the name
_PERSON = re.compile(r"(?:Frau|Herr|Hr\.|Fr\.)\s+[A-ZÄÖÜ]")
_INSTITUTION = re.compile(
    r"Landratsamt|Gemeinde|Stadt|Amt\b|amt\b|Dezernat|Fachbereich|Fachdienst|Sachgebiet|Büro|Referat|"
    r"Integrationszentrum|Verwaltung|Kreis|Rathaus|Abteilung|Stabsstelle",
)


def _looks_like_name(part: str) -> bool:
    words = part.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not _INSTITUTION.search(part)


def _kontakt(fields: dict[str, str], warnings: list[str]) -> Kontakt:
    raw = fields.get("kontakt", "")
    email = None
    raw_email = fields.get("email") or ""
    m = _EMAIL.search(raw_email) or _EMAIL.search(raw)
    if m:
        email = m.group(0).lower()
    elif raw_email:
        warnings.append("the e-mail of the contact person is not a valid address")
    raw = _EMAIL.sub("", raw)
    parts = [p.strip() for p in re.split(r"[\n,;]", raw) if p.strip()]
    # "Landratsamt Calw, Dezernat 3, Frau Cornelia Muster, ...": the person, not the office, is the name.
    person = next((i for i, p in enumerate(parts) if _PERSON.match(p)), None)
    if parts and person is None and _INSTITUTION.search(parts[0]):
        person = next((i for i, p in enumerate(parts[1:4], 1) if _looks_like_name(p)), None)
    index = person if person is not None else 0
    name = re.sub(_TITLE, "", parts[index]).strip() if parts else None
    adresse = ", ".join(p for i, p in enumerate(parts) if i != index) or None
    telefon = fields.get("telefon")
    if telefon:
        telefon = re.sub(r"\s+", " ", telefon.split("\n")[0]).strip()
    return Kontakt(name, adresse, telefon, email)


def _is_count_line(text: str) -> bool:
    """'Insg. 180 Personen' lists no group of participants, it counts them; '30 Ehrenamtliche' is a group."""
    return bool(values.find_counts(text)) and bool(
        re.match(r"\s*(?:insg|insgesamt|gesamt|summe|anzahl|teilnehmerzahl)", text, re.I)
        or re.fullmatch(
            r"\s*(?:ca\.?|rund|etwa|über|knapp)?\s*[\d.\s–-]+\s*(?:Personen|Teilnehmer\w*|TN|Teilnehmende|Besucher\w*|"
            r"Gäste|Menschen|Leute)\b.*",
            text,
            re.I,
        )
    )


def _veranstaltung(sections: dict[str, str], warnings: list[str]) -> Veranstaltung:
    termine: list[str] = []
    # Event dates are told where the dialogue is described; Anlass and Ergebnisse name other dates
    # (earlier events, next steps), so they are read only when nothing else gives a date.
    for group in (("konzept",), ("beratung", "akteure", "bewertung"), ("anlass",)):
        for section_id in group:
            dates, w = values.find_dates(sections.get(section_id, ""))
            warnings += w
            termine += [d.isoformat() for d in dates]
        if termine:
            break
    if not termine:
        warnings.append("no event date found")
    uhrzeit = None
    for section_id in ("konzept", "anlass", "akteure", "bewertung"):
        uhrzeit = values.find_time_range(sections.get(section_id, ""))
        if uhrzeit:
            break

    counts = values.find_counts(sections.get("akteure", ""))
    if not counts:
        for section_id in ("konzept", "bewertung"):
            counts = values.find_counts(sections.get(section_id, ""))
            if counts:
                warnings.append(
                    f"participant count taken from section {section_id!r}, not Beteiligte Akteure"
                )
                break
    if not counts:
        warnings.append("no participant count found")

    refugees: list[int] = []
    for section_id in ("akteure", "bewertung", "konzept"):
        refugees = values.find_refugee_counts(sections.get(section_id, ""))
        if refugees:
            break
    return Veranstaltung(
        termine=tuple(sorted(set(termine))),
        uhrzeit=uhrzeit,
        teilnehmende=max(counts) if counts else None,
        gefluechtete=max(refugees) if refugees else None,
    )


# "Gesamt", "Gesamtkosten", "Summe", but not "Gesamtleitung" or "Gesamtkonzept" (items of their own).
_TOTAL = re.compile(r"\b(?:gesamt(?:kosten|betrag|summe|aufwand)?|insgesamt|summe|total)\b", re.I)
# Words that make a line without amounts an answer to "Stehen Aufwand und Ergebnis in einem guten
# Verhältnis?" even when it mentions volunteers ("Für das Geld ja, für die ehrenamtlichen Stunden eher nicht.").
_VERDICT_WORD = re.compile(
    r"\b(?:ja|nein|eher|gelohnt|lohnt|lohnend|verhältnis|angemessen|vertretbar|sinnvoll|nutzen)\b", re.I
)
# An amount that breaks down the one before it: "3.480 € (davon Moderation 2.900 €)".
_BREAKDOWN = re.compile(r"\bdavon\b", re.I)
# "4 x 380 € = 1.520 €": the amount after "=" is the item's value.
_PRODUCT = re.compile(r"^\s*=\s*$")
_NO_COST = re.compile(
    r"\b(?:keine\s+(?:\w+\s+)?kosten|kostenfrei|kostenlos|unentgeltlich|entf[aä]llt|entfielen|gespendet|"
    r"ehrenamtlich|intern\b|eigenleistung)",
    re.I,
)
# Words a cost-benefit verdict starts with ("Ja, hat sich gelohnt", "Eher nicht", "Unbedingt.").
_VERDICT_START = re.compile(
    r"^\W*(?:ja|nein|jein|eher|auf jeden fall|unbedingt|durchaus|teils|teilweise|bedingt|absolut|definitiv|"
    r"insgesamt|fazit|aufwand|der aufwand|das verhältnis|kosten und nutzen|nur bedingt|vertretbar|"
    r"angemessen|sicher|wir)\b",
    re.I,
)
_VERDICT_MIN_WORDS = 12


def _is_cost_item(line: str, amounts: list) -> bool:
    """Whether a line of the Kosten section lists costs ("Moderation: 4.160 €", "Räume: keine Kosten")
    rather than judging them. Long prose and lines that open like an answer are verdicts."""
    words = re.findall(r"[A-Za-zÄÖÜäöüß]{3,}", line)
    if len(words) > _VERDICT_MIN_WORDS or _VERDICT_START.match(line):
        return False
    if amounts:
        return True
    label, colon, value = line.partition(":")
    if colon and len(label.split()) <= 5 and len(value.split()) <= 8:
        return True
    return bool(_NO_COST.search(line)) and not _VERDICT_WORD.search(line)


def _cost_label(line: str, start: int, end: int, first: bool) -> str:
    label = line[start:end]
    if not first:  # "..., Frühstück 350 Euro (Rest gespendet), Druck 120 €": the part after the last break
        label = re.split(r"[,;)]", label)[-1]
    label = re.sub(
        r"(?:\b(?:ca|circa|rd|rund|etwa|ungefähr|geschätzt|knapp|je|jeweils)\.?|~)\s*$",
        "",
        label.strip(),
        flags=re.I,
    )
    return re.sub(r"^[\s•*\-–,;:+(]+|[\s:=,;(–-]+$", "", label)


def _kosten(text: str, warnings: list[str]) -> Kosten:
    """Cost lines become Posten; the remaining prose is the verdict (Urteil). Amounts named inside the
    verdict only count when no cost line gives any ("Für knapp 3.000 € ..." restates the total)."""
    items: list[Kostenposten] = []
    in_verdict: list[Kostenposten] = []
    verdict: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            verdict.append(line)
            continue
        amounts, w = values.find_amounts(line)
        warnings += w
        is_item = _is_cost_item(line, amounts)
        target = items if is_item else in_verdict
        for i, amount in enumerate(amounts):
            start = amounts[i - 1].end if i else 0
            between = line[start : amount.start]
            if i and _BREAKDOWN.search(between):
                continue  # part of the amount before it, not one more item
            if i and _PRODUCT.match(between) and target:
                previous = target.pop()
                label = re.sub(r"\s*\d+\s*[x×]\s*$", "", previous.bezeichnung)
                target.append(Kostenposten(label or "Kosten", amount.value, amount.approximate))
                continue
            label = _cost_label(line, start, amount.start, first=i == 0)
            target.append(Kostenposten(label or "Kosten", amount.value, amount.approximate))
        if is_item and not amounts and _NO_COST.search(line):
            items.append(Kostenposten(line.strip(" •*-–"), 0.0, False))
        if not is_item:
            verdict.append(line)
    posten = items or in_verdict
    # A "Gesamt"/"Summe" line states the total; it is not one more item (unless it is the only one).
    totals = [p.betrag_eur for p in posten if _TOTAL.search(p.bezeichnung)]
    posten = [p for p in posten if not _TOTAL.search(p.bezeichnung)] or posten
    if totals:
        gesamt: float | None = totals[-1]
        parts = sum(p.betrag_eur for p in posten)
        if parts and gesamt is not None and abs(parts - gesamt) > 0.5:
            warnings.append(f"cost items add up to {parts:.2f} €, but the stated total is {gesamt:.2f} €")
    else:
        gesamt = round(sum(p.betrag_eur for p in posten), 2) if any(p.betrag_eur for p in posten) else None
    urteil = _tidy("\n".join(line.strip() for line in verdict)) or None
    return Kosten(tuple(posten), gesamt, urteil)
