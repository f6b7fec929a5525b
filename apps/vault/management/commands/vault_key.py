"""``python manage.py vault_key``: make a key, or re-encrypt every credential with the newest one.

Rotation: put a new key first in SLUICE_VAULT_KEYS (keep the old ones after it), run
``vault_key --rotate``, then drop the old keys. The embedded default keeps its keys in the
data dir: ``vault_key --new --rotate`` adds a key there and rotates in one go.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.core.settings.env import VAULT_KEY_FILE
from apps.vault import crypto, services


class Command(BaseCommand):
    help = "Print a new vault key (--new), or re-encrypt all credentials with the newest key (--rotate)."

    def add_arguments(self, parser):
        parser.add_argument("--new", action="store_true", help="Make a new key (the embedded default: add it).")
        parser.add_argument("--rotate", action="store_true", help="Re-encrypt every credential with the newest key.")

    def handle(self, *args, new=False, rotate=False, **options):
        if not new and not rotate:
            raise CommandError("say --new, --rotate or both")
        if new:
            key = crypto.new_key()
            if settings.VAULT_KEYS:
                self.stdout.write(key)
                self.stderr.write("Put this key first in SLUICE_VAULT_KEYS, restart, then run --rotate.")
                if rotate:
                    raise CommandError("with SLUICE_VAULT_KEYS set, add the key there first, then --rotate")
                return
            path = settings.DATA_DIR / VAULT_KEY_FILE
            path.write_text("\n".join([key, *crypto.keys()]) + "\n")
            crypto._embedded_keys.cache_clear()
            self.stdout.write(f"added a new vault key to {VAULT_KEY_FILE} in the data dir")
        if rotate:
            count = services.rotate_all()
            self.stdout.write(self.style.SUCCESS(f"re-encrypted {count} credentials with the newest key"))
