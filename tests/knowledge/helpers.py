"""Knowledge test helpers: a hand-written PDF, uploads through the API, waiting for the worker."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import wait_for


def tiny_pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF, one line of Helvetica text per page, with a correct cross-reference table."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode('latin-1')}\nendstream")
        content = len(objects)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> >> >>")  # fmt: skip
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def upload(client, collection_id: int, name: str, data: bytes, content_type: str = "text/plain"):
    """POST one file (multipart) to the collection's documents."""
    return client.post(f"/api/v1/collections/{collection_id}/documents/",
                       {"file": SimpleUploadedFile(name, data, content_type=content_type)})  # fmt: skip


def wait_processed(client, collection_id: int, document_id: int, timeout: float = 60) -> dict:
    """The document once the worker has finished with it (ready or failed), with its passages."""
    path = f"/api/v1/collections/{collection_id}/documents/{document_id}/"

    def done():
        document = client.get(path).json()
        return document if document["status"] in ("ready", "failed") else None

    return wait_for(done, timeout=timeout, interval=0.2, message=f"document {document_id} to be processed")
