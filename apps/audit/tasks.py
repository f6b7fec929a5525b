"""Beat seals new audit entries into the hash chain every few seconds."""

from celery import shared_task

from apps.audit.services import audit_seal


@shared_task(name="sluice.audit.seal", ignore_result=True)
def seal() -> int:
    return audit_seal()
