"""Read a report file (.txt, .docx, .html) into plain text with its line structure kept."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from nlp.errors import ReportParseError

MAX_BYTES = 5 * 1024 * 1024
# A .docx is a zip: its members are checked before anything is unpacked, so a small upload cannot
# unpack to gigabytes (a "zip bomb"). A report's document.xml is a few hundred KB; images barely compress.
# Python's zipfile never inflates a member beyond its declared size (it fails the CRC instead), so the
# declared sizes bound the work.
MAX_DOCX_MEMBERS = 1000
MAX_DOCX_MEMBER_BYTES = 10 * 1024 * 1024  # uncompressed, any one member
MAX_DOCX_TOTAL_BYTES = 25 * 1024 * 1024  # uncompressed, all members together
MAX_DOCX_RATIO = 100  # uncompressed / compressed, for members above 1 MB uncompressed
_RATIO_FROM_BYTES = 1024 * 1024
# The decoded text of one report: the largest real reports have about 15,000 characters and 130 lines.
# Beyond these limits an upload is refused, so that no parse costs more than a few seconds.
MAX_TEXT_CHARS = 500_000
MAX_TEXT_LINES = 10_000
SUPPORTED_SUFFIXES = (".txt", ".docx", ".html", ".htm")


def read_text(source: str | bytes | Path, filename: str | None = None) -> str:
    """Return the report's text. `source` is a path, raw bytes (with `filename` for the format) or text."""
    if isinstance(source, str):
        return _check_text(source, filename or "text")
    if isinstance(source, Path):
        filename = filename or source.name
        try:
            if source.stat().st_size > MAX_BYTES:
                raise ReportParseError(f"{source.name}: file is larger than 5 MB")
            data = source.read_bytes()
        except FileNotFoundError:
            raise ReportParseError(f"{source}: no such file") from None
        except IsADirectoryError:
            raise ReportParseError(f"{source}: is a directory, not a report file") from None
        except OSError as e:
            raise ReportParseError(f"{source}: cannot be read ({e.strerror})") from None
    else:
        data = bytes(source)
    return decode_document(data, filename)


def decode_document(data: bytes, filename: str | None) -> str:
    """Decode raw bytes by the file's suffix (sniffed when there is no name)."""
    name = filename or "upload"
    if len(data) > MAX_BYTES:
        raise ReportParseError(f"{name}: file is larger than 5 MB")
    if not data.strip():
        raise ReportParseError(f"{name}: file is empty")
    suffix = Path(name).suffix.lower() if filename else _sniff(data)
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReportParseError(
            f"{name}: unsupported file type {suffix or '(none)'!r}; use .txt, .docx or .html"
        )
    if suffix == ".docx":
        return _check_text(_docx_text(data, name), name)
    text = _decode_bytes(data, name)
    if suffix in (".html", ".htm"):
        text = html_to_text(text, name)
    return _check_text(text, name)


