"""Prompt writes and the one way a prompt is rendered (through the engine's sandbox)."""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.services import grant_all
from apps.audit.services import audit_record
from apps.core.api import Conflict, DomainError
from apps.engine.core import templating
from apps.engine.core.diff import value_changes
from apps.prompts.models import PROMPT_NAME, Prompt, PromptTag, PromptVersion
from apps.workflows.services import move_tag

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
REFERENCE = re.compile(r"^(?P<name>[a-z0-9][a-z0-9._-]{0,99})(?:@(?P<pin>[a-z0-9][a-z0-9._-]{0,49}))?$")


class InvalidPrompt(DomainError):
    code = "invalid_prompt"


def prompt_problems(*, template: Any, system: Any = "", variables: Any = (), defaults: Any = None) -> list[dict]:
    """Every problem of a prompt, each naming its field: syntax, undeclared variables, bad defaults."""
    problems: list[dict] = []
    if not isinstance(variables, list | tuple) or not all(isinstance(v, str) for v in variables):
        problems.append({"field": "variables", "message": "must be a list of names"})
        variables = []
    for index, name in enumerate(variables):
        if not IDENTIFIER.match(name):
            problems.append({"field": f"variables[{index}]", "message": f"{name!r} is not a variable name"})
    if len(set(variables)) != len(variables):
        problems.append({"field": "variables", "message": "a variable is declared twice"})
    for field, source in (("template", template), ("system", system)):
        if not isinstance(source, str):
            problems.append({"field": field, "message": "must be text"})
            continue
        if field == "template" and not source.strip():
            problems.append({"field": field, "message": "must not be empty"})
            continue
        try:
            used = templating.variables_of(source)
        except templating.TemplateError as exc:
            where = f" (line {exc.line})" if exc.line else ""
            problems.append({"field": field, "message": f"{exc.message}{where}", "line": exc.line})
            continue
        for name in sorted(used - set(variables)):
            problems.append({"field": field, "message": f"uses {{{{ {name} }}}}, which is not a declared variable"})
    problems += _defaults_problems(defaults if defaults is not None else {})
    return problems


def _defaults_problems(defaults: Any) -> list[dict]:
    if not isinstance(defaults, dict):
        return [{"field": "defaults", "message": "must be an object"}]
    checks = {
        "profile": lambda v: isinstance(v, str) and v != "",
        "temperature": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 2,
        "max_tokens": lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 200_000,
        "output_schema": lambda v: isinstance(v, dict),
    }
    hints = {"profile": "a model profile name", "temperature": "a number from 0 to 2",
             "max_tokens": "a whole number from 1 to 200000", "output_schema": "a JSON Schema object"}  # fmt: skip
    problems = []
    for key, value in defaults.items():
        if key not in checks:
            problems.append({"field": f"defaults.{key}", "message": f"unknown (known: {', '.join(checks)})"})
        elif not checks[key](value):
            problems.append({"field": f"defaults.{key}", "message": f"must be {hints[key]}"})
    return problems


def _check(**fields: Any) -> None:
    problems = prompt_problems(**fields)
    if problems:
        first = problems[0]
        raise InvalidPrompt(
            f"the prompt has {len(problems)} problem{'s' if len(problems) != 1 else ''}: {first['message']}",
            field=first["field"],
            extra={"errors": problems},
        )


def _snapshot(prompt: Prompt, *, user, reason: str) -> PromptVersion:
    return PromptVersion.objects.create(
        prompt=prompt, version=prompt.revision, template=prompt.template, system=prompt.system,
        variables=prompt.variables, defaults=prompt.defaults, author=user, reason=reason,
    )  # fmt: skip


@transaction.atomic
def prompt_create(
    *, name: str, template: str, user, system: str = "", variables: list | None = None, defaults: dict | None = None,
    description: str = "",
) -> Prompt:  # fmt: skip
    try:
        PROMPT_NAME(name)
    except ValidationError as exc:
        raise DomainError(f"not a prompt name: {exc.messages[0]}", field="name") from None
    if Prompt.objects.filter(name=name).exists():
        raise Conflict(f"there is already a prompt named {name!r}", field="name")
    variables, defaults = list(variables or []), dict(defaults or {})
    _check(template=template, system=system, variables=variables, defaults=defaults)
    prompt = Prompt(name=name, description=description, template=template, system=system, variables=variables,
                    defaults=defaults, created_by=user)  # fmt: skip
    prompt._change_reason = "created"
    prompt.save()
    _snapshot(prompt, user=user, reason="created")
    grant_all(obj=prompt, user=user)
    audit_record(action="prompt.create", user=user, obj=prompt, summary={"revision": 1})
    return prompt


@transaction.atomic
def prompt_save(*, prompt: Prompt, base_revision: int, user, reason: str = "", **changes: Any) -> Prompt:
    """Save changes made from ``base_revision``; a stale base is a 409 and nothing is written."""
    locked = Prompt.objects.select_for_update().get(pk=prompt.pk)
    if base_revision != locked.revision:
        raise Conflict(
            f"the prompt was saved by someone else since revision {base_revision}; it is now at revision "
            f"{locked.revision}",
            field="revision",
            extra={"current_revision": locked.revision},
        )
    changed = []
    for field in ("template", "system", "variables", "defaults", "description"):
        if changes.get(field) is not None:
            changed += [field] if changes[field] != getattr(locked, field) else []
            setattr(locked, field, changes[field])
    _check(template=locked.template, system=locked.system, variables=locked.variables, defaults=locked.defaults)
    return _new_revision(locked, user=user, reason=reason or "saved", action="prompt.update", changed=changed)


