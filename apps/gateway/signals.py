"""A changed price is used at once in this process (other processes read it within 30 s)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.gateway.models import ModelPrice
from apps.gateway.services import prices_changed


@receiver([post_save, post_delete], sender=ModelPrice)
def _price_changed(**kwargs) -> None:
    prices_changed()
