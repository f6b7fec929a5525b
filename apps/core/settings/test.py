"""Tests: the base settings with fast password hashing and plain static storage."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WORKER_HEARTBEAT_SECONDS = 1
# Fault tests kill workers on purpose; the sweep may take their work back after 2 s.
ENGINE_SWEEP_GRACE_SECONDS = 2
WHITENOISE_USE_FINDERS = True  # the browser tests load the built app straight from frontend/dist
# The suite signs in and fails on purpose many times from 127.0.0.1; the throttling test sets
# its own limit and address.
LOGIN_FAILURE_LIMIT = 10_000
