"""Sign-ins and failed sign-ins go to the audit log (the password never does)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from apps.audit.middleware import client_address
from apps.audit.services import audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    audit_record(action="auth.login", user=user, obj=user, summary={"via": "session"},
                 source=client_address(request) if request is not None else None)  # fmt: skip


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(action="auth.login_failed", object_type="user", object_repr=username, actor=username,
                 summary={"username": username},
                 source=client_address(request) if request is not None else None)  # fmt: skip
