"""``manage.py seed_demo``: the demo users and teams (idempotent; keeps existing data).

Passwords are generated on the first run and kept in the data dir (readable only by
the owner) so that every ``make run`` can print the same logins.
"""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts import services as accounts

DEMO_USERS = [
    # username, superuser, teams
    ("admin", True, []),
    ("analyst", False, ["analysts"]),
    ("reviewer", False, ["claims-reviewers"]),
]


def logins_file():
    return settings.DATA_DIR / "demo-logins.json"


def load_logins() -> dict[str, str]:
    path = logins_file()
    if not path.exists():
        return {}
    return json.loads(path.read_text())


class Command(BaseCommand):
    help = "Create the demo users (admin, analyst, reviewer) and teams if they are missing."

    @transaction.atomic
    def handle(self, *args, **options):
        logins = load_logins()
        for username, superuser, teams in DEMO_USERS:
            password = logins.get(username) or secrets.token_urlsafe(9)
            user, created = accounts.user_ensure(
                username=username, password=password, email=f"{username}@example.com", is_superuser=superuser
            )
            if created or username in logins:
                logins[username] = password
            for team in teams:
                group, _ = Group.objects.get_or_create(name=team)
                user.groups.add(group)
        path = logins_file()
        path.touch(mode=0o600)
        path.write_text(json.dumps(logins, indent=2))
        for username, password in logins.items():
            self.stdout.write(f"{username}: {password}")