def _sniff(data: bytes) -> str:
    if data[:2] == b"PK":
        return ".docx"
    head = data[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head or b"<body" in head or b"<p>" in head:
        return ".html"
    return ".txt"


def _decode_bytes(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise ReportParseError(f"{name}: binary file, not a text report")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # older Windows exports
    except UnicodeDecodeError:
        raise ReportParseError(f"{name}: binary file or unknown encoding (not UTF-8 or cp1252)") from None


def _check_text(text: str, name: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    if not text.strip():
        raise ReportParseError(f"{name}: file is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ReportParseError(
            f"{name}: text of {len(text):,} characters (limit {MAX_TEXT_CHARS:,} per report); not a report"
        )
    n_lines = text.count("\n") + 1
    if n_lines > MAX_TEXT_LINES:
        raise ReportParseError(
            f"{name}: text of {n_lines:,} lines (limit {MAX_TEXT_LINES:,} per report); not a report"
        )
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\t\f\v")
    if controls > max(8, len(text) // 100):
        raise ReportParseError(f"{name}: binary file, not a text report")
    # Control characters other than line breaks and tabs carry nothing for a report.
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text)


def check_docx_zip(data: bytes, name: str) -> None:
    """Refuse a .docx whose zip would unpack to too much, before python-docx unpacks anything."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise ReportParseError(f"{name}: not a valid .docx file ({e})") from None
    if len(members) > MAX_DOCX_MEMBERS:
        raise ReportParseError(
            f"{name}: .docx has {len(members)} zip members (limit {MAX_DOCX_MEMBERS}); not a report"
        )
    total = 0
    for member in members:
        size = member.file_size
        if size > MAX_DOCX_MEMBER_BYTES:
            raise ReportParseError(
                f"{name}: .docx member {member.filename!r} unpacks to {size:,} bytes "
                f"(limit {MAX_DOCX_MEMBER_BYTES:,} per member); not a report"
            )
        if size > _RATIO_FROM_BYTES and size > MAX_DOCX_RATIO * max(member.compress_size, 1):
            raise ReportParseError(
                f"{name}: .docx member {member.filename!r} is compressed {size // max(member.compress_size, 1):,}:1 "
                f"(limit {MAX_DOCX_RATIO}:1); not a report"
            )
        total += size
        if total > MAX_DOCX_TOTAL_BYTES:
            raise ReportParseError(
                f"{name}: .docx unpacks to more than {MAX_DOCX_TOTAL_BYTES:,} bytes (limit for all members "
                "together); not a report"
            )


def _docx_text(data: bytes, name: str) -> str:
    import docx  # python-docx; imported here so the parser starts fast for text files
    from docx.oxml.ns import qn

    check_docx_zip(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise ReportParseError(f"{name}: not a valid .docx file ({e})") from None
    except Exception as e:  # python-docx raises assorted lxml/opc errors on broken packages
        raise ReportParseError(f"{name}: not a valid .docx file ({type(e).__name__})") from None
    lines: list[str] = []
    body = document.element.body
    for block in body.iterchildren():
        if block.tag == qn("w:p"):
            lines.append(_docx_paragraph(block))
        elif block.tag == qn("w:tbl"):
            # Forms are often tables of "label | value": one line per cell, a blank line per row.
            for row in block.iter(qn("w:tr")):
                for cell in row.iter(qn("w:tc")):
                    lines += [_docx_paragraph(p) for p in cell.iter(qn("w:p"))]
                lines.append("")
    return "\n".join(lines)


def _docx_paragraph(p) -> str:
    from docx.oxml.ns import qn

    text = "".join(
        node.text
        or ("\n" if node.tag in (qn("w:br"), qn("w:cr")) else "\t" if node.tag == qn("w:tab") else "")
        for node in p.iter(qn("w:t"), qn("w:br"), qn("w:cr"), qn("w:tab"))
    )
    ppr = p.find(qn("w:pPr"))
    is_list = ppr is not None and ppr.find(qn("w:numPr")) is not None
    if not is_list and ppr is not None:
        style = ppr.find(qn("w:pStyle"))
        is_list = style is not None and "list" in (style.get(qn("w:val")) or "").lower()
    return f"• {text.strip()}" if is_list and text.strip() else text


_BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "h1", "h2", "h3", "h4",
    "h5", "h6", "tr", "table", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "form", "fieldset",
    "legend", "label", "td", "th", "address", "figure", "figcaption", "hr",
}  # fmt: skip


# Elements whose content is never report text.
_SKIPPED_TAGS = {"script", "style", "noscript", "template", "head", "title"}
# libxml2 stops descending at 256 levels and silently drops the rest, so a deeper document is refused
# rather than read in part. Real reports (also Word's HTML export) nest a few dozen levels at most.
MAX_HTML_DEPTH = 200


class _HtmlText:
    """An lxml parser target that collects the text while the document streams by: no tree is built,
    and libxml2's HTML parser runs in linear time (Python's html.parser, and BeautifulSoup on top of it,
    is quadratic on deep nesting and on some malformed markup)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.depth = 0
        self.deepest = 0
        self.skipping = 0  # inside <script>, <style>, <head> ...
        self.pre = 0  # inside <pre>: whitespace kept

    def start(self, tag: str, attrib: object) -> None:
        tag = tag.lower() if isinstance(tag, str) else ""
        self.depth += 1
        self.deepest = max(self.deepest, self.depth)
        if tag in _SKIPPED_TAGS or self.skipping:
            self.skipping += 1
            return
        if tag == "pre":
            self.pre += 1
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def end(self, tag: str) -> None:
        tag = tag.lower() if isinstance(tag, str) else ""
        self.depth -= 1
        if self.skipping:
            self.skipping -= 1
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag == "li" or tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))

    def close(self) -> str:
        return "".join(self.parts)


def html_to_text(html: str, name: str = "upload") -> str:
    """Strip markup, keeping one line per block element and a bullet per list item."""
    from lxml import etree

    target = _HtmlText()
    parser = etree.HTMLParser(target=target, remove_comments=True, remove_pis=True, no_network=True)
    try:
        parser.feed(html)
        text = parser.close()
    except etree.Error as e:
        raise ReportParseError(f"{name}: not a readable HTML file ({e})") from None
    if target.deepest > MAX_HTML_DEPTH:
        raise ReportParseError(
            f"{name}: HTML nested deeper than {MAX_HTML_DEPTH} elements (limit for uploads); not a report"
        )
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
