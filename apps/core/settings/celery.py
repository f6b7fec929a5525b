"""Celery settings (read by ``apps.core.celery_app`` with the ``CELERY_`` namespace)."""

from .env import broker_url, env_int, env_str, redis_url

REDIS_URL = redis_url()
REDIS_KEY_PREFIX = env_str(
    "SLUICE_REDIS_PREFIX", "sluice", "Prefix of every Redis key, so several installs can share one Redis."
)

CELERY_BROKER_URL = broker_url(REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "global_keyprefix": f"{REDIS_KEY_PREFIX}:celery:",
        # An unacknowledged task (its worker died) is handed out again after this long.
        "visibility_timeout": 3600,
    }
    if CELERY_BROKER_URL.startswith(("redis", "rediss"))
    else {}
)
# Only JSON crosses the broker: no pickle, so a message can never execute code.
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Run state lives in the database; Celery results are never read.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# A task is acknowledged after it ran, so a worker killed mid-task gets it redelivered.
# Only idempotent tasks opt into reject_on_worker_lost (per task).
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int(
    "CELERY_TASK_SOFT_TIME_LIMIT", 300, "Seconds before a task is asked to stop.", minimum=1
)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 30
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ("default", "io", "llm")
# Tasks are named sluice.<area>.<name>; slow model calls and outbound I/O get queues of
# their own so they never starve the quick engine steps.
CELERY_TASK_ROUTES = {
    "sluice.llm.*": {"queue": "llm"},
    "sluice.io.*": {"queue": "io"},
    "sluice.*": {"queue": "default"},
}
CELERY_TASK_CREATE_MISSING_QUEUES = True
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_CONCURRENCY = env_int(
    "WORKER_CONCURRENCY", 2, "Worker processes per Celery worker.", minimum=1, maximum=64
)
CELERY_BEAT_HEARTBEAT_SECONDS = 15
WORKER_HEARTBEAT_SECONDS = env_int(
    "WORKER_HEARTBEAT_SECONDS", 10, "How often each worker records that it is alive.", minimum=1
)
ENGINE_SWEEP_SECONDS = env_int(
    "ENGINE_SWEEP_SECONDS", 15, "How often beat sweeps for runs and steps that lost their message or worker.", minimum=1
)
ENGINE_SWEEP_GRACE_SECONDS = env_int(
    "ENGINE_SWEEP_GRACE_SECONDS", 60, "How long work may stay quiet before the sweep sends it again.", minimum=1
)
CELERY_BEAT_SCHEDULE = {
    "workflow-schedules": {"task": "sluice.workflows.schedule_tick", "schedule": 10.0, "options": {"expires": 10}},
    "engine-sweep": {
        "task": "sluice.engine.sweep",
        "schedule": float(ENGINE_SWEEP_SECONDS),
        "options": {"expires": ENGINE_SWEEP_SECONDS},
    },
    # New audit entries get their place and hash in the chain (apps.audit.services.audit_seal).
    "audit-seal": {"task": "sluice.audit.seal", "schedule": 5.0, "options": {"expires": 5}},
    "review-deadlines": {"task": "sluice.reviews.deadlines", "schedule": 5.0, "options": {"expires": 5}},
    "scheduler-heartbeat": {
        "task": "sluice.core.scheduler_heartbeat",
        "schedule": float(CELERY_BEAT_HEARTBEAT_SECONDS),
        "options": {"expires": CELERY_BEAT_HEARTBEAT_SECONDS},
    },
}
