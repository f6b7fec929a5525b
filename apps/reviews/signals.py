"""A reviewer's live inbox follows their teams: joining or leaving one takes effect at once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from apps.reviews import events

User = get_user_model()


@receiver(m2m_changed, sender=User.groups.through)
def _teams_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action == "pre_clear" and reverse:  # a team emptied: who was in it, before they are gone
        instance._members_before_clear = list(instance.user_set.values_list("pk", flat=True))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:  # user.groups changed
        events.teams_changed([instance.pk])
    elif action == "post_clear":
        events.teams_changed(getattr(instance, "_members_before_clear", []))
    else:  # team.user_set changed
        events.teams_changed(pk_set or [])
