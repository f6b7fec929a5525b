"""``manage.py preflight``: check that the database and the broker can be reached.

Run by the launcher before anything starts, so a wrong DATABASE_URL or an unreachable
broker is one line naming the variable instead of a worker retrying forever.
"""

from django.core.management.base import BaseCommand, CommandError

from apps.core.health import check_broker, check_database
from apps.core.settings.env import broker_variable


class Command(BaseCommand):
    help = "Check that the configured database and broker are reachable."

    def add_arguments(self, parser):
        parser.add_argument("--skip-broker", action="store_true")

    def handle(self, *args, **options):
        database = check_database()
        if not database.ok:
            raise CommandError(f"DATABASE_URL: cannot use the database ({database.detail})")
        if not options["skip_broker"]:
            broker = check_broker()
            if not broker.ok:
                raise CommandError(f"{broker_variable()}: cannot reach the broker ({broker.detail})")
        self.stdout.write(f"database {database.detail}; broker ok")
