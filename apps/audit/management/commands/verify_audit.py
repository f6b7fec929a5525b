"""``python manage.py verify_audit``: check the audit log's hash chain from the first entry."""

from django.core.management.base import BaseCommand, CommandError

from apps.audit.services import audit_seal, verify_chain


class Command(BaseCommand):
    help = "Check every audit entry's hash and link to the one before; name the first that does not add up."

    def add_arguments(self, parser):
        parser.add_argument("--no-seal", action="store_true", help="Check only what is sealed; seal nothing new.")

    def handle(self, *args, no_seal=False, **options):
        if not no_seal:
            audit_seal()  # entries written since the last seal join the chain first
        checked, problem = verify_chain()
        if problem is not None:
            raise CommandError(f"audit log broken at entry #{problem.seq}: {problem.problem} "
                               f"({checked} entries before it are intact)")  # fmt: skip
        self.stdout.write(self.style.SUCCESS(f"audit log intact: {checked} entries, chain verified"))
