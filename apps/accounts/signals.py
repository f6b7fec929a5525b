"""Failed sign-ins count towards the lock-out (apps.accounts.services.login_locked)."""

from __future__ import annotations

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from apps.accounts import services
from apps.audit.middleware import client_address


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs) -> None:
    services.login_failed(
        username=str(credentials.get("username", "")), address=client_address(request) if request is not None else ""
    )
