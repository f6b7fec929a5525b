# The Celery app is loaded with Django so that every task sent from a web process uses
# Sluice's broker settings (and not Celery's built-in default app).
from apps.core.celery_app import app as celery_app

__all__ = ["celery_app"]
