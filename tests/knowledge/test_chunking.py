"""The chunker and the text extraction: plain functions, no database."""

from __future__ import annotations

import itertools

import pytest

from apps.knowledge.chunking import (
    ExtractionError,
    Page,
    chunk_pages,
    chunk_text,
    content_type_of,
    document_text,
    extract,
)
from tests.knowledge.helpers import tiny_pdf


def paragraph(topic: str, sentences: int) -> str:
    return " ".join(f"Sentence {n} is about {topic} and nothing else." for n in range(1, sentences + 1))


def test_a_short_text_is_one_passage_that_knows_where_it_is():
    [piece] = chunk_text("  Refunds take five days.\n")
    assert (piece.index, piece.start, piece.end, piece.page, piece.text) == (0, 2, 25, None, "Refunds take five days.")


def test_passages_end_at_paragraph_breaks_and_stay_within_the_size():
    paragraphs = [paragraph(topic, 8) for topic in ("refunds", "shipping", "returns", "warranty", "privacy")]
    text = "\n\n".join(paragraphs)
    pieces = chunk_text(text, size=800, overlap=120)
    assert len(pieces) > 1
    for piece in pieces:
        assert text[piece.start:piece.end] == piece.text
        assert len(piece.text) <= 800
    # A paragraph here is under 800 characters: the first passage is whole paragraphs, ending at a break.
    assert pieces[0].text.endswith(paragraphs[len(pieces[0].text.split("\n\n")) - 1])
    assert text[pieces[0].end:pieces[0].end + 2] == "\n\n"
    assert [p.index for p in pieces] == list(range(len(pieces)))


def test_consecutive_passages_overlap_and_together_cover_the_text():
    text = paragraph("invoices", 60)  # one long paragraph: cut at sentence ends
    pieces = chunk_text(text, size=400, overlap=100)
    assert pieces[0].start == 0 and pieces[-1].end == len(text)
    for before, after in itertools.pairwise(pieces):
        assert after.start < before.end, "no overlap"
        assert before.end - after.start <= 100 + 1
        assert after.start > before.start
        assert text[after.start - 1] == " " and text[after.start] == "S", "a passage starts at a sentence"
        assert before.text.endswith("."), "a passage ends at a sentence end"


def test_text_without_spaces_is_cut_at_the_size():
    pieces = chunk_text("x" * 2000, size=800, overlap=100)
    assert [(p.start, p.end) for p in pieces] == [(0, 800), (800, 1600), (1600, 2000)]


def test_a_passage_never_spans_two_pages_and_offsets_are_in_the_document_text():
    pages = [Page(1, "First page about refunds."), Page(2, ""), Page(3, "Third page about shipping.")]
    pieces = chunk_pages(pages)
    text = document_text(pages)
    assert [(p.index, p.page, p.text) for p in pieces] == [
        (0, 1, "First page about refunds."), (1, 3, "Third page about shipping.")]  # fmt: skip
    assert all(text[p.start:p.end] == p.text for p in pieces)


def test_whitespace_only_text_has_no_passages():
    assert chunk_text(" \n\n \t ") == []


@pytest.mark.parametrize("size, overlap", [(10, 0), (800, 400), (800, -1)])
def test_nonsense_sizes_are_refused(size, overlap):
    with pytest.raises(ValueError):
        chunk_text("words", size=size, overlap=overlap)


@pytest.mark.parametrize(
    "filename, declared, expected",
    [
        ("notes.txt", "text/plain", "text/plain"),
        ("notes.md", "text/markdown", "text/markdown"),
        ("notes.md", "text/x-markdown", "text/markdown"),
        ("notes.md", "application/octet-stream", "text/markdown"),
        ("notes.markdown", "", "text/markdown"),
        ("guide.pdf", "application/pdf", "application/pdf"),
        ("guide.PDF", "application/octet-stream", "application/pdf"),
        ("report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", None),
        ("image.png", "image/png", None),
        ("notes", "application/octet-stream", None),
    ],
)
def test_the_type_comes_from_the_declared_type_or_the_extension(filename, declared, expected):
    assert content_type_of(filename, declared) == expected


def test_text_is_read_as_utf8_with_its_line_ends_normalised():
    [page] = extract("Café\r\nline two\rline three".encode("utf-8-sig"), "text/plain")
    assert page == Page(None, "Café\nline two\nline three")
    with pytest.raises(ExtractionError, match="not UTF-8"):
        extract(b"\xff\xfe\x00bad", "text/plain")


def test_pdf_text_is_read_page_by_page():
    pages = extract(tiny_pdf(["Refunds take five days.", "Shipping is free (over 50 EUR)."]), "application/pdf")
    assert pages == [Page(1, "Refunds take five days."), Page(2, "Shipping is free (over 50 EUR).")]


def test_a_broken_pdf_is_an_extraction_error():
    with pytest.raises(ExtractionError, match="could not be read"):
        extract(b"%PDF-1.4\nthis is not really a PDF", "application/pdf")
