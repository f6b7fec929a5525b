"""Text from uploads, and passages of it: plain Python, no Django.

``extract`` turns an upload's bytes into pages of text (one page for text and Markdown, one
per PDF page); ``chunk_pages`` cuts them into passages of about ``size`` characters that end
at a paragraph break where one is near, else at the end of a sentence, else between words,
and overlap the previous passage by about ``overlap`` characters so an answer that straddles
a cut is still found whole. Every passage knows where it came from: its character offsets in
the document's text (pages joined by a blank line) and its page.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

SIZE = 800
OVERLAP = 120
PAGE_SEPARATOR = "\n\n"
MAX_PDF_PAGES = 2000
MAX_TEXT_CHARS = 5_000_000

TEXT_TYPES = {"text/plain": "text", "text/markdown": "markdown", "text/x-markdown": "markdown",
              "application/pdf": "pdf"}  # fmt: skip
EXTENSIONS = {".txt": "text/plain", ".text": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown",
              ".pdf": "application/pdf"}  # fmt: skip

_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE = re.compile(r"[.!?:;][\"')\]]*\s+|\n")
_SPACE = re.compile(r"\s+")


class ExtractionError(ValueError):
    """The file's text could not be read."""


@dataclass(frozen=True)
class Page:
    number: int | None  # 1-based for PDFs; None for text
    text: str


@dataclass(frozen=True)
class Piece:
    index: int
    start: int  # offsets in the document's text: text[start:end] == piece.text
    end: int
    page: int | None
    text: str


def content_type_of(filename: str, declared: str) -> str | None:
    """The upload's type, from what the client declared or else the file name; None if not one we read."""
    declared = (declared or "").split(";", 1)[0].strip().lower()
    if declared in TEXT_TYPES:
        return "text/markdown" if declared == "text/x-markdown" else declared
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if declared in ("", "application/octet-stream") or declared.startswith("text/"):
        return EXTENSIONS.get(suffix)
    return None


def extract(data: bytes, content_type: str) -> list[Page]:
    """The text of an upload, page by page."""
    if content_type == "application/pdf":
        return _pdf_pages(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExtractionError("the file is not UTF-8 text") from None
    if "\x00" in text:
        raise ExtractionError("the file is binary, not text")
    return [Page(None, text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_TEXT_CHARS])]


def _pdf_pages(data: bytes) -> list[Page]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ExtractionError("the PDF is encrypted")
        count = len(reader.pages)
        if count > MAX_PDF_PAGES:
            raise ExtractionError(f"the PDF has {count} pages; at most {MAX_PDF_PAGES} are read")
        pages, total = [], 0
        for number, page in enumerate(reader.pages, start=1):
            text = (page.extract_text() or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
            total += len(text)
            if total > MAX_TEXT_CHARS:
                raise ExtractionError(f"the PDF holds more than {MAX_TEXT_CHARS} characters of text")
            pages.append(Page(number, text))
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        if isinstance(exc, ExtractionError):
            raise
        raise ExtractionError(f"the PDF could not be read ({type(exc).__name__}: {str(exc)[:200]})") from None
    return pages


def document_text(pages: list[Page]) -> str:
    return PAGE_SEPARATOR.join(page.text for page in pages)


def _cut(text: str, start: int, limit: int, size: int) -> int:
    """Where the passage starting at ``start`` ends: at a paragraph break, a sentence end or a
    space in its second half, whichever comes first in that order of preference."""
    if limit - start <= size:
        return limit
    window_end = start + size
    floor = start + size // 2
    for pattern in (_PARAGRAPH, _SENTENCE, _SPACE):
        ends = [m.end() if pattern is not _PARAGRAPH else m.start() for m in pattern.finditer(text, floor, window_end)]
        ends = [end for end in ends if floor < end <= window_end]
        if ends:
            return ends[-1]
    return window_end


def _next_start(text: str, start: int, end: int, overlap: int) -> int:
    """Where the next passage starts: ``overlap`` characters back from ``end``, moved to the
    start of a paragraph, sentence or word in that stretch so no word is cut in two."""
    floor = max(end - overlap, start + 1)
    for pattern in (_PARAGRAPH, _SENTENCE, _SPACE):
        starts = [m.end() for m in pattern.finditer(text, floor - 1, end) if floor <= m.end() < end]
        if starts:
            return starts[0]
    return end


def chunk_text(text: str, *, size: int = SIZE, overlap: int = OVERLAP, offset: int = 0, page: int | None = None,
               first_index: int = 0) -> list[Piece]:  # fmt: skip
    """Passages of ``text`` (offsets shifted by ``offset``), numbered from ``first_index``."""
    if size < 50 or not 0 <= overlap < size // 2:
        raise ValueError("size must be at least 50 and overlap less than half of it")
    pieces: list[Piece] = []
    position, length = 0, len(text)
    while position < length:
        while position < length and text[position].isspace():
            position += 1
        if position >= length:
            break
        end = _cut(text, position, length, size)
        stop = end
        while stop > position and text[stop - 1].isspace():
            stop -= 1
        pieces.append(Piece(first_index + len(pieces), offset + position, offset + stop, page, text[position:stop]))
        if end >= length:
            break
        following = _next_start(text, position, end, overlap)
        position = following if following > position else end
    return pieces


def chunk_pages(pages: list[Page], *, size: int = SIZE, overlap: int = OVERLAP) -> list[Piece]:
    """Passages of every page (a passage never spans two pages), offsets in ``document_text``."""
    pieces: list[Piece] = []
    offset = 0
    for page in pages:
        pieces += chunk_text(page.text, size=size, overlap=overlap, offset=offset, page=page.number,
                             first_index=len(pieces))  # fmt: skip
        offset += len(page.text) + len(PAGE_SEPARATOR)
    return pieces
