"""The engine core: plain Python (no Django, no Celery) — graph, validation, scheduling, templating."""
