"""Accounts writes: API tokens, users and teams, rights on objects (shares)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db import transaction
from django.utils import timezone
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from apps.accounts import permissions
from apps.accounts.models import ApiToken
from apps.core.api import DomainError

# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, user: AbstractBaseUser, name: str = "", expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the raw key is returned once and never stored. Audited."""
    from apps.audit.services import audit_record

    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=hash_key(key), prefix=key[:8], expires_at=expires_at
    )
    audit_record(action="token.create", user=user, obj=token, summary={"name": name, "expires_at": expires_at})
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, user) -> ApiToken:
    """Revoke a token (the row stays, for the record). Audited."""
    from apps.audit.services import audit_record

    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="token.revoke", user=user, obj=token, summary={"name": token.name})
    return token


def token_authenticate(*, key: str) -> ApiToken | None:
    """The live token for a raw key, or None if unknown, revoked, expired or its user inactive.

    Use is recorded (``last_used_at`` and an audit entry) at most once a minute per token, so
    that reads stay reads.
    """
    from apps.audit.services import audit_record

    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key), revoked_at__isnull=True).first()
    now = timezone.now()
    if token is None or not token.user.is_active or (token.expires_at and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            audit_record(action="token.use", user=token.user, obj=token, summary={"name": token.name})
        token.last_used_at = now
    return token


# --- Sign-in throttling ------------------------------------------------------------------


def _failure_counters(username: str, address: str) -> dict[str, int]:
    """Cache key → limit: one username from one address, and one address whatever the username
    (a higher limit: an attacker guessing from elsewhere cannot lock the user out of their own
    address, and one address cannot try many accounts)."""
    from django.conf import settings

    digest = hashlib.sha256(f"{username.lower()}|{address}".encode()).hexdigest()[:32]
    return {f"login-failures:pair:{digest}": settings.LOGIN_FAILURE_LIMIT,
            f"login-failures:addr:{address}": settings.LOGIN_FAILURE_LIMIT * 4}  # fmt: skip


def login_locked(*, username: str, address: str) -> bool:
    """Whether too many sign-ins failed lately for this username here, or from this address."""
    from django.core.cache import cache

    limits = _failure_counters(username, address)
    counts = cache.get_many(list(limits))
    return any(counts.get(key, 0) >= limit for key, limit in limits.items())


def login_failed(*, username: str, address: str) -> None:
    from django.conf import settings
    from django.core.cache import cache

    for key in _failure_counters(username, address):
        if cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_succeeded(*, username: str, address: str) -> None:
    from django.core.cache import cache

    cache.delete(next(iter(_failure_counters(username, address))))


@transaction.atomic
def user_ensure(*, username: str, password: str, email: str = "", is_superuser: bool = False):
    """Create the user if missing; returns (user, created). An existing user is left as it is."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    if is_superuser:
        user = User.objects.create_superuser(username=username, email=email, password=password)
    else:
        user = User.objects.create_user(username=username, email=email, password=password)
    return user, True


# --- Rights on objects (guardian rows) -------------------------------------------------


def _permission_objects(model, actions: Iterable[str]) -> dict[str, Permission]:
    wanted = {permissions.codename(model, action): action for action in actions}
    found = Permission.objects.filter(content_type__app_label=model._meta.app_label,
                                      content_type__model=model._meta.model_name, codename__in=wanted)  # fmt: skip
    return {wanted[p.codename]: p for p in found}


def grant_all(*, obj, user) -> None:
    """Every right on ``obj`` for ``user`` (the creator of an object)."""
    if user is None or not user.is_authenticated:
        return
    _grant_set(obj=obj, principal=user, actions=set(permissions.actions_of_model(type(obj))))


def _grant_set(*, obj, principal, actions: set[str]) -> tuple[list[str], list[str]]:
    """Make the principal's rights on obj exactly ``actions``; returns (before, after)."""
    model = type(obj)
    is_group = isinstance(principal, Group)
    rows = (get_group_obj_perms_model if is_group else get_user_obj_perms_model)(obj)
    who = {"group": principal} if is_group else {"user": principal}
    current = rows.objects.filter(content_object=obj, **who).select_related("permission")
    before = {p.permission.codename for p in current}
    by_action = _permission_objects(model, permissions.actions_of_model(model))
    wanted = {by_action[action].codename for action in actions}
    current.exclude(permission__codename__in=wanted).delete()
    rows.objects.bulk_create(
        [rows(content_object=obj, permission=by_action[a], **who) for a in actions
         if by_action[a].codename not in before],
        ignore_conflicts=True,
    )  # fmt: skip
    order = permissions.actions_of_model(model)
    as_actions = [a for a in order if permissions.codename(model, a) in before]
    return as_actions, [a for a in order if a in actions]


def grants_of(*, obj) -> list[dict[str, Any]]:
    """Who holds which rights on obj: users first, then teams, by name."""
    model = type(obj)
    order = permissions.actions_of_model(model)
    result: dict[tuple[str, str], set[str]] = {}
    for kind, rows, field in (("user", get_user_obj_perms_model(obj), "user__username"),
                              ("group", get_group_obj_perms_model(obj), "group__name")):  # fmt: skip
        for name, code in rows.objects.filter(content_object=obj).values_list(field, "permission__codename"):
            result.setdefault((kind, name), set()).add(code)
    return [
        {kind: name, "permissions": [a for a in order if permissions.codename(model, a) in codes]}
        for (kind, name), codes in sorted(result.items())
    ]


def role_actions(*, model, role: str) -> set[str]:
    return set(permissions.ROLES[role]) & set(permissions.actions_of_model(model))


@transaction.atomic
def object_share(*, obj, actor, user=None, group=None, actions: Iterable[str]) -> list[dict[str, Any]]:
    """Set the rights of one user or one team on ``obj`` to exactly ``actions`` (none revokes);
    the change is audited. Returns the grants after the change."""
    from apps.audit.services import audit_record

    actions = set(actions)
    unknown = actions - set(permissions.actions_of_model(type(obj)))
    if unknown:
        raise DomainError(f"unknown for a {obj._meta.verbose_name}: {', '.join(sorted(unknown))}",
                          field="permissions")  # fmt: skip
    if (user is None) == (group is None):
        raise DomainError("name a user or a group", field="user")
    principal = user if user is not None else group
    before, after = _grant_set(obj=obj, principal=principal, actions=actions)
    if before != after:
        audit_record(action="permissions.change", user=actor, obj=obj, summary={
            "user" if user is not None else "group": str(principal), "before": before, "after": after,
        })  # fmt: skip
    return grants_of(obj=obj)


# --- Users and teams (admins) ------------------------------------------------------------


def _teams_named(names: Iterable[str]) -> list[Group]:
    names = list(dict.fromkeys(names))
    teams = list(Group.objects.filter(name__in=names))
    missing = set(names) - {team.name for team in teams}
    if missing:
        raise DomainError(f"no such team: {', '.join(sorted(missing))}", field="teams")
    return teams


@transaction.atomic
def user_create(*, actor, username: str, password: str, email: str = "", teams: Iterable[str] = (),
                is_staff: bool = False):  # fmt: skip
    """A new user in the given teams. Audited (without the password)."""
    from apps.audit.services import audit_record

    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise DomainError("a user with this name exists", field="username")
    user = User.objects.create_user(username=username, password=password, email=email, is_staff=is_staff)
    user.groups.set(_teams_named(teams))
    audit_record(action="user.create", user=actor, obj=user,
                 summary={"teams": sorted(teams), "is_staff": is_staff})  # fmt: skip
    return user


@transaction.atomic
def user_update(*, user, actor, **changes):
    """Change a user's email, teams, active or staff flag, or password. Audited (not the password)."""
    from apps.audit.services import audit_record

    summary: dict[str, Any] = {}
    if "teams" in changes:
        teams = _teams_named(changes.pop("teams"))
        before = sorted(user.groups.values_list("name", flat=True))
        user.groups.set(teams)
        summary["teams"] = [before, sorted(team.name for team in teams)]
    if "password" in changes:
        user.set_password(changes.pop("password"))
        summary["password"] = "changed"  # noqa: S105 - a word for the log, not a password
    for field, value in changes.items():
        if getattr(user, field) != value:
            summary[field] = [getattr(user, field), value]
            setattr(user, field, value)
    user.save()
    audit_record(action="user.update", user=actor, obj=user, summary=summary)
    return user


def _kind_models() -> dict[str, Any]:
    from django.apps import apps

    return {label.split(".")[1]: apps.get_model(label) for label in permissions.ACTIONS}


def team_global_actions(*, team: Group) -> dict[str, list[str]]:
    """The team's rights on every object of a kind: {"workflow": ["view", "run"]}."""
    result = {}
    codes = set(team.permissions.values_list("content_type__app_label", "codename"))
    for kind, model in _kind_models().items():
        actions = [a for a in permissions.actions_of_model(model)
                   if (model._meta.app_label, permissions.codename(model, a)) in codes]  # fmt: skip
        if actions:
            result[kind] = actions
    return result


@transaction.atomic
def team_save(*, team: Group | None, actor, name: str | None = None, usernames: Iterable[str] | None = None,
              roles: dict[str, list[str]] | None = None) -> Group:  # fmt: skip
    """Create or change a team: its name, members, and rights on every object of a kind. Audited."""
    from apps.audit.services import audit_record

    created = team is None
    if name is not None and Group.objects.filter(name=name).exclude(pk=getattr(team, "pk", None)).exists():
        raise DomainError("a team with this name exists", field="name")
    team = team or Group(name=name)
    if name is not None:
        team.name = name
    team.save()
    summary: dict[str, Any] = {"name": team.name}
    if usernames is not None:
        User = get_user_model()
        members = list(User.objects.filter(username__in=list(usernames)))
        missing = set(usernames) - {user.username for user in members}
        if missing:
            raise DomainError(f"no such user: {', '.join(sorted(missing))}", field="usernames")
        team.user_set.set(members)
        summary["members"] = sorted(user.username for user in members)
    if roles is not None:
        models = _kind_models()
        wanted = []
        for kind, actions in roles.items():
            if kind not in models:
                raise DomainError(f"one of {', '.join(models)}", field="roles")
            model = models[kind]
            unknown = set(actions) - set(permissions.actions_of_model(model))
            if unknown:
                raise DomainError(f"{kind}: unknown {', '.join(sorted(unknown))}", field="roles")
            wanted += list(_permission_objects(model, actions).values())
        team.permissions.set(wanted)
        summary["roles"] = {kind: sorted(actions) for kind, actions in roles.items()}
    audit_record(action="team.create" if created else "team.update", user=actor, obj=team, summary=summary)
    return team


@transaction.atomic
def team_delete(*, team: Group, actor) -> None:
    from apps.audit.services import audit_record

    audit_record(action="team.delete", user=actor, obj=team, summary={"name": team.name})
    team.delete()
