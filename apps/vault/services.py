"""Vault writes and the one way a secret leaves it: ``credential_use`` by a node, checked and audited."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.accounts import permissions
from apps.accounts.services import grant_all
from apps.audit.services import audit_record
from apps.core.api import DomainError
from apps.vault import crypto
from apps.vault.models import Credential, CredentialKind

EDITABLE = ("name", "description", "kind", "header", "username", "hosts")
HOST = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def _check(values: dict) -> None:
    if values.get("kind") == CredentialKind.HEADER and not values.get("header"):
        raise DomainError("a header credential needs the header's name", field="header")
    header = values.get("header") or ""
    if header and (not header.isascii() or any(c in header for c in " :\r\n")):
        raise DomainError("a header name without spaces or colons", field="header")
    name = values.get("name")
    if name is not None and not name.strip():
        raise DomainError("may not be blank", field="name")
    hosts = values.get("hosts") or []
    if not isinstance(hosts, list) or not all(isinstance(h, str) and HOST.match(h) for h in hosts):
        raise DomainError("a list of host names (api.example.com or *.example.com)", field="hosts")


def host_allowed(hosts: list[str], host: str) -> bool:
    host = (host or "").lower().rstrip(".")
    return not hosts or any(host == h or (h.startswith("*.") and host.endswith(h[1:])) for h in hosts)


@transaction.atomic
def credential_create(*, user, name: str, secret: str, kind: str = CredentialKind.BEARER, description: str = "",
                      header: str = "", username: str = "", hosts: list | None = None) -> Credential:  # fmt: skip
    """A new credential owned by ``user``; the secret is stored encrypted. Audited (without it)."""
    values = {"name": name, "kind": kind, "description": description, "header": header, "username": username,
              "hosts": hosts or []}  # fmt: skip
    _check(values)
    if Credential.objects.filter(name=name).exists():
        raise DomainError("a credential with this name exists", field="name")
    if not secret:
        raise DomainError("may not be blank", field="secret")
    credential = Credential.objects.create(
        **values, ciphertext=crypto.encrypt(secret), created_by=user, secret_changed_at=timezone.now()
    )
    grant_all(obj=credential, user=user)
    audit_record(action="credential.create", user=user, obj=credential, summary={"kind": kind})
    return credential


@transaction.atomic
def credential_update(*, credential: Credential, user, secret: str | None = None, **changes) -> Credential:
    """Change the description, kind, header or username, or replace the secret. Audited."""
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    values = {field: changes.get(field, getattr(credential, field)) for field in EDITABLE}
    _check(values)
    if Credential.objects.filter(name=values["name"]).exclude(pk=credential.pk).exists():
        raise DomainError("a credential with this name exists", field="name")
    changed = sorted(field for field in EDITABLE if values[field] != getattr(credential, field))
    for field in EDITABLE:
        setattr(credential, field, values[field])
    if secret is not None:
        if not secret:
            raise DomainError("may not be blank", field="secret")
        credential.ciphertext = crypto.encrypt(secret)
        credential.secret_changed_at = timezone.now()
        changed.append("secret")
    credential.save()
    audit_record(action="credential.update", user=user, obj=credential, summary={"changed": changed})
    return credential


@transaction.atomic
def credential_delete(*, credential: Credential, user) -> None:
    audit_record(action="credential.delete", user=user, obj=credential, summary={"name": credential.name})
    credential.delete()


@dataclass(frozen=True)
class Use:
    """What a node adds to its request; ``secret`` is there to be redacted from what comes back."""

    headers: dict[str, str]
    secret: str
    # Other forms the secret travels in (a basic pair's base64), to redact as well.
    encoded: tuple[str, ...] = ()


def credential_use(*, reference, user_id: int | None, url: str, run_id: str = "", node_id: str = "") -> Use:
    """The headers that send a credential to ``url``, if ``user_id`` (the workflow's publisher)
    may use it and the credential may go to that host.

    Raises DomainError (field ``credential``) otherwise. Each use is audited.
    """
    from urllib.parse import urlsplit

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    lookup = {"pk": int(reference)} if str(reference).isdigit() else {"name": str(reference)}
    credential = permissions.restrict(Credential.objects.all(), user, "use").filter(**lookup).first()
    if credential is None:
        raise DomainError(f"no credential {reference!r} that this workflow's publisher may use", field="credential")
    host = urlsplit(url).hostname or ""
    if not host_allowed(credential.hosts, host):
        raise DomainError(f"the credential {credential.name!r} may not be sent to {host} "
                          f"(only {', '.join(credential.hosts)})", field="credential")  # fmt: skip
    secret = crypto.decrypt(credential.ciphertext)
    with transaction.atomic():
        audit_record(action="credential.use", user=user, obj=credential, source="worker",
                     summary={"run": run_id, "node": node_id})  # fmt: skip
    if credential.kind == CredentialKind.HEADER:
        return Use(headers={credential.header: secret}, secret=secret)
    if credential.kind == CredentialKind.ANTHROPIC:
        return Use(headers={"x-api-key": secret}, secret=secret)
    if credential.kind == CredentialKind.BASIC:
        pair = base64.b64encode(f"{credential.username}:{secret}".encode()).decode()
        return Use(headers={"Authorization": f"Basic {pair}"}, secret=secret, encoded=(pair,))
    return Use(headers={"Authorization": f"Bearer {secret}"}, secret=secret)


def rotate_all() -> int:
    """Re-encrypt every credential with the newest key; returns how many."""
    count = 0
    with transaction.atomic():
        for credential in Credential.objects.select_for_update().only("pk", "ciphertext"):
            Credential.objects.filter(pk=credential.pk).update(ciphertext=crypto.rotate(credential.ciphertext))
            count += 1
        audit_record(action="vault.rotate", source="command", summary={"credentials": count})
    return count
