"""Knowledge tasks: thin; the worker reads, cuts and embeds an upload so the request never waits."""

from celery import shared_task

from apps.knowledge import services


# On the llm queue (by its name): embedding is model work, slow beside the engine's quick steps.
# Idempotent (passages are replaced in one transaction), so a lost worker's task may run again.
@shared_task(name="sluice.llm.embed_document", acks_late=True, reject_on_worker_lost=True, ignore_result=True,
             soft_time_limit=1800, time_limit=1860)  # fmt: skip
def embed_document(*, document_id: int) -> None:
    """Cut one uploaded document into passages and embed them."""
    services.document_process(document_id=document_id)
