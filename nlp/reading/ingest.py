"""Read a report file (.txt, .docx, .html) into plain text with its line structure kept."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from nlp.errors import ReportParseError

MAX_BYTES = 5 * 1024 * 1024
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
        text = html_to_text(text)
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
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\t\f\v")
    if controls > max(8, len(text) // 100):
        raise ReportParseError(f"{name}: binary file, not a text report")
    # Control characters other than line breaks and tabs carry nothing for a report.
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text)


def _docx_text(data: bytes, name: str) -> str:
    import docx  # python-docx; imported here so the parser starts fast for text files
    from docx.oxml.ns import qn

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


def html_to_text(html: str) -> str:
    """Strip markup, keeping one line per block element and a bullet per list item."""
    from bs4 import (
        BeautifulSoup,
        CData,
        Comment,
        Declaration,
        Doctype,
        NavigableString,
        ProcessingInstruction,
    )

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    for node in soup.find_all(
        string=lambda s: isinstance(s, Comment | Doctype | Declaration | ProcessingInstruction | CData)
    ):
        node.extract()
    for node in soup.find_all(string=True):
        if isinstance(node, NavigableString) and node.find_parent("pre") is None:
            node.replace_with(re.sub(r"\s+", " ", str(node)))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for li in soup.find_all("li"):
        li.insert(0, "\n• ")
        li.append("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert(0, "\n")
        tag.append("\n")
    lines = [line.strip() for line in soup.get_text().split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
