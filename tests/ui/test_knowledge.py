"""Document collections in the browser: create one, upload a file that the worker embeds, search it."""

from __future__ import annotations

import re

import pytest

from apps.audit.models import AuditEntry
from apps.knowledge.models import Collection, Document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

HANDBOOK = "\n\n".join([
    "Refunds are paid back to the original card within five working days of the return arriving. " * 5,
    "Parcels ship from the warehouse in Rotterdam every weekday; delivery abroad takes up to a week. " * 5,
    "Visitors sign in at the front desk, wear a badge and are met there by the person they visit. " * 5,
])  # three passages or more, one subject each


def test_a_collection_made_in_the_browser_takes_an_upload_and_finds_the_passage(screen, celery_worker_process):
    page = screen.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Knowledge").click()
    page.get_by_role("heading", name="Document collections").wait_for()

    page.get_by_role("button", name="New collection").click()
    dialog = page.get_by_role("dialog", name="New collection")
    dialog.get_by_label("Name").fill("handbook")
    dialog.get_by_label("Description").fill("Customer handbook")
    assert dialog.get_by_label("Embeddings").input_value() == "local"
    dialog.get_by_role("button", name="Create collection").click()
    page.wait_for_url(re.compile(r"/knowledge/\d+$"))
    page.get_by_role("heading", name="handbook").wait_for()
    collection = Collection.objects.get(name="handbook")
    assert collection.embedding == {"provider": "local"} and collection.description == "Customer handbook"

    # Upload: queued at once, ready when the worker has embedded it.
    documents = page.get_by_role("region", name="Documents")
    documents.get_by_label("Document (.txt, .md or .pdf)").set_input_files(
        files=[{"name": "handbook.txt", "mimeType": "text/plain", "buffer": HANDBOOK.encode()}])  # fmt: skip
    documents.get_by_role("button", name="Upload").click()
    row = page.get_by_test_id("document-handbook.txt")
    row.get_by_text("ready", exact=True).wait_for(timeout=60_000)
    assert Document.objects.get().status == "ready"
    assert "text/plain" in row.inner_text()
    screen.shot("40-knowledge-collection")

    # Search preview: the passage that answers, first, with its source, position and score.
    preview = page.get_by_role("region", name="Search preview")
    preview.get_by_label("Query").fill("Where do visitors sign in?")
    preview.get_by_label("Passages").fill("2")
    preview.get_by_role("button", name="Search").click()
    passages = preview.get_by_role("list", name="Passages").get_by_role("listitem")
    passages.first.wait_for()
    assert passages.count() == 2
    first = passages.first.inner_text()
    assert first.count("Visitors sign in at the front desk") >= 3, first
    assert "handbook.txt" in first and re.search(r"passage [2-9] · characters \d+\u2013\d+", first)
    scores = [float(re.search(r"score (-?\d\.\d{3})", passages.nth(i).inner_text()).group(1)) for i in range(2)]
    assert scores[0] > scores[1]
    preview.get_by_label("Query").fill("When do I get my money back?")
    preview.get_by_role("button", name="Search").click()
    passages.first.get_by_text(re.compile("passage 1 · characters 0\u2013")).wait_for()
    assert "Refunds are paid back to the original card" in passages.first.inner_text()
    screen.shot("41-knowledge-search")

    # A bad upload is refused, naming the field.
    documents.get_by_label("Document (.txt, .md or .pdf)").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n"}])  # fmt: skip
    documents.get_by_role("button", name="Upload").click()
    documents.get_by_role("alert").get_by_text(re.compile(r"file: image/png is not text/plain")).wait_for()

    # Share… opens the sharing dialog for the collection.
    page.get_by_role("button", name="Share…").click()
    share = page.get_by_role("dialog", name="Share “handbook”")
    share.get_by_role("form", name="Add a person or team").wait_for()
    share.get_by_role("button", name="Done").click()
    share.wait_for(state="hidden")

    # The list shows it with its ready document.
    page.get_by_role("link", name="← Collections").click()
    page.get_by_role("link", name="handbook").wait_for()
    assert "1 ready of 1" in page.get_by_role("table").inner_text()
    assert AuditEntry.objects.filter(action="collection.document_add").count() == 1
    assert screen.unexpected_errors(allowed=("status of 400",)) == []
