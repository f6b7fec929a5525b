"""The one restriction point: every queryset an API, a socket or a node reads starts here.

``restrict(queryset, user, action)`` returns only the objects the user may act on, as one
query whatever the number of objects: per-object rights are django-guardian rows with real
foreign keys (``WorkflowUserPermission`` …), joined in as indexed subqueries.

- Superusers may do everything. A user's rights on an object are their own grants, the
  grants of their teams (groups) on it, and Django's global permissions of the user or of
  a team (a role "on everything", given in the admin).
- The creator of an object gets every right on it (``grant_all``).
- Runs, batches and steps have the rights of their workflow; who started a run may also
  see and cancel it. A version or tag has the rights of its workflow or prompt.
- An object the user may not see is answered 404 (see ``get_visible``); one they may see
  but not act on is a 403 (``require``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model, Q, QuerySet
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model
from rest_framework.exceptions import NotFound, PermissionDenied

# The actions of each kind of object that has rights of its own. Django gives view, change
# and delete; the others are declared in each model's Meta.permissions.
ACTIONS: dict[str, tuple[str, ...]] = {
    "workflows.workflow": ("view", "change", "run", "publish", "rollback", "delete", "share"),
    "prompts.prompt": ("view", "change", "publish", "rollback", "delete", "share"),
    "vault.credential": ("view", "change", "use", "delete", "share"),
    "gateway.modelprofile": ("view", "change", "use", "delete", "share"),
    "knowledge.collection": ("view", "change", "use", "delete", "share"),
    "reviews.reviewtask": ("view", "decide"),
}
# Objects with rights of their own that may also be seen by whoever may see a parent: a
# review task is decided by its assignees and seen by those who may see its run.
VIEW_FROM_PARENT: dict[str, str] = {"reviews.reviewtask": "run"}

# Roles are bundles of actions; granting one on an object gives the actions that kind of
# object has (a runner's `use` only means something on a credential).
ROLES: dict[str, tuple[str, ...]] = {
    "viewer": ("view",),
    "runner": ("view", "run", "use"),
    "reviewer": ("view", "decide"),
    "editor": ("view", "change", "run", "publish", "rollback", "use"),
    "admin": ("view", "change", "run", "publish", "rollback", "use", "decide", "delete", "share"),
}

# Objects whose rights are those of a parent: the path to the parent.
DERIVED: dict[str, str] = {
    "engine.run": "workflow",
    "engine.batch": "workflow",
    "engine.step": "run__workflow",
    "workflows.workflowversion": "workflow",
    "workflows.workflowtag": "workflow",
    "workflows.webhook": "workflow",
    "prompts.promptversion": "prompt",
    "prompts.prompttag": "prompt",
    "gateway.llmcall": "run",
    "knowledge.document": "collection",
    "knowledge.chunk": "collection",
}
# Who started a run or a batch may still see and cancel it after losing the workflow's rights.
STARTER_ACTIONS = frozenset({"view", "cancel"})
STARTED_BY = {"engine.run": "created_by", "engine.batch": "created_by", "engine.step": "run__created_by",
              "gateway.llmcall": "user"}  # fmt: skip
# Cancelling a run someone else started needs the right to run the workflow.
DERIVED_ACTION = {"cancel": "run"}


def _label(model) -> str:
    return model._meta.label_lower


def codename(model, action: str) -> str:
    return f"{action}_{model._meta.model_name}"


def actions_of_model(model) -> tuple[str, ...]:
    return ACTIONS[_label(model)]


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """The objects of ``queryset`` that ``user`` may ``action`` (view, change, run, …), one query."""
    if not _active(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    label = _label(queryset.model)
    if label == "engine.comparison":
        # Comparisons are private to who started them.
        return queryset.filter(created_by=user)
    if label in DERIVED:
        path = DERIVED[label]
        parent = queryset.model._meta.get_field(path.split("__")[0]).related_model
        if "__" in path:
            parent = parent._meta.get_field(path.split("__")[1]).related_model
        parents = restrict(parent._default_manager.all(), user, DERIVED_ACTION.get(action, action))
        allowed = Q(**{f"{path}__in": parents.values("pk")})
        if label in STARTED_BY and action in STARTER_ACTIONS:
            allowed |= Q(**{STARTED_BY[label]: user})
        return queryset.filter(allowed)
    if label not in ACTIONS:
        raise LookupError(f"{label} has no permissions; add it to ACTIONS or DERIVED")
    if action not in ACTIONS[label]:
        return queryset.none()
    code = codename(queryset.model, action)
    if user.has_perm(f"{queryset.model._meta.app_label}.{code}"):
        return queryset  # a global right: every object of the kind
    allowed = Q(pk__in=_granted(queryset.model, user, code)) | Q(pk__in=_team_granted(queryset.model, user, code))
    if action == "view" and label in VIEW_FROM_PARENT:
        path = VIEW_FROM_PARENT[label]
        parent = queryset.model._meta.get_field(path).related_model
        allowed |= Q(**{f"{path}__in": restrict(parent._default_manager.all(), user, "view").values("pk")})
    return queryset.filter(allowed)


def _granted(model, user, code: str) -> QuerySet:
    """Ids of the objects the user holds ``code`` on (guardian's direct foreign-key rows; the
    codename names the model, so no content-type lookup is needed)."""
    return get_user_obj_perms_model(model).objects.filter(user=user, permission__codename=code).values(
        "content_object_id"
    )


def _team_granted(model, user, code: str) -> QuerySet:
    return get_group_obj_perms_model(model).objects.filter(
        group__user=user, permission__codename=code
    ).values("content_object_id")


def allowed(user, obj: Model, action: str) -> bool:
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def get_visible(queryset: QuerySet, user, **lookup) -> Model:
    """The object the user may see, else 404 (whether it exists or not is not told)."""
    obj = restrict(queryset, user, "view").filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def require(user, obj: Model, action: str) -> None:
    """403 unless the user may ``action`` the object (which they may already see)."""
    if action != "view" and not allowed(user, obj, action):
        raise PermissionDenied(f"you may see this {obj._meta.verbose_name} but not {action} it")


def actions_for(user, objects: Iterable[Model]) -> dict[object, list[str]]:
    """The actions the user has on each object (for the UI to offer only those), two queries a page."""
    objects = list(objects)
    if not objects or not _active(user):
        return {obj.pk: [] for obj in objects}
    model = type(objects[0])
    actions = actions_of_model(model)
    if user.is_superuser:
        return {obj.pk: list(actions) for obj in objects}
    app_label = model._meta.app_label
    global_codes = {code.split(".", 1)[1] for code in user.get_all_permissions() if code.startswith(app_label + ".")}
    pks = [obj.pk for obj in objects]
    held: dict[object, set[str]] = {pk: set(global_codes) for pk in pks}
    own = get_user_obj_perms_model(model).objects.filter(user=user, content_object_id__in=pks)
    teams = get_group_obj_perms_model(model).objects.filter(group__user=user, content_object_id__in=pks)
    for rows in (own, teams):
        for pk, code in rows.values_list("content_object_id", "permission__codename"):
            held[pk].add(code)
    return {pk: [action for action in actions if codename(model, action) in held[pk]] for pk in pks}


def actions_on(user, obj: Model) -> list[str]:
    return actions_for(user, [obj])[obj.pk]


def run_actions(user, run) -> list[str]:
    """What the user may do with a run or a batch: see it, run it again (re-run, retry) and
    cancel it if they may run its workflow; whoever started it may cancel it."""
    workflow_actions = actions_on(user, run.workflow)
    result = ["view"]
    if "run" in workflow_actions:
        result += ["run", "cancel"]
    elif run.created_by_id == getattr(user, "pk", None):
        result.append("cancel")
    return result
