"""The Celery application. Settings come from Django's (``CELERY_`` namespace)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.core.settings.base")

app = Celery("sluice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Signal handlers that keep the worker heartbeat (imported for their side effect).
from apps.core import worker  # noqa: E402, F401