def _new_revision(locked: Prompt, *, user, reason: str, action: str, changed: list[str] | None = None) -> Prompt:
    locked.revision += 1
    locked._change_reason = reason
    locked.save()
    _snapshot(locked, user=user, reason=reason)
    audit_record(action=action, user=user, obj=locked,
                 summary={"revision": locked.revision, "reason": reason, "changed": changed or []})  # fmt: skip
    return locked


@transaction.atomic
def prompt_delete(*, prompt: Prompt, user) -> None:
    """Delete a prompt with its versions and tags (runs keep what they rendered). Audited."""
    audit_record(action="prompt.delete", user=user, obj=prompt, summary={"revision": prompt.revision})
    prompt.delete()


@transaction.atomic
def prompt_rollback(*, prompt: Prompt, version: int, user, reason: str = "") -> Prompt:
    """A new version equal to ``version``; the versions after it stay."""
    locked = Prompt.objects.select_for_update().get(pk=prompt.pk)
    target = version_of(locked, version)
    for field in ("template", "system", "variables", "defaults"):
        setattr(locked, field, getattr(target, field))
    return _new_revision(
        locked, user=user, reason=f"rolled back to version {version}" + (f": {reason}" if reason else ""),
        action="prompt.rollback", changed=["template", "system", "variables", "defaults"],
    )  # fmt: skip


def version_of(prompt: Prompt, version: int) -> PromptVersion:
    """One version of the prompt, or a 400 naming `version`."""
    try:
        return prompt.versions.get(version=version)
    except PromptVersion.DoesNotExist:
        raise DomainError(f"the prompt {prompt.name!r} has no version {version}", field="version") from None


@transaction.atomic
def prompt_tag_move(*, prompt: Prompt, name: str, version: int, user, reason: str = "") -> PromptTag:
    """Point the prompt's tag at a version (creating the tag). Audited."""
    before = PromptTag.objects.filter(prompt=prompt, name=name).values_list("version__version", flat=True).first()
    tag = move_tag(tags=PromptTag.objects, owner={"prompt": prompt}, name=name, target=version_of(prompt, version),
                   user=user, reason=reason)  # fmt: skip
    if before != version:
        audit_record(action="prompt.tag_move", user=user, obj=prompt,
                     summary={"tag": name, "from": before, "to": version, "reason": reason})  # fmt: skip
    return tag


def check_usable(reference: str, *, user_id: int | None) -> None:
    """Raise DomainError unless the user (a workflow's publisher) may read the prompt."""
    from django.contrib.auth import get_user_model

    from apps.accounts.permissions import restrict

    name = (reference or "").split("@", 1)[0]
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if not restrict(Prompt.objects.filter(name=name), user, "view").exists():
        raise DomainError(f"no prompt named {name!r} that this workflow's publisher may use", field="prompt")


def resolve(reference: str, *, pins: dict[str, int] | None = None) -> PromptVersion:
    """``name``, ``name@latest``, ``name@7`` or ``name@<tag>`` → the exact version.

    ``pins`` (a re-run's) maps a reference to the version it resolved to the first time.
    """
    match = REFERENCE.match(reference or "")
    if not match:
        raise DomainError(f"not a prompt reference: {reference!r} (use name@tag, name@latest or name@7)",
                          field="prompt")  # fmt: skip
    name, pin = match["name"], match["pin"] or "latest"
    prompt = Prompt.objects.filter(name=name).first()
    if prompt is None:
        raise DomainError(f"there is no prompt named {name!r}", field="prompt")
    if pins and reference in pins:
        return version_of(prompt, int(pins[reference]))
    if pin == "latest":
        return version_of(prompt, prompt.revision)
    if pin.isdigit():
        return version_of(prompt, int(pin))
    version = PromptVersion.objects.filter(prompt=prompt, tags__name=pin).first()
    if version is None:
        raise DomainError(f"the prompt {name!r} has no tag {pin!r}", field="prompt")
    return version


def render(version: PromptVersion, variables: dict[str, Any]) -> dict[str, Any]:
    """The prompt's system message and text with these variables, in the sandbox.

    Every declared variable must be given; values are data (a ``{{ }}`` inside them stays text).
    """
    if not isinstance(variables, dict):
        raise DomainError("variables must be an object", field="variables")
    missing = [name for name in version.variables if name not in variables]
    if missing:
        raise DomainError(f"missing variable{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
                          field=f"variables.{missing[0]}")  # fmt: skip
    try:
        text = templating.render_template(version.template, variables)
        system = templating.render_template(version.system, variables) if version.system else ""
    except templating.TemplateError as exc:
        raise DomainError(f"the prompt could not be rendered: {exc.message}", field="template") from None
    return {"system": system, "text": str(text), "name": version.prompt.name, "version": version.version,
            "defaults": version.defaults}  # fmt: skip


def diff_versions(before: PromptVersion, after: PromptVersion) -> dict[str, Any]:
    """A unified line diff of the texts, and what changed in the variables and defaults."""

    def lines(field: str) -> list[str]:
        old, new = getattr(before, field), getattr(after, field)
        return list(difflib.unified_diff(old.splitlines(), new.splitlines(), f"v{before.version}",
                                         f"v{after.version}", lineterm=""))  # fmt: skip

    return {
        "from": before.version,
        "to": after.version,
        "template": lines("template"),
        "system": lines("system"),
        "variables": value_changes({"variables": before.variables}, {"variables": after.variables}),
        "defaults": value_changes(before.defaults, after.defaults, "defaults"),
    }
